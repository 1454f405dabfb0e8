package state

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// DefaultPath is where the SQLite state lives when no store is configured,
// relative to the working directory.
const DefaultPath = ".sluice/state.db"

// Store is the state store. Its methods are safe for concurrent use, also
// by several processes sharing one store.
type Store interface {
	Registry
	Leases
	Snapshot
	SuppressionList
	RunLog
	FeedbackLog
	// Close releases the store. Calls after Close fail.
	Close() error
}

// Open opens the store named by rawURL, creating and migrating it when
// needed:
//
//   - "sqlite:PATH", or a bare PATH, opens the SQLite store at PATH,
//     creating its parent directories ("sqlite:///abs/path" is accepted
//     too); "" opens DefaultPath;
//   - "postgres://…" and "postgresql://…" are recognised but not
//     implemented: the error wraps ErrUnsupported.
func Open(ctx context.Context, rawURL string, opts ...Option) (Store, error) {
	path, err := sqlitePath(rawURL)
	if err != nil {
		return nil, err
	}
	s, err := OpenSQLite(ctx, path, opts...)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// sqlitePath returns the SQLite file a store URL names.
func sqlitePath(rawURL string) (string, error) {
	switch {
	case rawURL == "":
		return DefaultPath, nil
	case strings.HasPrefix(rawURL, "sqlite:"):
		p := strings.TrimPrefix(rawURL, "sqlite:")
		p = strings.TrimPrefix(p, "//") // sqlite:///abs/path
		if p == "" {
			return "", fmt.Errorf("state store %q names no file", rawURL)
		}
		return p, nil
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return "", fmt.Errorf("state store %s: PostgreSQL is %w; use sqlite:PATH", redactURL(rawURL), ErrUnsupported)
	}
	// A scheme of two letters or more is a URL we do not know; one letter
	// is a Windows drive ("C:\state.db"), a path.
	if i := strings.Index(rawURL, "://"); i > 1 && !strings.ContainsAny(rawURL[:i], `/\`) {
		return "", fmt.Errorf("state store %s: unknown kind %q; use sqlite:PATH (or a path)", redactURL(rawURL), rawURL[:i])
	}
	return rawURL, nil
}

// redactURL hides a password a URL may carry, since errors are shown.
func redactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
