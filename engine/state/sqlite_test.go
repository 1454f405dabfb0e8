package state

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// clock is a fake time source; tests move it by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newStore opens a store in a fresh directory, with a fake clock.
func newStore(t testing.TB) (*SQLite, *clock) {
	t.Helper()
	c := newClock()
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "state.db"), WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, c
}

// register registers a pipeline writing to connection "esp", list "news",
// and takes its lease.
func register(t testing.TB, s *SQLite, name string) Lease {
	t.Helper()
	ctx := context.Background()
	_, err := s.RegisterPipeline(ctx, Pipeline{
		Name: name, ConfigHash: "sha256:" + name, SourceConnection: "crm", SourceModule: "Contacts",
		SinkConnection: "esp", SinkList: "news",
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.AcquireLease(ctx, name, "test:"+name, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestSQLitePath(t *testing.T) {
	tests := []struct {
		name, url, want string
		wantErr         error  // matched with errors.Is
		errHas, errNot  string // substrings of the message
	}{
		{name: "sqlite scheme", url: "sqlite:.sluice/state.db", want: ".sluice/state.db"},
		{name: "sqlite absolute", url: "sqlite:/var/lib/sluice/state.db", want: "/var/lib/sluice/state.db"},
		{name: "sqlite URL form", url: "sqlite:///var/lib/sluice/state.db", want: "/var/lib/sluice/state.db"},
		{name: "bare path", url: "state/s.db", want: "state/s.db"},
		{name: "windows path", url: `C:\sluice\state.db`, want: `C:\sluice\state.db`},
		{name: "empty is the default", url: "", want: DefaultPath},
		{name: "sqlite without a path", url: "sqlite:", errHas: "names no file"},
		{
			name: "postgres", url: "postgres://sluice:hunter2@db.example.com/state",
			wantErr: ErrUnsupported, errHas: "PostgreSQL is not supported yet", errNot: "hunter2",
		},
		{name: "postgresql", url: "postgresql://db.example.com/state", wantErr: ErrUnsupported},
		{name: "unknown scheme", url: "mysql://db.example.com/state", errHas: `unknown kind "mysql"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sqlitePath(tt.url)
			if tt.wantErr == nil && tt.errHas == "" {
				if err != nil {
					t.Fatalf("sqlitePath(%q): %v", tt.url, err)
				}
				if got != tt.want {
					t.Errorf("sqlitePath(%q) = %q, want %q", tt.url, got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("sqlitePath(%q) = %q, want an error", tt.url, got)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %q does not wrap %q", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("error %q does not say %q", err, tt.errHas)
			}
			if tt.errNot != "" && strings.Contains(err.Error(), tt.errNot) {
				t.Errorf("error %q shows %q", err, tt.errNot)
			}
		})
	}
}

func TestOpenCreatesDirectories(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, tt := range []struct{ name, url, file string }{
		{"sqlite scheme", "sqlite:" + filepath.Join(dir, "a", "b", "state.db"), filepath.Join(dir, "a", "b", "state.db")},
		{"bare path", filepath.Join(dir, "c", "state.db"), filepath.Join(dir, "c", "state.db")},
		{"path with URI characters", filepath.Join(dir, "d?x=1#y %41", "state.db"), filepath.Join(dir, "d?x=1#y %41", "state.db")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Open(ctx, tt.url)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.RegisterPipeline(ctx, Pipeline{Name: "p"}); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s has mode %v, want no access for group and others", tt.file, fi.Mode().Perm())
			}
			di, err := os.Stat(filepath.Dir(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if di.Mode().Perm() != 0o700 {
				t.Errorf("directory has mode %v, want 0700", di.Mode().Perm())
			}
		})
	}
}

func TestOpenDefaultPath(t *testing.T) {
	t.Chdir(t.TempDir())
	st, err := Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := os.Stat(DefaultPath); err != nil {
		t.Errorf("default store not created: %v", err)
	}
}

func TestOpenRefusesMemory(t *testing.T) {
	if _, err := OpenSQLite(context.Background(), ":memory:"); err == nil {
		t.Fatal("OpenSQLite(:memory:) succeeded, want an error")
	}
}

// TestConnectionSettings checks the settings the durability and
// concurrency of the store rest on.
func TestConnectionSettings(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	want := map[string]string{
		"journal_mode": "wal",
		"synchronous":  "2", // FULL
		"foreign_keys": "1",
		"busy_timeout": "10000",
		// The checkpointer copies the WAL; the writer only as a backstop.
		"wal_autocheckpoint": itoa(backstopPages),
	}
	got := map[string]string{}
	for name := range want {
		var v string
		if err := s.w.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		got[name] = v
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("writer settings (-want +got):\n%s", diff)
	}
	if n := s.w.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer pool allows %d connections, want 1", n)
	}
	var qo int
	if err := s.r.QueryRowContext(ctx, "PRAGMA query_only").Scan(&qo); err != nil {
		t.Fatal(err)
	}
	if qo != 1 {
		t.Errorf("reader connections are not query-only")
	}
}

func TestClosedStore(t *testing.T) {
	s, _ := newStore(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pipelines(context.Background()); err == nil {
		t.Error("Pipelines after Close succeeded")
	}
}

// TestCheckpointInBackground: after a commit, the WAL reaches the
// database file without the writer doing it, and Close leaves the database
// file complete on its own.
func TestCheckpointInBackground(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	l := register(t, s, "p")
	if _, err := s.Commit(ctx, &Commit{Pipeline: "p", Token: l.Token, Upsert: members(0, 5000)}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); size() < before+500_000; {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes (was %d): the WAL was not checkpointed", size(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("WAL left after Close: %v", err)
	}
	s, err = OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountMembers(ctx, "p"); err != nil || n != 5000 {
		t.Errorf("after reopening, CountMembers = %d, %v; want 5000", n, err)
	}
}
