package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FormatVersion is the version of the plan's JSON document and of the plan
// file this package writes. A reader accepts any minor version of its major
// version (minor versions only add fields) and refuses other majors.
const FormatVersion = "1.0"

// formatMajor is FormatVersion's major number.
const formatMajor = 1

// ErrUnsupportedVersion is returned (wrapped) when a JSON plan or plan file
// has a major format version this package does not read.
var ErrUnsupportedVersion = errors.New("unsupported plan format version")

// Plan is what one run of a pipeline would do, computed from the source, the
// pipeline and the state.
//
// A Plan is a plain value: stages fill it, renderers and Write only read it
// (and never reorder it), so several may render one plan at once as long as
// nobody modifies it meanwhile.
type Plan struct {
	// FormatVersion is the format the plan was read from; "" or
	// FormatVersion for a plan made in this process. Renderers and Write
	// always produce FormatVersion.
	FormatVersion string
	// ID identifies the plan; Normalize sets it to ContentHash when empty.
	ID       string
	Pipeline string
	// CreatedAt is the run's now(), the one instant every stage used.
	CreatedAt time.Time
	// ConfigHash identifies the pipeline's configuration the plan was made
	// from; apply refuses a saved plan when it changed.
	ConfigHash string
	// StateSerial is the state's serial the plan was made against; apply
	// refuses a saved plan when the state moved on (a stale plan).
	StateSerial int64
	Summary     Summary
	Changes     []Change
	Skipped     []Skipped
	Warnings    []string
	// Config lists the pipeline files or directories the plan was made
	// from, as given, so a saved plan can be applied by its file alone.
	// It is kept in plan files, not in the JSON rendering.
	Config []string
	// GuardBreach is set when removals plus deletes exceed
	// guard.max_removals; apply then refuses the plan unless removals are
	// explicitly allowed.
	GuardBreach *GuardBreach
}

// Summary counts every outcome of a run. Counts are of records: Read =
// Selected + Unmatched; each selected record is Rejected, Duplicate,
// Excluded, Add, Update, Unchanged or OverQuota. Remove and Delete count
// members.
type Summary struct {
	Read      int `json:"read"`
	Selected  int `json:"selected"`
	Unmatched int `json:"unmatched"`
	Rejected  int `json:"rejected"`
	Duplicate int `json:"duplicate"`
	Excluded  int `json:"excluded"`
	Add       int `json:"add"`
	Update    int `json:"update"`
	Unchanged int `json:"unchanged"`
	OverQuota int `json:"over_quota"`
	Remove    int `json:"remove"`
	Delete    int `json:"delete"`
}

// GuardBreach records that a plan removes more members than
// guard.max_removals allows.
type GuardBreach struct {
	// Limit is the most removals plus deletes allowed, with a percentage
	// already resolved against ListSize.
	Limit int `json:"limit"`
	// Removals is the plan's removals plus deletes.
	Removals int `json:"removals"`
	// ListSize is the number of this pipeline's members on the list before
	// the plan.
	ListSize int `json:"list_size"`
}

// New returns an empty plan of pipeline made at now.
func New(pipeline string, now time.Time) *Plan {
	return &Plan{FormatVersion: FormatVersion, Pipeline: pipeline, CreatedAt: now}
}

// HasChanges reports whether applying the plan would change anything at the
// sink: a change entry, or a non-zero add, update, remove or delete count.
func (p *Plan) HasChanges() bool {
	s := &p.Summary
	return len(p.Changes) > 0 || s.Add+s.Update+s.Remove+s.Delete > 0
}

// Normalize puts the plan in its canonical order in place: changes by key
// then action, skipped records by outcome then key then source id, each
// diff by field name. It sets FormatVersion when empty, and ID to
// ContentHash when empty. Rendering a normalized plan costs no sorting.
func (p *Plan) Normalize() {
	slices.SortFunc(p.Changes, cmpChangePtr)
	for i := range p.Changes {
		slices.SortFunc(p.Changes[i].Diff, compareFieldChanges)
	}
	slices.SortFunc(p.Skipped, cmpSkippedPtr)
	if p.FormatVersion == "" {
		p.FormatVersion = FormatVersion
	}
	if p.ID == "" {
		p.ID = p.ContentHash()
	}
}

