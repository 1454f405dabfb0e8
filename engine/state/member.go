package state

// Member is one key of a pipeline's list, as the pipeline last wrote it.
type Member struct {
	Key string
	// SourceID is the id of the source record that won the key.
	SourceID string
	// Position is that record's place in source order, which admits adds
	// under a quota in a stable order.
	Position int64
	// Hash is a hash of the mapped fields: equal hashes mean nothing to
	// send, so the diff rarely needs Fields.
	Hash uint64
	// Fields are the mapped fields as a JSON object, kept for the
	// field-level before/after of an update. The store does not parse them.
	Fields []byte
	Status MemberStatus
}

// MemberStatus is a member's standing at the sink.
type MemberStatus uint8

// A member that is not active stays in the snapshot (and counts towards
// quotas) until the pipeline removes it; on_unsubscribe decides that.
const (
	MemberActive MemberStatus = iota + 1
	MemberUnsubscribed
	MemberComplained // marked the pipeline's mail as spam
	MemberBounced
)

var memberStatusNames = []string{"", "active", "unsubscribed", "complained", "bounced"}

func (s MemberStatus) String() string {
	return enumString(memberStatusNames, "MemberStatus", s)
}
