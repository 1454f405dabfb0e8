package state

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrNotFound is wrapped by errors about something the store does not
	// hold: an unregistered pipeline, an unknown run.
	ErrNotFound = errors.New("not found")

	// ErrExists is wrapped by RegisterPipeline when the name is taken.
	ErrExists = errors.New("already exists")

	// ErrFenced is wrapped by the writes that take a lease token (Commit,
	// AdvanceWatermark, RenewLease, ReleaseLease) when that token is no
	// longer the pipeline's current one: the lease was released, or another
	// runner took it over. The caller has lost the pipeline and must stop
	// without retrying.
	ErrFenced = errors.New("lease token is no longer current")

	// ErrLocked matches a *LockedError with errors.Is.
	ErrLocked = errors.New("pipeline is locked")

	// ErrSchemaTooNew is wrapped when the state database was migrated by a
	// newer version of Sluice than this one.
	ErrSchemaTooNew = errors.New("schema is newer than this sluice")

	// ErrUnsupported is wrapped by Open for a store kind that is recognised
	// but not implemented.
	ErrUnsupported = errors.New("not supported yet")
)

// LockedError is returned by AcquireLease when another runner holds the
// pipeline's lease.
type LockedError struct {
	Pipeline string
	Holder   string // "hostname:pid"
	Since    time.Time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("pipeline %q is locked by %s since %s",
		e.Pipeline, e.Holder, e.Since.UTC().Format(time.RFC3339))
}

// Is reports whether target is ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }
