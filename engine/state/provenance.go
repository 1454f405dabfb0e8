package state

import "time"

// Provenance says that a pipeline put a key on a list from a source
// record. It is recorded on every member upsert and never deleted, so
// feedback and reports can attribute a response to its source record even
// after the member left the list.
type Provenance struct {
	Pipeline   string
	Connection string // the sink connection
	List       string
	Key        string
	SourceID   string
	Module     string // the source module the record came from
	// FirstSeen is when this pipeline first wrote the key from this source
	// record.
	FirstSeen time.Time
}
