package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// SQLite is the embedded Store: one SQLite file in WAL mode.
//
// All writes go through a single connection, in BEGIN IMMEDIATE
// transactions with synchronous=FULL, so a commit is durable when it
// returns and writers of other processes wait (busy_timeout) instead of
// failing. Reads use a small pool of read-only connections, which WAL lets
// run beside the writer, each seeing the last commit made before it
// started. A goroutine copies the WAL into the database file after writes
// (see checkpointer), off the commit's path.
//
// Its methods are documented on the interfaces that make up Store.
type SQLite struct {
	path string
	w    *sql.DB // the one writer connection
	r    *sql.DB // readers
	ckpt *checkpointer

	now  func() time.Time
	gone func(holder string) bool // reports a lease holder whose process exited

	ids sync.Map // pipeline name → id; ids never change once assigned
}

var _ Store = (*SQLite)(nil)

// Option configures a store.
type Option func(*SQLite)

// WithClock makes the store read the time from now instead of the system
// clock: registration, lease and run times, first and last seen. Tests use
// it for fixed times.
func WithClock(now func() time.Time) Option {
	return func(s *SQLite) { s.now = now }
}

const (
	// busyTimeout bounds how long a write waits for another process's
	// write transaction.
	busyTimeout = 10 * time.Second
	// writerCacheKiB is the writer's page cache; large commits touch many
	// pages of the member table and its indexes.
	writerCacheKiB = 64 << 10
	readers        = 4
)

// OpenSQLite opens the SQLite store at path, creating the file and its
// parent directories (readable by their owner only) and migrating the
// schema when needed.
func OpenSQLite(ctx context.Context, path string, opts ...Option) (*SQLite, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("state store: SQLite needs a file path (got %q)", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("state store %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("state store %s: %w", path, err)
	}
	// Create the file first so SQLite, which copies its mode to the -wal
	// and -shm files, does not create it world-readable.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state store %s: %w", path, err)
	}
	f.Close()

	s := &SQLite{path: abs, now: time.Now, gone: holderGone}
	for _, o := range opts {
		o(s)
	}
	uri := "file:" + (&url.URL{Path: filepath.ToSlash(abs)}).EscapedPath()
	common := fmt.Sprintf("_busy_timeout=%d&_foreign_keys=1", busyTimeout.Milliseconds())

	s.w, err = sql.Open(writerDriver, fmt.Sprintf("%s?%s&_txlock=immediate&_journal_mode=WAL&_synchronous=FULL&_cache_size=%d",
		uri, common, -writerCacheKiB))
	if err != nil {
		return nil, fmt.Errorf("state store %s: %w", path, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)

	s.r, err = sql.Open("sqlite3", fmt.Sprintf("%s?%s&_query_only=1", uri, common))
	if err != nil {
		s.w.Close()
		return nil, fmt.Errorf("state store %s: %w", path, err)
	}
	s.r.SetMaxOpenConns(readers)
	s.r.SetMaxIdleConns(readers)

	s.ckpt, err = startCheckpointer(fmt.Sprintf("%s?%s&_synchronous=FULL", uri, common))
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("state store %s: %w", path, err)
	}

	if err := s.init(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("state store %s: %w", path, err)
	}
	return s, nil
}

func (s *SQLite) init(ctx context.Context) error {
	// The writer connects first: it switches the file to WAL, which the
	// readers rely on.
	var mode string
	if err := s.w.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return err
	}
	if mode != "wal" {
		return fmt.Errorf("cannot use WAL mode (journal_mode is %q); is the file on a network file system?", mode)
	}
	return migrate(ctx, s.w, migrations, encTime(s.now()))
}

// Path returns the absolute path of the database file.
func (s *SQLite) Path() string { return s.path }

// Close closes the store's connections.
func (s *SQLite) Close() error {
	var errs []error
	if s.ckpt != nil {
		errs = append(errs, s.ckpt.close())
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	return errors.Join(errs...)
}

// write runs fn in a write transaction and commits when fn returns nil.
func (s *SQLite) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op after Commit
	err = fn(tx)
	if err == nil {
		if err = tx.Commit(); err == nil {
			s.ckpt.wake()
		}
	}
	if err != nil && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		// database/sql rolls back a cancelled transaction on its own; what
		// the next call reports ("statement is closed", "transaction has
		// already been committed or rolled back") hides the cause.
		err = fmt.Errorf("%v: %w", err, ctx.Err())
	}
	return err
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// pipelineID returns the id of a registered pipeline; ok is false when
// there is none.
func (s *SQLite) pipelineID(ctx context.Context, q queryer, name string) (id int64, ok bool, err error) {
	if v, ok := s.ids.Load(name); ok {
		return v.(int64), true, nil
	}
	err = q.QueryRowContext(ctx, `SELECT id FROM pipelines WHERE name = ?`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	s.ids.Store(name, id)
	return id, true, nil
}

// mustPipelineID is pipelineID for writes, which need a registered
// pipeline.
func (s *SQLite) mustPipelineID(ctx context.Context, q queryer, name string) (int64, error) {
	id, ok, err := s.pipelineID(ctx, q, name)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, notRegistered(name)
	}
	return id, nil
}

func notRegistered(name string) error {
	return fmt.Errorf("pipeline %q is not registered: %w", name, ErrNotFound)
}

// checkToken fails with ErrFenced unless token is the pipeline's current
// lease token and the lease is held. Inside a write transaction (which
// holds SQLite's write lock from its start) nobody can take the lease
// over between this check and the commit.
func checkToken(ctx context.Context, tx *sql.Tx, pipeline string, token int64) error {
	var cur int64
	var holder string
	err := tx.QueryRowContext(ctx, `SELECT token, holder FROM leases WHERE pipeline = ?`, pipeline).Scan(&cur, &holder)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("pipeline %q has no lease (token %d): %w", pipeline, token, ErrFenced)
	}
	if err != nil {
		return err
	}
	if cur != token || holder == "" {
		return fmt.Errorf("pipeline %q: lease token %d was superseded (current %d): %w", pipeline, token, cur, ErrFenced)
	}
	return nil
}

// Times are stored as Unix nanoseconds, 0 meaning the zero time. That
// covers the years 1678 to 2262; times outside are refused rather than
// silently wrapped.

func encTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func decTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

var (
	minTime = time.Unix(0, -1<<63+1)
	maxTime = time.Unix(0, 1<<63-1)
)

func checkTime(what string, t time.Time) error {
	if t.IsZero() || (!t.Before(minTime) && !t.After(maxTime)) {
		return nil
	}
	return fmt.Errorf("%s %s is out of the range the state can store (years 1678 to 2262)", what, t.Format(time.RFC3339))
}
