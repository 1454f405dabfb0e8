package sdk

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// Connector is a connector type: a factory of connections.
type Connector interface {
	// Info describes the connector. It must not do I/O.
	Info() Info
	// Open returns a connection configured with settings that were already
	// checked against Info().Settings (types, required, enums; defaults
	// filled in). The returned Conn implements the interfaces of the kinds
	// the connector declared.
	Open(ctx context.Context, req OpenRequest) (Conn, error)
}

// OpenRequest carries what Open needs.
type OpenRequest struct {
	Settings Settings
}

// Conn is an open connection. Close releases it; it is safe to call once.
type Conn interface {
	Close() error
}

// SettingsValidator is implemented by connectors with checks beyond the
// declared spec (one setting depending on another, a format). It must not
// do I/O. Each problem names the setting it is about ("" for the whole
// connection).
type SettingsValidator interface {
	ValidateSettings(s Settings) []Problem
}

// Problem is one thing wrong with a request, for diagnostics.
type Problem struct {
	Setting string // the setting concerned, "" when none
	Summary string // short and stable: "Invalid data centre"
	Detail  string // full sentences saying how to fix it
}

// ---- source ----------------------------------------------------------------

// Source reads records. A Conn of a connector offering KindSource
// implements it.
type Source interface {
	// Discover lists the streams (modules, tables, files) the source offers
	// with their Arrow schemas.
	Discover(ctx context.Context, req DiscoverRequest) (*DiscoverResponse, error)
	// Read streams the records of one stream to out, in source order, in
	// batches of at most req.BatchRows rows. It returns nil at the end of
	// the stream; an error from out stops it and is returned as is.
	Read(ctx context.Context, req ReadRequest, out ReadSink) error
}

// DiscoverRequest asks a source for its streams.
type DiscoverRequest struct {
	// Stream, when set, limits discovery to the named stream (a source with
	// many modules need not describe them all).
	Stream string
}

// DiscoverResponse lists a source's streams.
type DiscoverResponse struct {
	Streams []Stream
}

// Stream describes one readable collection of records.
type Stream struct {
	Name   string
	Schema *arrow.Schema
	// IDField names the column holding each record's source id (a string
	// or integer column).
	IDField string
	// CursorField names a timestamp column holding each record's modified
	// time, or "" when the stream has none (then `since` cannot be used).
	CursorField string
	// Views lists saved views by name, when the source has them.
	Views []string
	// Tombstones reports whether Read reports deleted records.
	Tombstones bool
}

// ReadRequest asks a source for the records of one stream.
type ReadRequest struct {
	Stream string
	// View, when set, reads only the records of that saved view.
	View string
	// Since, when not zero, reads only records whose cursor is at or after
	// it (the engine re-checks; pushing it down is an optimisation).
	Since time.Time
	// BatchRows bounds the rows of each batch; 0 means the connector's
	// default.
	BatchRows int
}

// ReadSink receives what a source reads. Its methods are called from one
// goroutine at a time.
type ReadSink interface {
	// Batch receives records conforming to the stream's schema. The caller
	// (the source) owns rec and may release it when Batch returns.
	Batch(rec arrow.RecordBatch) error
	// Tombstones receives the source ids of records deleted at the source.
	Tombstones(ids []string) error
	// Reject receives a row the source could not read (malformed, invalid
	// UTF-8); it is reported, not silently changed or dropped.
	Reject(r RejectedRow) error
}

// RejectedRow is a source row that could not be read.
type RejectedRow struct {
	ID       string // the source id when it could be read, else ""
	Position string // where: "line 17", "page 3 record 12"
	Reason   string
}

// ---- sink ------------------------------------------------------------------

// Op is what a write does to the members it names.
type Op uint8

const (
	// OpUpsert adds members or updates their fields, by key.
	OpUpsert Op = iota + 1
	// OpRemove takes members off the list; the contacts stay.
	OpRemove
	// OpDelete deletes the contacts at the sink, from every list.
	OpDelete
)

func (o Op) String() string {
	switch o {
	case OpUpsert:
		return "upsert"
	case OpRemove:
		return "remove"
	case OpDelete:
		return "delete"
	}
	return "Op(?)"
}

// Sink writes members to a list. A Conn of a connector offering KindSink
// implements it.
type Sink interface {
	// Describe returns what the sink knows of a list's members: key kind,
	// fields. The list need not exist.
	Describe(ctx context.Context, req DescribeRequest) (*SinkInfo, error)
	// Suppressions returns the keys the sink says must not be mailed: the
	// list's unsubscribed and complained members and the org-wide
	// do-not-mail entries.
	Suppressions(ctx context.Context, req SuppressionsRequest) ([]Suppression, error)
	// Write applies one operation to the members in rec, one per row. For
	// OpUpsert rec holds the key column and the mapped fields; for OpRemove
	// and OpDelete only the key column is read. It returns per-record
	// results: rows not named in Failed were accepted and are durable when
	// Write returns. An error means nothing of the batch is known to have
	// been written.
	Write(ctx context.Context, req WriteRequest, rec arrow.RecordBatch) (*WriteResponse, error)
}

