package engine

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/sluice-sync/sluice/engine/plan"
)

// FeedbackAction is what one feedback write does in the source.
type FeedbackAction uint8

const (
	// CreateCampaign creates the record of a campaign (create_campaigns).
	CreateCampaign FeedbackAction = iota + 1
	// SetMemberStatus writes a source record's status in a campaign
	// (member_status).
	SetMemberStatus
	// SetStatusField writes a source record's latest status into one of
	// its fields (status_field).
	SetStatusField
	// PushRecipient creates a record for a recipient that did not come
	// from the source (push_recipients).
	PushRecipient
)

var feedbackActionNames = [...]string{CreateCampaign: "create_campaign", SetMemberStatus: "member_status",
	SetStatusField: "status_field", PushRecipient: "push_recipient"}

func (a FeedbackAction) valid() bool { return a >= CreateCampaign && a <= PushRecipient }

func (a FeedbackAction) String() string {
	if a.valid() {
		return feedbackActionNames[a]
	}
	return fmt.Sprintf("FeedbackAction(%d)", uint8(a))
}

// MarshalText returns the action's name; an invalid action is an error.
func (a FeedbackAction) MarshalText() ([]byte, error) {
	if !a.valid() {
		return nil, fmt.Errorf("invalid feedback action %d", uint8(a))
	}
	return []byte(feedbackActionNames[a]), nil
}

// UnmarshalText parses an action's name.
func (a *FeedbackAction) UnmarshalText(b []byte) error {
	for x := CreateCampaign; x <= PushRecipient; x++ {
		if feedbackActionNames[x] == string(b) {
			*a = x
			return nil
		}
	}
	return fmt.Errorf("unknown feedback action %q", b)
}

// doneKind is the kind of the state's done markers for the action.
func (a FeedbackAction) doneKind() string {
	switch a {
	case CreateCampaign:
		return "campaign"
	case SetMemberStatus:
		return "member_status"
	case SetStatusField:
		return "status_field"
	case PushRecipient:
		return "recipient"
	}
	return ""
}

// FeedbackPlan is what one feedback run of a pipeline would write into its
// source: campaign records, campaign-member statuses, status fields and
// pushed recipients, computed from the campaigns and events the state
// holds for the pipeline's list and the feedback writes already made.
//
// Like a sync's plan it is data: the feedback planner fills it, its
// renderings (WriteFeedbackText, WriteFeedbackJSON, WriteFeedbackFile)
// only read it.
type FeedbackPlan struct {
	FormatVersion string `json:"format_version"`
	// ID identifies the plan: a hash of its content.
	ID       string    `json:"id"`
	Pipeline string    `json:"pipeline"`
	Kind     string    `json:"kind"` // always "feedback"
	Created  time.Time `json:"created_at"`
	// ConfigHash is FeedbackConfigHash of the pipeline the plan was made
	// from; a saved plan is refused when it changed.
	ConfigHash string `json:"config_hash"`
	// StateSerial is the pipeline's state serial when the plan was made: a
	// sync applied since may have changed whose recipients are whose.
	StateSerial int64 `json:"state_serial"`
	// From is the feedback checkpoint the events were read after; To the
	// one applying the plan advances it to.
	From string `json:"checkpoint_from"`
	To   string `json:"checkpoint_to"`

	Summary  FeedbackSummary `json:"summary"`
	Writes   []FeedbackWrite `json:"writes"`
	Skipped  []FeedbackSkip  `json:"skipped"`
	Warnings []string        `json:"warnings,omitempty"`
	// Config lists the pipeline files the plan was made from, so a saved
	// plan can be applied by its file alone. Only the saved file has it.
	Config []string `json:"-"`
}

// FeedbackSummary counts what a feedback run read and would write.
type FeedbackSummary struct {
	// Campaigns are the campaigns of the list the state holds.
	Campaigns int `json:"campaigns"`
	// Events were read from the sink this run; NewEvents of them were not
	// recorded before.
	Events    int `json:"events"`
	NewEvents int `json:"new_events"`
	// Recipients are the distinct recipients of the list's campaigns:
	// FromSource were put on the list by this pipeline, Elsewhere were
	// not (member_status leaves those alone).
	Recipients int `json:"recipients"`
	FromSource int `json:"from_source"`
	Elsewhere  int `json:"elsewhere"`
	// Suppressed counts the keys that unsubscribes and complaints among the
	// events added to the suppression list.
	Suppressed int `json:"suppressed"`

	CreateCampaign int `json:"create_campaign"`
	MemberStatus   int `json:"member_status"`
	StatusField    int `json:"status_field"`
	PushRecipient  int `json:"push_recipient"`
	// Unchanged counts writes an earlier run already made.
	Unchanged int `json:"unchanged"`
	// Skipped counts recipients that cannot be written (see Skipped).
	Skipped int `json:"skipped"`
}

// FeedbackWrite is one record the run writes into the source.
type FeedbackWrite struct {
	Action FeedbackAction `json:"action"`
	Module string         `json:"module"`
	// Match names the record field identifying an existing record to
	// update; "" creates a record.
	Match    string `json:"match,omitempty"`
	Campaign string `json:"campaign,omitempty"`
	Key      string `json:"key,omitempty"`       // the recipient's key at the sink
	SourceID string `json:"source_id,omitempty"` // the source record written
	Field    string `json:"field,omitempty"`     // a status field's name
	Status   string `json:"status,omitempty"`
	// Before is the status an earlier run wrote for the same campaign
	// member or status field, "" when none.
	Before string                `json:"before,omitempty"`
	Record map[string]plan.Value `json:"record"`
	// Marker is what the state records once the write is made, so that it
	// is not made again.
	Marker string `json:"marker"`
}

