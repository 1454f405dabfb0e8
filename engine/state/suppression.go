package state

import (
	"context"
	"time"
)

// SuppressionList is the org's list of keys that must not be mailed, per
// sink connection. A suppressed key is never added or updated again by any
// pipeline writing to that connection, until a person lifts it.
type SuppressionList interface {
	// AddSuppressions adds entries and returns how many were new. Adding a
	// key that is already suppressed changes nothing: the first entry, with
	// its reason and AddedAt, is kept. A zero AddedAt means now.
	AddSuppressions(ctx context.Context, entries []Suppression) (added int, err error)
	// RemoveSuppression lifts a suppression and reports whether there was
	// one.
	RemoveSuppression(ctx context.Context, connection, key string) (bool, error)
	// Suppressions lists the entries of one sink connection, or of all
	// when connection is "", sorted by connection then key.
	Suppressions(ctx context.Context, connection string) ([]Suppression, error)
	// SuppressedKeys loads the suppressed keys of one sink connection into
	// a set, for checking every record of a run.
	SuppressedKeys(ctx context.Context, connection string) (KeySet, error)
}

// Suppression is one suppressed key.
type Suppression struct {
	Connection string // the sink connection's name
	Key        string // compared exactly: normalise before adding
	Reason     SuppressionReason
	List       string // the list it was reported on; "" when org-wide
	AddedAt    time.Time
}

// SuppressionReason says why a key is suppressed.
type SuppressionReason uint8

const (
	SuppressUnsubscribed SuppressionReason = iota + 1
	SuppressComplained
	SuppressDoNotMail
	// SuppressManual was added by a person (`sluice suppress add`).
	SuppressManual
)

var suppressionReasonNames = []string{"", "unsubscribed", "complained", "do_not_mail", "manual"}

func (r SuppressionReason) String() string {
	return enumString(suppressionReasonNames, "SuppressionReason", r)
}

// KeySet is a set of keys.
type KeySet map[string]struct{}

// Has reports whether key is in the set. A nil set has no keys.
func (s KeySet) Has(key string) bool {
	_, ok := s[key]
	return ok
}
