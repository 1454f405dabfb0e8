package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/engine/state"
)

// Store is what reports read: the feedback log, its bulk index and the
// registry of pipelines. The SQLite state store is one.
type Store interface {
	state.Registry
	state.FeedbackLog
	state.FeedbackIndex
}

// AsStore returns st as a report Store, or an error when it cannot list
// the feedback log in bulk.
func AsStore(st state.Store) (Store, error) {
	s, ok := st.(Store)
	if !ok {
		return nil, errors.New("the state store cannot list feedback records in bulk")
	}
	return s, nil
}

// ErrNotFound is wrapped by the error of a report of a campaign the state
// does not hold.
var ErrNotFound = errors.New("not found")

// Responses lists the response types in the order reports show them.
var Responses = []sdk.EventType{sdk.EventDelivered, sdk.EventUnopened, sdk.EventOpened, sdk.EventClicked,
	sdk.EventBounced, sdk.EventUnsubscribed, sdk.EventComplained}

// Campaign is one campaign with its counts per response.
type Campaign struct {
	Connection string    `json:"connection"`
	Key        string    `json:"key"`
	Name       string    `json:"name"`
	Type       string    `json:"type"`
	List       string    `json:"list"`
	Subject    string    `json:"subject"`
	Sender     string    `json:"sender"`
	SentAt     time.Time `json:"sent_at"`
	// Recipients counts the distinct recipients with any response.
	Recipients int `json:"recipients"`
	// Counts holds, per response name, the distinct recipients who gave
	// it (a recipient who opened and clicked counts in both).
	Counts map[string]int `json:"counts"`
}

// Filter selects campaigns; empty fields select everything.
type Filter struct {
	Connection string
	List       string
}