// FeedbackSkip is a recipient the run cannot write, and why.
type FeedbackSkip struct {
	Action FeedbackAction `json:"action"`
	Key    string         `json:"key"`
	Reason string         `json:"reason"`
}

// HasChanges reports whether applying the plan writes anything into the
// source.
func (p *FeedbackPlan) HasChanges() bool { return len(p.Writes) > 0 }

func compareWrites(a, b FeedbackWrite) int {
	if c := cmp.Compare(a.Action, b.Action); c != 0 {
		return c
	}
	for _, pair := range [][2]string{{a.Campaign, b.Campaign}, {a.Module, b.Module}, {a.Field, b.Field},
		{a.SourceID, b.SourceID}, {a.Key, b.Key}, {a.Marker, b.Marker}} {
		if c := strings.Compare(pair[0], pair[1]); c != 0 {
			return c
		}
	}
	return 0
}

func compareSkips(a, b FeedbackSkip) int {
	if c := cmp.Compare(a.Action, b.Action); c != 0 {
		return c
	}
	if c := strings.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	return strings.Compare(a.Reason, b.Reason)
}

// Normalize sorts the plan's entries into their canonical order, fills in
// the counts of its writes and sets its ID to the hash of its content.
func (p *FeedbackPlan) Normalize() {
	slices.SortFunc(p.Writes, compareWrites)
	slices.SortFunc(p.Skipped, compareSkips)
	s := &p.Summary
	s.CreateCampaign, s.MemberStatus, s.StatusField, s.PushRecipient = 0, 0, 0, 0
	for _, w := range p.Writes {
		switch w.Action {
		case CreateCampaign:
			s.CreateCampaign++
		case SetMemberStatus:
			s.MemberStatus++
		case SetStatusField:
			s.StatusField++
		case PushRecipient:
			s.PushRecipient++
		}
	}
	s.Skipped = len(p.Skipped)
	if p.FormatVersion == "" {
		p.FormatVersion = plan.FormatVersion
	}
	p.Kind = "feedback"
	p.Created = p.Created.UTC()
	if p.Writes == nil {
		p.Writes = []FeedbackWrite{}
	}
	if p.Skipped == nil {
		p.Skipped = []FeedbackSkip{}
	}
	p.ID = p.ContentHash()
}

// ContentHash returns a hash of everything in the plan but its ID: 32
// hexadecimal digits.
func (p *FeedbackPlan) ContentHash() string {
	c := *p
	c.ID = ""
	b, _ := json.Marshal(&c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// WriteFeedbackJSON writes the plan as one JSON document followed by a
// newline. Its field names are a contract, like those of a sync's plan.
func WriteFeedbackJSON(w io.Writer, p *FeedbackPlan) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// feedbackFileMagic starts every saved feedback plan.
const feedbackFileMagic = `{"sluice_feedback_plan":`

// feedbackFile is a saved feedback plan: the plan and the configuration
// it was made from.
type feedbackFile struct {
	Version string        `json:"sluice_feedback_plan"`
	Config  []string      `json:"config"`
	Plan    *FeedbackPlan `json:"plan"`
}

// WriteFeedbackFile saves the plan to path, readable by its owner only
// (it holds mapped recipient fields).
func WriteFeedbackFile(path string, p *FeedbackPlan) error {
	b, err := json.Marshal(feedbackFile{Version: plan.FormatVersion, Config: p.Config, Plan: p})
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// ErrNotFeedbackPlan is returned by ReadFeedbackFile for a file that is
// not a saved feedback plan.
var ErrNotFeedbackPlan = errors.New("not a saved feedback plan")

// ReadFeedbackFile reads a plan WriteFeedbackFile saved, checking its
// format version and that its content matches its ID.
func ReadFeedbackFile(path string) (*FeedbackPlan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(b, []byte(feedbackFileMagic)) {
		return nil, fmt.Errorf("%s: %w", path, ErrNotFeedbackPlan)
	}
	var f feedbackFile
	if err := json.Unmarshal(b, &f); err != nil || f.Plan == nil {
		return nil, fmt.Errorf("%s: a damaged feedback plan: %v", path, err)
	}
	if maj, _, _ := strings.Cut(f.Version, "."); maj != "1" {
		return nil, fmt.Errorf("%s: %w: %s (this sluice reads 1.x)", path, plan.ErrUnsupportedVersion, f.Version)
	}
	p := f.Plan
	p.Config = f.Config
	if p.Kind != "feedback" {
		return nil, fmt.Errorf("%s: %w", path, ErrNotFeedbackPlan)
	}
	if got := p.ContentHash(); got != p.ID {
		return nil, fmt.Errorf("%s: the feedback plan was changed after it was saved (its content does not match its id)", path)
	}
	return p, nil
}

// IsFeedbackPlanFile reports whether path starts like a saved feedback
// plan.
func IsFeedbackPlanFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, len(feedbackFileMagic))
	n, _ := f.Read(buf)
	return string(buf[:n]) == feedbackFileMagic
}
