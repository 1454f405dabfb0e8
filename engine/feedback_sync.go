package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/engine/state"
)

// FeedbackSync is a pipeline's reverse run: the sink's campaign events
// back into the source. It is driven like a sync — Ingest, Plan, then
// Apply under the pipeline's lease — and shares the Sync's configuration,
// connections, state and time.
//
// A feedback run needs a registered pipeline: the responses it writes back
// are those of the members the pipeline put on the list, which the state
// knows only after an apply.
type FeedbackSync struct {
	Sync    *Sync
	Program *FeedbackProgram
}

// ErrNotApplied is wrapped by the error of a feedback run of a pipeline
// that was never applied.
var ErrNotApplied = errors.New("the pipeline was never applied")

// NewFeedbackSync binds s's pipeline's feedback block. It fails when the
// pipeline has no feedback block or it does not compile (the diagnostics
// are returned as an error: the CLI reports them before it gets here).
func NewFeedbackSync(s *Sync) (*FeedbackSync, error) {
	prog, diags := ResolveFeedback(s.Resolved, s.Now)
	if diags.HasErrors() {
		return nil, fmt.Errorf("pipeline %q: %s", s.Resolved.Pipeline.Name, diags.Error())
	}
	return &FeedbackSync{Sync: s, Program: prog}, nil
}

// ConfigHash is the hash of the pipeline's configuration, feedback block
// included.
func (f *FeedbackSync) ConfigHash() string {
	return FeedbackConfigHash(f.Sync.Config, f.Sync.Resolved.Pipeline)
}

// CheckRegistered fails, wrapping ErrNotApplied, when the pipeline was
// never applied, and refuses a deleted one.
func (f *FeedbackSync) CheckRegistered(ctx context.Context) error {
	name := f.Sync.Resolved.Pipeline.Name
	reg, err := f.Sync.Store.Pipeline(ctx, name)
	switch {
	case errors.Is(err, state.ErrNotFound):
		return fmt.Errorf("pipeline %q: %w: feedback writes back the responses of the members it put on the list. Run sluice apply first", name, ErrNotApplied)
	case err != nil:
		return err
	case reg.Status == state.PipelineDeleted:
		return fmt.Errorf("pipeline %q was deleted; it no longer runs (its responses stay in the reports)", name)
	}
	return nil
}

// FeedbackIngest is what one read of the sink's events brought.
type FeedbackIngest struct {
	// From is the checkpoint the events were read after, To the one the
	// sink returned.
	From, To string
	// Events counts the events read, NewEvents those not recorded before.
	Events, NewEvents int
	// Suppressed counts the keys added to the suppression list.
	Suppressed int
	// fields are the member fields the sink reported, by key.
	fields map[string]map[string]string
}

// Ingest reads the sink's campaigns and the events after the pipeline's
// feedback checkpoint and records them in the state, where reports find
// them (keyed by sink connection and list, so they outlive the pipeline);
// it adds the keys that unsubscribed or complained to the suppression
// list, so that the next sync excludes them. It does not move the
// checkpoint: applying the plan does (see Apply), so an unapplied run
// reads the same events again (recording them twice is harmless).
func (f *FeedbackSync) Ingest(ctx context.Context) (*FeedbackIngest, error) {
	s := f.Sync
	p := s.Resolved.Pipeline
	conn, err := s.Conns.Get(ctx, p.Sink.Connection)
	if err != nil {
		return nil, err
	}
	src, ok := conn.(sdk.EventSource)
	if !ok {
		return nil, fmt.Errorf("connection %q does not report campaign events", p.Sink.Connection)
	}
	wm, err := s.Store.Watermark(ctx, p.Name, state.WatermarkFeedback)
	if err != nil {
		return nil, err
	}
	resp, err := src.Events(ctx, sdk.EventsRequest{List: p.Sink.List, Checkpoint: wm.Checkpoint})
	if err != nil {
		return nil, fmt.Errorf("reading the events of connection %q: %w", p.Sink.Connection, err)
	}
	in := &FeedbackIngest{From: wm.Checkpoint, To: resp.Checkpoint, Events: len(resp.Events), fields: map[string]map[string]string{}}
	if len(resp.Campaigns) > 0 {
		cs := make([]state.Campaign, len(resp.Campaigns))
		for i, c := range resp.Campaigns {
			list := c.List
			if list == "" {
				list = p.Sink.List
			}
			cs[i] = state.Campaign{Connection: p.Sink.Connection, Key: c.Key, Name: c.Name, Type: c.Type, List: list,
				Subject: c.Subject, Sender: c.Sender, SentAt: c.SentAt.UTC()}
		}
		if err := s.Store.UpsertCampaigns(ctx, cs); err != nil {
			return nil, err
		}
	}
	if len(resp.Events) == 0 {
		return in, nil
	}
	events := make([]state.Event, len(resp.Events))
	var supp []state.Suppression
	for i, e := range resp.Events {
		events[i] = state.Event{Connection: p.Sink.Connection, List: p.Sink.List, Campaign: e.Campaign, Key: e.Key, Type: e.Type, At: e.At.UTC()}
		if e.Fields != nil {
			in.fields[e.Key] = e.Fields
		}
		switch e.Type {
		case sdk.EventUnsubscribed:
			supp = append(supp, state.Suppression{Connection: p.Sink.Connection, Key: e.Key, List: p.Sink.List, Reason: state.SuppressUnsubscribed, AddedAt: s.Now.UTC()})
		case sdk.EventComplained:
			supp = append(supp, state.Suppression{Connection: p.Sink.Connection, Key: e.Key, List: p.Sink.List, Reason: state.SuppressComplained, AddedAt: s.Now.UTC()})
		}
	}
	if in.NewEvents, err = s.Store.AddEvents(ctx, events); err != nil {
		return nil, err
	}
	if len(supp) > 0 {
		if in.Suppressed, err = s.Store.AddSuppressions(ctx, supp); err != nil {
			return nil, err
		}
	}
	return in, nil
}