// DescribeRequest names the list a pipeline writes.
type DescribeRequest struct {
	List string
}

// SuppressionsRequest names the list whose suppressions are asked for.
type SuppressionsRequest struct {
	List string
}

// SuppressionReason says why a key is suppressed.
type SuppressionReason uint8

const (
	SuppressUnsubscribed SuppressionReason = iota + 1
	SuppressComplained
	SuppressDoNotMail
)

func (r SuppressionReason) String() string {
	switch r {
	case SuppressUnsubscribed:
		return "unsubscribed"
	case SuppressComplained:
		return "complained"
	case SuppressDoNotMail:
		return "do_not_mail"
	}
	return "SuppressionReason(?)"
}

// Suppression is one key the sink says must not be mailed.
type Suppression struct {
	Key    string
	Reason SuppressionReason
	List   string // "" for an org-wide entry (do-not-mail)
}

// WriteRequest describes one Write.
type WriteRequest struct {
	List   string
	Create bool   // create the list when it does not exist
	Key    string // the column of rec holding the member key
	Op     Op
}

// WriteResponse holds per-record results.
type WriteResponse struct {
	Failed []RecordError
}

// RecordError is one record the sink refused.
type RecordError struct {
	Row    int // the row index in the written batch
	Reason string
}

// ---- feedback --------------------------------------------------------------

// CampaignType is the kind of a campaign.
type CampaignType uint8

const (
	CampaignEmail CampaignType = iota + 1
	CampaignAutoresponder
)

func (t CampaignType) String() string {
	switch t {
	case CampaignEmail:
		return "email"
	case CampaignAutoresponder:
		return "autoresponder"
	}
	return "CampaignType(?)"
}

// EventType is one per-recipient campaign response.
type EventType uint8

const (
	EventDelivered EventType = iota + 1
	EventUnopened
	EventOpened
	EventClicked
	EventBounced
	EventUnsubscribed
	EventComplained
)

var eventNames = [...]string{"", "delivered", "unopened", "opened", "clicked", "bounced", "unsubscribed", "complained"}

func (t EventType) String() string {
	if int(t) < len(eventNames) && t > 0 {
		return eventNames[t]
	}
	return "EventType(?)"
}

// ParseEventType is the inverse of EventType.String.
func ParseEventType(s string) (EventType, bool) {
	for i, n := range eventNames {
		if i > 0 && n == s {
			return EventType(i), true
		}
	}
	return 0, false
}

// Campaign is one campaign sent to a list.
type Campaign struct {
	Key     string
	Name    string
	Type    CampaignType
	List    string
	Subject string
	Sender  string
	SentAt  time.Time
}

// Event is one recipient's response to a campaign.
type Event struct {
	Campaign string // Campaign.Key
	Key      string // the member key
	Type     EventType
	At       time.Time
	// Fields are the member's fields at the sink, for recipients that did
	// not come from the source (push_recipients).
	Fields map[string]string
}

// EventSource reports campaign events. A Conn of a connector offering
// KindEvents implements it.
type EventSource interface {
	// Events returns the campaigns and events of a list after checkpoint
	// ("" for the beginning) and the checkpoint to pass next time.
	Events(ctx context.Context, req EventsRequest) (*EventsResponse, error)
}

// EventsRequest asks for a list's events after a checkpoint.
type EventsRequest struct {
	List       string
	Checkpoint string
}

// EventsResponse holds campaigns, events and the next checkpoint.
type EventsResponse struct {
	Campaigns  []Campaign
	Events     []Event
	Checkpoint string
}

// FeedbackTarget accepts the writes of a feedback run. A Conn of a
// connector offering KindFeedback implements it.
type FeedbackTarget interface {
	// WriteFeedback creates or updates records of one module. Records are
	// field maps; Match names the field identifying an existing record to
	// update ("" to always create). Results are per record, as for Write.
	WriteFeedback(ctx context.Context, req FeedbackRequest) (*WriteResponse, error)
}

// FeedbackRequest is one batch of feedback writes into a module.
type FeedbackRequest struct {
	Module  string
	Match   string
	Records []map[string]any
}

// AccountReporter is implemented by connections that can name the account
// they are connected to, for account-change detection.
type AccountReporter interface {
	Account(ctx context.Context) (string, error)
}
