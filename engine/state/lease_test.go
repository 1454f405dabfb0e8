package state

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLeaseLocked(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()

	first, err := s.AcquireLease(ctx, "p", "build-1:1234", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := Lease{Pipeline: "p", Token: 1, Holder: "build-1:1234", Since: c.Now(), Expires: c.Now().Add(time.Minute)}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("AcquireLease (-want +got):\n%s", diff)
	}

	c.Add(30 * time.Second)
	_, err = s.AcquireLease(ctx, "p", "build-2:99", time.Minute)
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("second AcquireLease: %v, want a *LockedError", err)
	}
	if diff := cmp.Diff(&LockedError{Pipeline: "p", Holder: "build-1:1234", Since: first.Since}, locked); diff != "" {
		t.Errorf("LockedError (-want +got):\n%s", diff)
	}
	if !errors.Is(err, ErrLocked) {
		t.Error("LockedError does not match ErrLocked")
	}
	wantMsg := `pipeline "p" is locked by build-1:1234 since 2026-03-14T09:26:53Z`
	if err.Error() != wantMsg {
		t.Errorf("message %q, want %q", err, wantMsg)
	}

	// The same holder does not get it twice either: two runs in one
	// process are two runs.
	if _, err := s.AcquireLease(ctx, "p", "build-1:1234", time.Minute); !errors.Is(err, ErrLocked) {
		t.Errorf("re-acquire by the holder: %v, want ErrLocked", err)
	}
	// Other pipelines are not affected.
	if _, err := s.AcquireLease(ctx, "q", "build-2:99", time.Minute); err != nil {
		t.Errorf("lease of another pipeline: %v", err)
	}
}

