package state

import "context"

// Snapshot is a pipeline's state: what it last wrote to its sink, the
// watermarks of its reads, and the records that were rejected.
//
// Reads of a pipeline that was never registered return the empty state
// (no members, serial 0, zero watermarks) rather than an error, so a
// pipeline can be planned before its first apply. Writes need a registered
// pipeline and the current lease token.
type Snapshot interface {
	// EachMember calls fn for every member of pipeline in key order,
	// streaming rows from one consistent read, so a list of millions of
	// members never sits in memory. Fields is nil unless withFields is set.
	// An error from fn stops the scan and is returned as is. fn may call
	// the store, including its writes; the scan does not see them.
	EachMember(ctx context.Context, pipeline string, withFields bool, fn func(Member) error) error
	// MembersByKey returns the members of pipeline with the given keys,
	// fields included. Keys the snapshot does not hold are absent from the
	// map.
	MembersByKey(ctx context.Context, pipeline string, keys []string) (map[string]Member, error)
	// CountMembers counts the members of pipeline, whatever their status.
	CountMembers(ctx context.Context, pipeline string) (int64, error)
	// CountContacts counts the distinct keys that the pipelines writing to
	// one sink connection hold, across their lists and whatever their
	// status, for limits.max_contacts.
	CountContacts(ctx context.Context, sinkConnection string) (int64, error)

	// Commit applies c in one transaction and returns the pipeline's new
	// state serial. All of it is durable when Commit returns; none of it is
	// written when Commit fails, also when ctx is cancelled part-way. c is
	// neither changed nor kept. See Commit.
	Commit(ctx context.Context, c *Commit) (serial int64, err error)
	// Serial returns the pipeline's state serial: it grows with every
	// commit, so a saved plan that recorded it can tell that the state
	// changed since.
	Serial(ctx context.Context, pipeline string) (int64, error)

	// Watermark returns the pipeline's watermark of that name
	// (WatermarkSource, WatermarkFeedback); the zero Watermark when none
	// was committed.
	Watermark(ctx context.Context, pipeline, name string) (Watermark, error)
	// AdvanceWatermark moves a watermark forward outside a Commit (a
	// feedback run does not change the snapshot, so it must not change the
	// serial). It never moves it backwards (see Watermark) and returns the
	// stored value. It wraps ErrFenced when token is not current.
	AdvanceWatermark(ctx context.Context, pipeline string, token int64, name string, w Watermark) (Watermark, error)

	// Rejections returns the pipeline's rejected records, sorted by source
	// id then key, for retries and display.
	Rejections(ctx context.Context, pipeline string) ([]Rejection, error)
}
