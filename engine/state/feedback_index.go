package state

import "context"

// FeedbackIndex reads the feedback log in bulk, for a feedback plan and
// for reports, which look at every recipient of a list at once rather
// than one key at a time. The SQLite store implements it; callers reach
// it with a type assertion on their Store.
type FeedbackIndex interface {
	// DoneTargets returns every target PutDone recorded for pipeline and
	// kind; an empty set for a pipeline never registered.
	DoneTargets(ctx context.Context, pipeline, kind string) (KeySet, error)
	// EachProvenance calls fn for every provenance entry of one list of a
	// sink connection (see FeedbackLog.ProvenanceOfKey), sorted by key,
	// then first seen, pipeline, source id and module, streaming rows. An
	// error from fn stops the scan and is returned as is.
	EachProvenance(ctx context.Context, connection, list string, fn func(Provenance) error) error
}