// Campaigns returns every campaign the state holds (of one connection or
// list when the filter says so), sorted by sent time, then connection and
// key, with its counts per response.
func Campaigns(ctx context.Context, st Store, f Filter) ([]Campaign, error) {
	cs, err := st.Campaigns(ctx, f.Connection, f.List)
	if err != nil {
		return nil, err
	}
	out := make([]Campaign, len(cs))
	index := map[[2]string]int{}
	for i, c := range cs {
		out[i] = overview(c)
		index[[2]string{c.Connection, c.Key}] = i
	}
	type seen struct {
		camp int
		key  string
		typ  sdk.EventType
	}
	counted := map[seen]bool{}
	recipients := map[seen]bool{}
	err = st.Events(ctx, state.EventQuery{Connection: f.Connection, List: f.List}, func(e state.Event) error {
		i, ok := index[[2]string{e.Connection, e.Campaign}]
		if !ok {
			return nil // an event of a campaign the sink did not describe
		}
		if k := (seen{i, e.Key, e.Type}); !counted[k] {
			counted[k] = true
			out[i].Counts[e.Type.String()]++
		}
		if k := (seen{i, e.Key, 0}); !recipients[k] {
			recipients[k] = true
			out[i].Recipients++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Campaign) int {
		if c := a.SentAt.Compare(b.SentAt); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Connection, b.Connection); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return out, nil
}

func overview(c state.Campaign) Campaign {
	counts := make(map[string]int, len(Responses))
	for _, r := range Responses {
		counts[r.String()] = 0
	}
	return Campaign{Connection: c.Connection, Key: c.Key, Name: c.Name, Type: c.Type.String(), List: c.List,
		Subject: c.Subject, Sender: c.Sender, SentAt: c.SentAt, Counts: counts}
}

// Rate is one response's share of a campaign's recipients.
type Rate struct {
	Response   string  `json:"response"`
	Recipients int     `json:"recipients"`
	Rate       float64 `json:"rate"` // 0 to 1
}

// Recipient is one recipient of a campaign.
type Recipient struct {
	Key string `json:"key"`
	// Module, SourceID and Pipeline name the source record a pipeline put
	// the key on the list from; all "" for a recipient from elsewhere.
	Module   string `json:"module"`
	SourceID string `json:"source_id"`
	Pipeline string `json:"pipeline"`
	// Status is the recipient's most advanced response in the campaign.
	Status string `json:"status"`
	// At is when the recipient first gave the response reported on.
	At time.Time `json:"at"`
}

// CampaignReport is one campaign's overview, its counts and rates per
// response and, when asked for, the recipients of one response.
type CampaignReport struct {
	Campaign Campaign `json:"campaign"`
	Rates    []Rate   `json:"rates"`
	// Response and Module are what Recipients were selected by; "" for
	// none.
	Response   string      `json:"response,omitempty"`
	Module     string      `json:"module,omitempty"`
	Recipients []Recipient `json:"recipients,omitempty"`
}

// CampaignQuery selects a campaign and, optionally, its recipients.
type CampaignQuery struct {
	// Connection names the sink connection when the key is used by more
	// than one.
	Connection string
	// Response, when not 0, lists the recipients who gave it.
	Response sdk.EventType
	// Module keeps, of those, the ones from records of that source module
	// (without regard to case).
	Module string
}

// CampaignDetail returns the report of the campaign key.
func CampaignDetail(ctx context.Context, st Store, key string, q CampaignQuery) (*CampaignReport, error) {
	all, err := Campaigns(ctx, st, Filter{Connection: q.Connection})
	if err != nil {
		return nil, err
	}
	var found []Campaign
	var conns []string
	for _, c := range all {
		if c.Key == key {
			found = append(found, c)
			conns = append(conns, c.Connection)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("campaign %q: %w in the state; `sluice report campaigns` lists the campaigns", key, ErrNotFound)
	case 1:
	default:
		return nil, fmt.Errorf("campaign %q was sent by several connections (%s); name one with -connection", key, strings.Join(conns, ", "))
	}
	c := found[0]
	rep := &CampaignReport{Campaign: c}
	for _, r := range Responses {
		rate := Rate{Response: r.String(), Recipients: c.Counts[r.String()]}
		if c.Recipients > 0 {
			rate.Rate = float64(rate.Recipients) / float64(c.Recipients)
		}
		rep.Rates = append(rep.Rates, rate)
	}
	if q.Response == 0 {
		return rep, nil
	}
	rep.Response, rep.Module = q.Response.String(), q.Module
	rep.Recipients = []Recipient{}
	type resp struct {
		status sdk.EventType
		at     time.Time
		gave   bool
	}
	byKey := map[string]*resp{}
	var keys []string
	err = st.Events(ctx, state.EventQuery{Connection: c.Connection, List: c.List, Campaign: c.Key}, func(e state.Event) error {
		r := byKey[e.Key]
		if r == nil {
			r = &resp{}
			byKey[e.Key] = r
			keys = append(keys, e.Key)
		}
		if engine.StatusRank(e.Type) > engine.StatusRank(r.status) {
			r.status = e.Type
		}
		if e.Type == q.Response && (!r.gave || e.At.Before(r.at)) {
			r.gave, r.at = true, e.At
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	origins, err := origins(ctx, st, c.Connection, c.List)
	if err != nil {
		return nil, err
	}
	slices.Sort(keys)
	for _, k := range keys {
		r := byKey[k]
		if !r.gave {
			continue
		}
		o := origins[k]
		if q.Module != "" && !strings.EqualFold(o.Module, q.Module) {
			continue
		}
		rep.Recipients = append(rep.Recipients, Recipient{Key: k, Module: o.Module, SourceID: o.SourceID, Pipeline: o.Pipeline,
			Status: r.status.String(), At: r.at})
	}
	return rep, nil
}

// origins maps each key of a list to the latest provenance entry naming
// it: the source record a pipeline last put it on the list from.
func origins(ctx context.Context, st Store, connection, list string) (map[string]state.Provenance, error) {
	out := map[string]state.Provenance{}
	err := st.EachProvenance(ctx, connection, list, func(p state.Provenance) error {
		out[p.Key] = p // entries come oldest first
		return nil
	})
	return out, err
}

// RecordCampaign is one campaign a source record's key received.
type RecordCampaign struct {
	Pipeline   string    `json:"pipeline"`
	Module     string    `json:"module"`
	Key        string    `json:"key"`
	Connection string    `json:"connection"`
	List       string    `json:"list"`
	Campaign   string    `json:"campaign"`
	Name       string    `json:"name"`
	Type       string    `json:"type"`
	SentAt     time.Time `json:"sent_at"`
	// Response is the most advanced response; Responses every response
	// given, in the order of Responses; At when the first came.
	Response  string    `json:"response"`
	Responses []string  `json:"responses"`
	At        time.Time `json:"at"`
}

// RecordReport is one source record's campaigns and its response in each.
type RecordReport struct {
	SourceID  string           `json:"source_id"`
	Campaigns []RecordCampaign `json:"campaigns"`
}

// RecordQuery narrows a record report.
type RecordQuery struct {
	Pipeline string // only the keys this pipeline wrote the record as
	Module   string // only records of this source module (without regard to case)
}

// Record returns the campaigns that the keys a source record was written
// as received, sorted by sent time, then campaign and key. It looks at
// every registered pipeline, deleted ones included.
func Record(ctx context.Context, st Store, id string, q RecordQuery) (*RecordReport, error) {
	pipelines := []string{q.Pipeline}
	if q.Pipeline == "" {
		regs, err := st.Pipelines(ctx)
		if err != nil {
			return nil, err
		}
		pipelines = pipelines[:0]
		for _, r := range regs {
			pipelines = append(pipelines, r.Name)
		}
	}
	rep := &RecordReport{SourceID: id, Campaigns: []RecordCampaign{}}
	campaigns := map[[2]string]map[string]state.Campaign{}
	seen := map[[4]string]bool{}
	for _, name := range pipelines {
		provs, err := st.ProvenanceOfSource(ctx, name, id)
		if err != nil {
			return nil, err
		}
		for _, p := range provs {
			if q.Module != "" && !strings.EqualFold(p.Module, q.Module) {
				continue
			}
			if k := [4]string{p.Pipeline, p.Connection, p.List, p.Key}; seen[k] {
				continue
			} else {
				seen[k] = true
			}
			list := [2]string{p.Connection, p.List}
			if campaigns[list] == nil {
				cs, err := st.Campaigns(ctx, p.Connection, p.List)
				if err != nil {
					return nil, err
				}
				campaigns[list] = map[string]state.Campaign{}
				for _, c := range cs {
					campaigns[list][c.Key] = c
				}
			}
			byCampaign := map[string]*RecordCampaign{}
			gave := map[string]map[sdk.EventType]bool{}
			var order []string
			err := st.Events(ctx, state.EventQuery{Connection: p.Connection, List: p.List, Key: p.Key}, func(e state.Event) error {
				rc := byCampaign[e.Campaign]
				if rc == nil {
					c := campaigns[list][e.Campaign]
					rc = &RecordCampaign{Pipeline: p.Pipeline, Module: p.Module, Key: p.Key, Connection: p.Connection, List: p.List,
						Campaign: e.Campaign, Name: c.Name, SentAt: c.SentAt, At: e.At}
					if c.Type != 0 {
						rc.Type = c.Type.String()
					}
					byCampaign[e.Campaign] = rc
					gave[e.Campaign] = map[sdk.EventType]bool{}
					order = append(order, e.Campaign)
				}
				if t, _ := sdk.ParseEventType(rc.Response); engine.StatusRank(e.Type) > engine.StatusRank(t) {
					rc.Response = e.Type.String()
				}
				if e.At.Before(rc.At) {
					rc.At = e.At
				}
				gave[e.Campaign][e.Type] = true
				return nil
			})
			if err != nil {
				return nil, err
			}
			for _, k := range order {
				rc := byCampaign[k]
				rc.Responses = []string{}
				for _, r := range Responses {
					if gave[k][r] {
						rc.Responses = append(rc.Responses, r.String())
					}
				}
				rep.Campaigns = append(rep.Campaigns, *rc)
			}
		}
	}
	slices.SortStableFunc(rep.Campaigns, func(a, b RecordCampaign) int {
		if c := a.SentAt.Compare(b.SentAt); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Campaign, b.Campaign); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return cmp.Compare(a.Pipeline, b.Pipeline)
	})
	return rep, nil
}
