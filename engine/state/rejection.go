package state

import "time"

// Rejection is a record of a pipeline that was refused: by the mapping (an
// evaluation error, a missing key, a value the sink would refuse) or by the
// sink. It is kept until the record succeeds (Commit.Resolved), and the
// record is tried again on every run meanwhile.
//
// A rejection is identified by its source id and key together; at least
// one of them is set (a record without a key has only its source id).
type Rejection struct {
	SourceID string
	Key      string
	Reason   string
	// Attempts counts the commits that rejected the record; FirstSeen and
	// LastSeen are the first and the latest. They are set by the store and
	// ignored in Commit.Rejected.
	Attempts  int
	FirstSeen time.Time
	LastSeen  time.Time
}