func TestLeaseTakeover(t *testing.T) {
	dead := deadHolder(t)
	tests := []struct {
		name      string
		holder    string
		wait      time.Duration // clock advance after the first acquisition
		release   bool
		wantTaken bool
	}{
		{name: "live holder within ttl", holder: "elsewhere:1", wait: 59 * time.Second},
		{name: "ttl expired", holder: "elsewhere:1", wait: time.Minute, wantTaken: true},
		{name: "holder process gone", holder: dead, wait: time.Second, wantTaken: true},
		{name: "this process is alive", holder: CurrentHolder(), wait: time.Second},
		{name: "released", holder: "elsewhere:1", release: true, wantTaken: true},
		{name: "holder without pid", holder: "worker-a", wait: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newStore(t)
			ctx := context.Background()
			old, err := s.AcquireLease(ctx, "p", tt.holder, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if tt.release {
				if err := s.ReleaseLease(ctx, "p", old.Token); err != nil {
					t.Fatal(err)
				}
			}
			c.Add(tt.wait)
			l, err := s.AcquireLease(ctx, "p", "newcomer:2", time.Minute)
			if !tt.wantTaken {
				if !errors.Is(err, ErrLocked) {
					t.Fatalf("AcquireLease: %v, want ErrLocked", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("AcquireLease: %v, want a takeover", err)
			}
			if l.Token != old.Token+1 || l.Holder != "newcomer:2" || !l.Since.Equal(c.Now()) {
				t.Errorf("taken over lease %+v, want token %d held by newcomer:2 since now", l, old.Token+1)
			}
			// The old holder is fenced off.
			if err := s.ReleaseLease(ctx, "p", old.Token); !errors.Is(err, ErrFenced) {
				t.Errorf("release with the old token: %v, want ErrFenced", err)
			}
			if _, err := s.RenewLease(ctx, "p", old.Token, time.Minute); !errors.Is(err, ErrFenced) {
				t.Errorf("renew with the old token: %v, want ErrFenced", err)
			}
		})
	}
}

// deadHolder returns the holder name of a process of this host that has
// exited.
func deadHolder(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("GOOS windows: process liveness is not checked there")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return holderName(localHostname(), cmd.Process.Pid)
}

func TestLeaseRenewAndRelease(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	l, err := s.AcquireLease(ctx, "p", "h:1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c.Add(50 * time.Second)
	r, err := s.RenewLease(ctx, "p", l.Token, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := l
	want.Expires = c.Now().Add(time.Minute)
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("RenewLease (-want +got):\n%s", diff)
	}
	c.Add(50 * time.Second) // past the first TTL, within the renewed one
	if _, err := s.AcquireLease(ctx, "p", "h:2", time.Minute); !errors.Is(err, ErrLocked) {
		t.Errorf("acquire of a renewed lease: %v, want ErrLocked", err)
	}

	if err := s.ReleaseLease(ctx, "p", l.Token); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseLease(ctx, "p", l.Token); err != nil {
		t.Errorf("second release: %v, want nil", err)
	}
	if _, err := s.RenewLease(ctx, "p", l.Token, time.Minute); !errors.Is(err, ErrFenced) {
		t.Errorf("renew after release: %v, want ErrFenced", err)
	}
	next, err := s.AcquireLease(ctx, "p", "h:2", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if next.Token != l.Token+1 {
		t.Errorf("token after release = %d, want %d (tokens are never reused)", next.Token, l.Token+1)
	}
	if err := s.ReleaseLease(ctx, "unknown", 1); !errors.Is(err, ErrFenced) {
		t.Errorf("release of a pipeline never leased: %v, want ErrFenced", err)
	}
}

func TestLeaseInvalid(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	for _, tt := range []struct {
		name, pipeline, holder string
		ttl                    time.Duration
	}{
		{"no pipeline", "", "h:1", time.Minute},
		{"no holder", "p", "", time.Minute},
		{"zero ttl", "p", "h:1", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.AcquireLease(ctx, tt.pipeline, tt.holder, tt.ttl); err == nil {
				t.Error("succeeded, want an error")
			}
		})
	}
}

// TestLeaseFencesCommit: a runner whose lease was taken over cannot
// commit, and its attempt changes nothing.
func TestLeaseFencesCommit(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	old := register(t, s, "p")
	if _, err := s.Commit(ctx, &Commit{Pipeline: "p", Token: old.Token, Upsert: members(0, 3)}); err != nil {
		t.Fatal(err)
	}
	c.Add(2 * time.Hour) // the old runner stalls past its TTL
	cur, err := s.AcquireLease(ctx, "p", "other:7", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	before := dump(t, s, "p")

	_, err = s.Commit(ctx, &Commit{
		Pipeline: "p", Token: old.Token, Upsert: members(10, 2), Delete: []string{key(0)},
		Watermarks: map[string]Watermark{WatermarkSource: {Cursor: c.Now()}},
	})
	if !errors.Is(err, ErrFenced) {
		t.Fatalf("commit with a superseded token: %v, want ErrFenced", err)
	}
	if _, err := s.AdvanceWatermark(ctx, "p", old.Token, WatermarkFeedback, Watermark{Checkpoint: "x"}); !errors.Is(err, ErrFenced) {
		t.Errorf("AdvanceWatermark with a superseded token: %v, want ErrFenced", err)
	}
	if diff := cmp.Diff(before, dump(t, s, "p")); diff != "" {
		t.Errorf("a fenced commit changed the state (-before +after):\n%s", diff)
	}
	if _, err := s.Commit(ctx, &Commit{Pipeline: "p", Token: cur.Token, Upsert: members(10, 2)}); err != nil {
		t.Errorf("commit with the current token: %v", err)
	}
	if err := s.ReleaseLease(ctx, "p", cur.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, &Commit{Pipeline: "p", Token: cur.Token}); !errors.Is(err, ErrFenced) {
		t.Errorf("commit after release: %v, want ErrFenced", err)
	}
}

// TestLeaseConcurrent races runners in goroutines and in two stores (two
// processes) on one file: exactly one gets the lease.
func TestLeaseConcurrent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	var stores []*SQLite
	for range 2 {
		s, err := OpenSQLite(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	const runners = 8
	var wg sync.WaitGroup
	errs := make([]error, runners)
	for i := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = stores[i%2].AcquireLease(ctx, "p", holderName("host", 100+i), time.Minute)
		}()
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		var locked *LockedError
		switch {
		case err == nil:
			won++
		case errors.As(err, &locked):
			if !strings.HasPrefix(locked.Holder, "host:") || locked.Since.IsZero() {
				t.Errorf("runner %d: LockedError %+v lacks holder or time", i, locked)
			}
		default:
			t.Errorf("runner %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d runners got the lease, want 1", won)
	}
}

func TestParseHolder(t *testing.T) {
	tests := []struct {
		holder string
		host   string
		pid    int
		ok     bool
	}{
		{"build-1:1234", "build-1", 1234, true},
		{"fe80::1:42", "fe80::1", 42, true},
		{"build-1", "", 0, false},
		{"build-1:x", "", 0, false},
		{"build-1:0", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.holder, func(t *testing.T) {
			host, pid, ok := parseHolder(tt.holder)
			if host != tt.host || pid != tt.pid || ok != tt.ok {
				t.Errorf("parseHolder(%q) = %q, %d, %v; want %q, %d, %v", tt.holder, host, pid, ok, tt.host, tt.pid, tt.ok)
			}
		})
	}
	if h := CurrentHolder(); !strings.HasSuffix(h, ":"+itoa(os.Getpid())) {
		t.Errorf("CurrentHolder() = %q, want hostname:%d", h, os.Getpid())
	}
}
