package plan

import "fmt"

// Action is what a change does to a member of the list.
type Action uint8

const (
	// Add puts a new member on the list.
	Add Action = iota + 1
	// Update changes the fields of a member already on the list.
	Update
	// Remove takes a member off the list; the contact stays at the sink.
	Remove
	// Delete deletes the contact at the sink, from every list.
	Delete
)

var actionNames = [...]string{Add: "add", Update: "update", Remove: "remove", Delete: "delete"}

func (a Action) String() string {
	if a.valid() {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

func (a Action) valid() bool { return a >= Add && a <= Delete }

// ParseAction returns the Action named s ("add", "update", "remove",
// "delete").
func ParseAction(s string) (Action, error) {
	for a := Add; a <= Delete; a++ {
		if actionNames[a] == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("unknown plan action %q", s)
}

// MarshalText returns the action's name; an invalid action is an error.
func (a Action) MarshalText() ([]byte, error) {
	if !a.valid() {
		return nil, fmt.Errorf("invalid plan action %d", uint8(a))
	}
	return []byte(actionNames[a]), nil
}

// UnmarshalText parses an action's name.
func (a *Action) UnmarshalText(b []byte) error {
	v, err := ParseAction(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// Outcome is why a selected record is left out of the changes. Records the
// criteria did not select (unmatched) are only counted, never listed, so
// they have no Outcome.
type Outcome uint8

const (
	// Rejected: the record could not be mapped (an evaluation error, a
	// missing key, a value the sink refuses) or the sink refused it.
	Rejected Outcome = iota + 1
	// Duplicate: another record with the same key won deduplication.
	Duplicate
	// Excluded: the key is suppressed (unsubscribed, spam, do-not-mail).
	Excluded
	// OverQuota: an add that did not fit the list's quota; it is considered
	// again on the next run.
	OverQuota
)

var outcomeNames = [...]string{Rejected: "rejected", Duplicate: "duplicate", Excluded: "excluded", OverQuota: "over_quota"}

func (o Outcome) String() string {
	if o.valid() {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

func (o Outcome) valid() bool { return o >= Rejected && o <= OverQuota }

// ParseOutcome returns the Outcome named s ("rejected", "duplicate",
// "excluded", "over_quota").
func ParseOutcome(s string) (Outcome, error) {
	for o := Rejected; o <= OverQuota; o++ {
		if outcomeNames[o] == s {
			return o, nil
		}
	}
	return 0, fmt.Errorf("unknown skipped outcome %q", s)
}

// MarshalText returns the outcome's name; an invalid outcome is an error.
func (o Outcome) MarshalText() ([]byte, error) {
	if !o.valid() {
		return nil, fmt.Errorf("invalid skipped outcome %d", uint8(o))
	}
	return []byte(outcomeNames[o]), nil
}

// UnmarshalText parses an outcome's name.
func (o *Outcome) UnmarshalText(b []byte) error {
	v, err := ParseOutcome(string(b))
	if err != nil {
		return err
	}
	*o = v
	return nil
}

// Reasons the engine gives for removals and deletes. Keeping them here keeps
// "deleted" and "left the selection" apart in every rendering.
const (
	ReasonSourceDeleted = "source record deleted"
	ReasonLeftSelection = "left the selection"
	ReasonUnsubscribed  = "unsubscribed"
)
