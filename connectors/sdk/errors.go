package sdk

import (
	"errors"
	"fmt"
	"time"
)

// ErrAuth is wrapped by errors meaning the credentials were refused
// (revoked, rotated, expired beyond refresh). The engine stops the run at
// once and does not advance the state.
var ErrAuth = errors.New("authentication failed")

// ErrListNotFound is returned by a sink asked to write to a list that does
// not exist when the request does not allow creating it.
var ErrListNotFound = errors.New("list not found")

// RetryAfterError says an operation was refused for now (a rate limit, a
// lock-out) and may be retried after a delay.
type RetryAfterError struct {
	Op    string // what was refused, e.g. the endpoint
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%s: rate limited, retry after %s: %v", e.Op, e.After, e.Err)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }
