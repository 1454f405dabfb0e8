package state

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func itoa(n int) string { return strconv.Itoa(n) }

func key(i int) string { return fmt.Sprintf("u%05d@example.com", i) }

// members returns n members with keys key(from)…, in key order.
func members(from, n int) []Member {
	ms := make([]Member, n)
	for i := range ms {
		k := from + i
		ms[i] = Member{
			Key: key(k), SourceID: "src-" + itoa(k), Position: int64(k), Hash: uint64(k)<<40 | 0xFEED,
			Fields: fmt.Appendf(nil, `{"email":%q,"n":%d}`, key(k), k), Status: MemberActive,
		}
	}
	return ms
}

// state is everything of one pipeline a commit can change.
type state struct {
	Members    []Member
	Serial     int64
	Rejections []Rejection
	Watermarks map[string]Watermark
	Runs       []Run
	Provenance []Provenance
}

func dump(t *testing.T, s *SQLite, pipeline string) state {
	t.Helper()
	ctx := context.Background()
	var st state
	if err := s.EachMember(ctx, pipeline, true, func(m Member) error {
		st.Members = append(st.Members, m)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var err error
	if st.Serial, err = s.Serial(ctx, pipeline); err != nil {
		t.Fatal(err)
	}
	if st.Rejections, err = s.Rejections(ctx, pipeline); err != nil {
		t.Fatal(err)
	}
	st.Watermarks = map[string]Watermark{}
	for _, name := range []string{WatermarkSource, WatermarkFeedback} {
		if st.Watermarks[name], err = s.Watermark(ctx, pipeline, name); err != nil {
			t.Fatal(err)
		}
	}
	if st.Runs, err = s.Runs(ctx, pipeline, 0); err != nil {
		t.Fatal(err)
	}
	if st.Provenance, err = s.provenance(ctx, provenanceQuery+` WHERE p.name = ? ORDER BY v.key, v.source_id`, pipeline); err != nil {
		t.Fatal(err)
	}
	return st
}

func memberKeys(ms []Member) []string {
	var ks []string
	for _, m := range ms {
		ks = append(ks, m.Key)
	}
	return ks
}

func TestCommit(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	l := register(t, s, "p")
	run, err := s.StartRun(ctx, "p", RunApply, "")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Serial(ctx, "p"); n != 0 {
		t.Fatalf("serial of a new pipeline = %d, want 0", n)
	}

	// First batch: five members, two rejections.
	first := members(0, 5)
	first[3].Status = MemberUnsubscribed
	serial, err := s.Commit(ctx, &Commit{
		Pipeline: "p", Token: l.Token, Run: run,
		Upsert: first,
		Rejected: []Rejection{
			{SourceID: "src-90", Key: key(90), Reason: "invalid email"},
			{SourceID: "src-91", Reason: "no key"},
		},
		Progress:   map[string]int64{"add": 5, "rejected": 2},
		Watermarks: map[string]Watermark{WatermarkSource: {Cursor: c.Now().Add(-time.Hour)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if serial != 1 {
		t.Errorf("serial after the first commit = %d, want 1", serial)
	}
	firstSeen := c.Now()

	// Second batch, later: update one, delete one, delete-and-upsert one,
	// reject one again, resolve the other.
	c.Add(time.Minute)
	upd := members(1, 1)[0]
	upd.Fields, upd.Hash, upd.SourceID = []byte(`{"email":"changed"}`), 42, "src-1b"
	readd := members(2, 1)[0]
	readd.Position = 99
	serial, err = s.Commit(ctx, &Commit{
		Pipeline: "p", Token: l.Token, Run: run,
		Upsert:   []Member{upd, readd},
		Delete:   []string{key(0), key(2), "absent@example.com"},
		Rejected: []Rejection{{SourceID: "src-90", Key: key(90), Reason: "mailbox full"}},
		Resolved: []RecordRef{{SourceID: "src-91", Key: key(91)}},
		Progress: map[string]int64{"add": 5, "update": 1, "rejected": 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	if serial != 2 {
		t.Errorf("serial after the second commit = %d, want 2", serial)
	}

	got := dump(t, s, "p")
	want := state{
		Members: []Member{upd, readd, first[3], first[4]},
		Serial:  2,
		Rejections: []Rejection{
			{SourceID: "src-90", Key: key(90), Reason: "mailbox full", Attempts: 2, FirstSeen: firstSeen, LastSeen: c.Now()},
		},
		Watermarks: map[string]Watermark{
			WatermarkSource:   {Cursor: firstSeen.Add(-time.Hour)},
			WatermarkFeedback: {},
		},
		Runs: []Run{{
			ID: run, Pipeline: "p", Kind: RunApply, StartedAt: firstSeen, Outcome: OutcomeRunning,
			Counts: map[string]int64{"add": 5, "update": 1, "rejected": 3},
		}},
	}
	for i := range 5 {
		want.Provenance = append(want.Provenance, Provenance{
			Pipeline: "p", Connection: "esp", List: "news", Key: key(i), SourceID: "src-" + itoa(i),
			Module: "Contacts", FirstSeen: firstSeen,
		})
	}
	want.Provenance = append(want.Provenance[:2], append([]Provenance{{
		Pipeline: "p", Connection: "esp", List: "news", Key: key(1), SourceID: "src-1b",
		Module: "Contacts", FirstSeen: c.Now(),
	}}, want.Provenance[2:]...)...)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("state after two commits (-want +got):\n%s", diff)
	}
}

func TestCommitEmpty(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	l := register(t, s, "p")
	for want := int64(1); want <= 3; want++ {
		got, err := s.Commit(ctx, &Commit{Pipeline: "p", Token: l.Token})
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("serial = %d, want %d: every commit changes it", got, want)
		}
	}
}

func TestCommitDuplicateKeysKeepLast(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	l := register(t, s, "p")
	ms := members(0, batchRows+10)
	dup := ms[0]
	dup.Fields = []byte(`{"last":true}`)
	ms = append(ms, dup) // in a later statement than the first
	ms = append(ms, ms[len(ms)-2])
	if _, err := s.Commit(ctx, &Commit{Pipeline: "p", Token: l.Token, Upsert: ms}); err != nil {
		t.Fatal(err)
	}
	got, err := s.MembersByKey(ctx, "p", []string{key(0)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]Member{key(0): dup}, got); diff != "" {
		t.Errorf("MembersByKey (-want +got):\n%s", diff)
	}
	if n, _ := s.CountMembers(ctx, "p"); n != batchRows+10 {
		t.Errorf("CountMembers = %d, want %d", n, batchRows+10)
	}
}

// TestCommitAtomic makes commits fail part-way, after some of their rows
// were written, and checks that none of them persisted.
func TestCommitAtomic(t *testing.T) {
	big := 3*batchRows + 7 // several statements before the failure
	badStatus := members(100, big)
	badStatus[big-2].Status = MemberStatus(0)

	tests := []struct {
		name    string
		commit  func(l Lease) *Commit
		ctx     func() context.Context
		wantErr error // nil: any error
	}{
		{
			name: "invalid member late in the batch",
			commit: func(l Lease) *Commit {
				return &Commit{Pipeline: "p", Token: l.Token, Delete: []string{key(0)}, Upsert: badStatus}
			},
		},
		{
			name: "invalid rejection after the members",
			commit: func(l Lease) *Commit {
				return &Commit{Pipeline: "p", Token: l.Token, Upsert: members(100, big),
					Rejected: []Rejection{{SourceID: "s", Reason: "ok"}, {Reason: "names nothing"}}}
			},
		},
		{
			name: "unknown run after everything else",
			commit: func(l Lease) *Commit {
				return &Commit{Pipeline: "p", Token: l.Token, Upsert: members(100, big), Delete: []string{key(1)},
					Rejected: []Rejection{{SourceID: "s", Reason: "r"}}, Resolved: []RecordRef{{Key: key(7)}},
					Watermarks: map[string]Watermark{WatermarkSource: {Cursor: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}},
					Run:        12345, Progress: map[string]int64{"add": 1}}
			},
			wantErr: ErrNotFound,
		},
		{
			name: "cancelled context",
			commit: func(l Lease) *Commit {
				return &Commit{Pipeline: "p", Token: l.Token, Upsert: members(100, big)}
			},
			ctx: func() context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx
			},
			wantErr: context.Canceled,
		},
		{
			name: "unregistered pipeline",
			commit: func(l Lease) *Commit {
				return &Commit{Pipeline: "q", Token: 1, Upsert: members(100, 1)}
			},
			wantErr: ErrNotFound,
		},
		{
			name: "watermark out of range",
			commit: func(l Lease) *Commit {
				return &Commit{Pipeline: "p", Token: l.Token, Upsert: members(100, 1),
					Watermarks: map[string]Watermark{WatermarkSource: {Cursor: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)}}}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newStore(t)
			ctx := context.Background()
			l := register(t, s, "p")
			if _, err := s.AcquireLease(ctx, "q", "x:1", time.Hour); err != nil {
				t.Fatal(err)
			}
			run, err := s.StartRun(ctx, "p", RunApply, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Commit(ctx, &Commit{Pipeline: "p", Token: l.Token, Upsert: members(0, 10), Run: run,
				Rejected: []Rejection{{Key: key(7), Reason: "refused"}}, Progress: map[string]int64{"add": 10},
				Watermarks: map[string]Watermark{WatermarkSource: {Cursor: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}},
			}); err != nil {
				t.Fatal(err)
			}
			before := dump(t, s, "p")

			cctx := ctx
			if tt.ctx != nil {
				cctx = tt.ctx()
			}
			_, err = s.Commit(cctx, tt.commit(l))
			if err == nil {
				t.Fatal("commit succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %q does not wrap %q", err, tt.wantErr)
			}
			if diff := cmp.Diff(before, dump(t, s, "p")); diff != "" {
				t.Errorf("a failed commit left changes (-before +after):\n%s", diff)
			}
			// The store is still usable.
			if _, err := s.Commit(ctx, &Commit{Pipeline: "p", Token: l.Token, Upsert: members(500, 1)}); err != nil {
				t.Errorf("commit after the failure: %v", err)
			}
		})
	}
}

// TestCommitCancelledMidway cancels a large commit while it runs. Whether
// the cancellation lands before the end or not, the commit is all or
// nothing.
func TestCommitCancelledMidway(t *testing.T) {
	s, _ := newStore(t)
	l := register(t, s, "p")
	ms := members(0, 20_000)
	for _, delay := range []time.Duration{0, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond} {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(delay, cancel)
		before, _ := s.Serial(context.Background(), "p")
		_, err := s.Commit(ctx, &Commit{Pipeline: "p", Token: l.Token, Delete: memberKeys(ms), Upsert: ms})
		cancel()
		n, cerr := s.CountMembers(context.Background(), "p")
		if cerr != nil {
			t.Fatal(cerr)
		}
		after, _ := s.Serial(context.Background(), "p")
		switch {
		case err == nil && (n != int64(len(ms)) || after != before+1):
			t.Errorf("delay %v: commit succeeded but %d members and serial %d→%d", delay, n, before, after)
		case err != nil && after != before:
			t.Errorf("delay %v: commit failed (%v) but the serial moved %d→%d", delay, err, before, after)
		case err != nil && before == 0 && n != 0:
			t.Errorf("delay %v: commit failed (%v) but %d members persisted", delay, err, n)
		case err != nil && !errors.Is(err, context.Canceled):
			t.Errorf("delay %v: %v, want context.Canceled", delay, err)
		}
		t.Logf("delay %v: err %v", delay, err)
	}
}

func TestCommitInvalid(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	l := register(t, s, "p")
	for _, tt := range []struct {
		name string
		c    Commit
	}{
		{"no pipeline", Commit{Token: l.Token}},
		{"empty key", Commit{Pipeline: "p", Token: l.Token, Upsert: []Member{{Status: MemberActive}}}},
		{"unnamed watermark", Commit{Pipeline: "p", Token: l.Token, Watermarks: map[string]Watermark{"": {}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Commit(ctx, &tt.c); err == nil {
				t.Error("succeeded, want an error")
			}
		})
	}
}

func TestMembers(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	l := register(t, s, "p")
	ms := members(0, 300)
	// Commit in reverse order: reads are in key order regardless.
	rev := make([]Member, len(ms))
	for i, m := range ms {
		rev[len(ms)-1-i] = m
	}
	rev[0].Fields = nil // stored as empty
	ms[len(ms)-1].Fields = []byte{}
	if _, err := s.Commit(ctx, &Commit{Pipeline: "p", Token: l.Token, Upsert: rev}); err != nil {
		t.Fatal(err)
	}

	t.Run("EachMember with fields", func(t *testing.T) {
		var got []Member
		if err := s.EachMember(ctx, "p", true, func(m Member) error { got = append(got, m); return nil }); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ms, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("EachMember without fields", func(t *testing.T) {
		var got []Member
		if err := s.EachMember(ctx, "p", false, func(m Member) error { got = append(got, m); return nil }); err != nil {
			t.Fatal(err)
		}
		want := make([]Member, len(ms))
		for i, m := range ms {
			m.Fields = nil
			want[i] = m
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("EachMember stops on error", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := s.EachMember(ctx, "p", false, func(m Member) error {
			n++
			if n == 10 {
				return stop
			}
			return nil
		})
		if err != stop || n != 10 {
			t.Errorf("EachMember = %v after %d members, want the callback's error after 10", err, n)
		}
	})
	t.Run("EachMember callback may write", func(t *testing.T) {
		n := 0
		err := s.EachMember(ctx, "p", false, func(m Member) error {
			n++
			if n == 1 { // the scan keeps its snapshot: the new member is not seen
				_, err := s.Commit(ctx, &Commit{Pipeline: "p", Token: l.Token, Upsert: members(1000, 1)})
				return err
			}
			return nil
		})
		if err != nil || n != len(ms) {
			t.Errorf("EachMember = %v after %d members, want nil after %d", err, n, len(ms))
		}
		if _, err := s.Commit(ctx, &Commit{Pipeline: "p", Token: l.Token, Delete: []string{key(1000)}}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("EachMember of an unregistered pipeline", func(t *testing.T) {
		if err := s.EachMember(ctx, "nope", true, func(Member) error { return errors.New("called") }); err != nil {
			t.Error(err)
		}
	})
	t.Run("MembersByKey", func(t *testing.T) {
		got, err := s.MembersByKey(ctx, "p", []string{key(5), "missing", key(250), key(5), `quote"d`})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]Member{key(5): ms[5], key(250): ms[250]}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if got, err := s.MembersByKey(ctx, "nope", []string{key(5)}); err != nil || len(got) != 0 {
			t.Errorf("MembersByKey of an unregistered pipeline = %v, %v; want empty", got, err)
		}
	})
}

func TestCountContacts(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	// a and b write to esp (b's keys overlap a's), c to another connection.
	for _, p := range []struct {
		name, conn, list string
		from, n          int
	}{
		{"a", "esp", "news", 0, 10},
		{"b", "esp", "offers", 5, 10},
		{"c", "other", "news", 0, 7},
	} {
		if _, err := s.RegisterPipeline(ctx, Pipeline{Name: p.name, SinkConnection: p.conn, SinkList: p.list}); err != nil {
			t.Fatal(err)
		}
		l, err := s.AcquireLease(ctx, p.name, "h:1", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Commit(ctx, &Commit{Pipeline: p.name, Token: l.Token, Upsert: members(p.from, p.n)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name string
		got  func() (int64, error)
		want int64
	}{
		{"members of a", func() (int64, error) { return s.CountMembers(ctx, "a") }, 10},
		{"members of unknown", func() (int64, error) { return s.CountMembers(ctx, "nope") }, 0},
		{"contacts of esp", func() (int64, error) { return s.CountContacts(ctx, "esp") }, 15},
		{"contacts of other", func() (int64, error) { return s.CountContacts(ctx, "other") }, 7},
		{"contacts of unknown", func() (int64, error) { return s.CountContacts(ctx, "nope") }, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.got()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("= %d, want %d", got, tt.want)
			}
		})
	}
}

// TestMemberQueryPlans guards the plans that keep large snapshots cheap:
// scans walk the primary key in order (no sort), lookups probe it (no scan).
func TestMemberQueryPlans(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		query string
		args  []any
		want  []string
	}{
		{"scan", memberScanQuery, []any{1}, []string{"SEARCH members USING PRIMARY KEY (pipeline_id=?)"}},
		{"scan with fields", memberScanFieldsQuery, []any{1}, []string{"SEARCH members USING PRIMARY KEY (pipeline_id=?)"}},
		{"lookup", membersByKeyQuery, []any{"[]", 1}, []string{
			"SCAN k VIRTUAL TABLE INDEX 1:",
			"SEARCH m USING PRIMARY KEY (pipeline_id=? AND key=?)",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+tt.query, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				got = append(got, detail)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("query plan (-want +got):\n%s", diff)
			}
		})
	}
}