// ContentHash returns a hash of everything in the plan but its ID and
// format version, independent of the order of its entries: two plans with
// the same content, made at the same instant, have the same hash. It is 32
// hexadecimal digits.
func (p *Plan) ContentHash() string {
	h := sha256.New()
	w := jsonWriter{w: h}
	w.plan(p, false)
	w.flush()
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Validate checks that the plan is consistent: known actions and outcomes,
// keys on every change, fields only on adds and diffs only on updates, a
// winner on every duplicate, no negative count, and counts that agree with
// the entries and with each other. It returns every problem found, joined.
func (p *Plan) Validate() error {
	var errs []error
	add := func(format string, args ...any) {
		if len(errs) < 20 {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	if p.FormatVersion != "" {
		if _, err := checkVersion(p.FormatVersion); err != nil {
			add("%w", err)
		}
	}
	var actions [Delete + 1]int
	for i := range p.Changes {
		c := &p.Changes[i]
		if !c.Action.valid() {
			add("change %d (key %q): invalid action %d", i, c.Key, uint8(c.Action))
			continue
		}
		actions[c.Action]++
		if c.Key == "" {
			add("change %d: %s without a key", i, c.Action)
		}
		if c.Action != Add && len(c.Fields) > 0 {
			add("change %d (key %q): fields on a %s", i, c.Key, c.Action)
		}
		if c.Action != Update && len(c.Diff) > 0 {
			add("change %d (key %q): a diff on a %s", i, c.Key, c.Action)
		}
		if c.Action == Update && len(c.Diff) == 0 {
			add("change %d (key %q): an update that changes no field", i, c.Key)
		}
	}
	var outcomes [OverQuota + 1]int
	for i := range p.Skipped {
		s := &p.Skipped[i]
		if !s.Outcome.valid() {
			add("skipped %d (key %q): invalid outcome %d", i, s.Key, uint8(s.Outcome))
			continue
		}
		outcomes[s.Outcome]++
		if s.Outcome == Duplicate && s.Winner == "" {
			add("skipped %d (key %q): a duplicate that names no winner", i, s.Key)
		}
	}
	s := p.Summary
	counts := []struct {
		name       string
		got, count int
	}{
		{"read", s.Read, -1},
		{"selected", s.Selected, -1},
		{"unmatched", s.Unmatched, -1},
		{"rejected", s.Rejected, outcomes[Rejected]},
		{"duplicate", s.Duplicate, outcomes[Duplicate]},
		{"excluded", s.Excluded, outcomes[Excluded]},
		{"add", s.Add, actions[Add]},
		{"update", s.Update, actions[Update]},
		{"unchanged", s.Unchanged, -1},
		{"over_quota", s.OverQuota, outcomes[OverQuota]},
		{"remove", s.Remove, actions[Remove]},
		{"delete", s.Delete, actions[Delete]},
	}
	for _, c := range counts {
		switch {
		case c.got < 0:
			add("summary: %s is negative (%d)", c.name, c.got)
		case c.count >= 0 && c.got != c.count:
			add("summary: %s is %d but the plan lists %d", c.name, c.got, c.count)
		}
	}
	if s.Read != s.Selected+s.Unmatched {
		add("summary: read (%d) is not selected (%d) + unmatched (%d)", s.Read, s.Selected, s.Unmatched)
	}
	if sum := s.Rejected + s.Duplicate + s.Excluded + s.Add + s.Update + s.Unchanged + s.OverQuota; s.Selected != sum {
		add("summary: selected (%d) is not rejected + duplicate + excluded + add + update + unchanged + over_quota (%d)", s.Selected, sum)
	}
	if g := p.GuardBreach; g != nil && (g.Limit < 0 || g.Removals < 0 || g.ListSize < 0) {
		add("guard: negative count")
	}
	return errors.Join(errs...)
}

// checkVersion parses "MAJOR.MINOR" and refuses a major other than ours.
func checkVersion(v string) (minor int, err error) {
	maj, min, ok := strings.Cut(v, ".")
	if !ok {
		return 0, fmt.Errorf("invalid plan format version %q", v)
	}
	mj, err1 := strconv.Atoi(maj)
	mn, err2 := strconv.Atoi(min)
	if err1 != nil || err2 != nil || mj < 0 || mn < 0 {
		return 0, fmt.Errorf("invalid plan format version %q", v)
	}
	if mj != formatMajor {
		return 0, fmt.Errorf("%w: %s (this sluice reads %d.x)", ErrUnsupportedVersion, v, formatMajor)
	}
	return mn, nil
}
