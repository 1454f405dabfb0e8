package state

import (
	"context"
	"time"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// FeedbackLog keeps what the reverse pipeline and the reports need: the
// campaigns and responses a sink reported, where each member came from,
// and which feedback writes were already made.
//
// Campaigns and events are keyed by sink connection and list, not by
// pipeline, so they outlive a deleted pipeline.
type FeedbackLog interface {
	// UpsertCampaigns adds campaigns or replaces them by connection and
	// key.
	UpsertCampaigns(ctx context.Context, cs []Campaign) error
	// Campaigns lists the campaigns of a sink connection, of one list of
	// it when list is not "", or of every connection when connection is "",
	// sorted by connection then key.
	Campaigns(ctx context.Context, connection, list string) ([]Campaign, error)
	// AddEvents records events and returns how many were new; an event
	// already recorded (same connection, campaign, key, type and time) is
	// skipped, so reading events twice is harmless.
	AddEvents(ctx context.Context, events []Event) (added int, err error)
	// Events calls fn for each event matching q, sorted by connection,
	// campaign, key, type name then time, streaming rows. An error from fn
	// stops the scan and is returned as is.
	Events(ctx context.Context, q EventQuery, fn func(Event) error) error

	// ProvenanceOfKey says which pipelines, from which source records, put
	// key on a list of a sink connection, oldest first. It remembers
	// members that were removed since, and pipelines deleted since.
	ProvenanceOfKey(ctx context.Context, connection, list, key string) ([]Provenance, error)
	// ProvenanceOfSource lists the keys that a source record of pipeline
	// was written as, oldest first.
	ProvenanceOfSource(ctx context.Context, pipeline, sourceID string) ([]Provenance, error)

	// PutDone records that feedback writes of a kind (the engine's names,
	// e.g. "campaign", "recipient") were made for these targets, so a
	// later feedback run does not make them again. Putting a target twice
	// is harmless.
	PutDone(ctx context.Context, pipeline, kind string, targets []string) error
	// HasDone reports whether PutDone recorded target.
	HasDone(ctx context.Context, pipeline, kind, target string) (bool, error)
}

// Campaign is a campaign a sink connection reported.
type Campaign struct {
	Connection string // the sink connection's name
	Key        string // the sink's campaign id
	Name       string
	Type       sdk.CampaignType
	List       string
	Subject    string
	Sender     string
	SentAt     time.Time
}

// Event is one recipient's response to a campaign.
type Event struct {
	Connection string
	List       string
	Campaign   string // Campaign.Key
	Key        string // the member key
	Type       sdk.EventType
	At         time.Time
}

// EventQuery selects events; empty fields select everything.
type EventQuery struct {
	Connection string
	List       string
	Campaign   string
	Key        string
	Type       sdk.EventType // 0 for every type
}

var campaignTypeNames = []string{"", sdk.CampaignEmail.String(), sdk.CampaignAutoresponder.String()}

var eventTypeNames = func() []string {
	names := []string{""}
	for t := sdk.EventType(1); ; t++ {
		if _, ok := sdk.ParseEventType(t.String()); !ok {
			return names
		}
		names = append(names, t.String())
	}
}()
