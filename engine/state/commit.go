package state

// Commit is one atomic change of a pipeline's state: the outcome of one
// batch the sink acknowledged, with the run's progress. Store.Commit
// applies all of it in one transaction or none of it.
//
// Deletes are applied before upserts, so a key in both ends up present.
// Rejected and Resolved are applied in that order too.
type Commit struct {
	Pipeline string
	// Token is the caller's lease token; the commit fails with ErrFenced
	// and changes nothing when it is no longer current. An expired lease
	// that nobody took over still commits: its token is still current.
	Token int64

	// Upsert adds or replaces members by key. Each upsert also records the
	// member's provenance (see FeedbackLog.ProvenanceOfKey).
	Upsert []Member
	// Delete removes members by key; absent keys are ignored.
	Delete []string

	// Rejected records refused records. A record rejected again has its
	// attempts counted up and its reason and last-seen time replaced.
	Rejected []Rejection
	// Resolved clears the rejections of records that now succeeded: each
	// one clears the rejections with its source id and those with its key.
	Resolved []RecordRef

	// Run, when not 0, is the run this commit belongs to; Progress, when not
	// nil, replaces that run's counts (totals so far, not increments).
	Run      int64
	Progress map[string]int64

	// Watermarks advances watermarks by name, never backwards (see
	// Watermark).
	Watermarks map[string]Watermark
}

// RecordRef names a record by its source id, its sink key, or both.
type RecordRef struct {
	SourceID string
	Key      string
}
