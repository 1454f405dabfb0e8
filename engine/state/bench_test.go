package state

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkCommit commits batches of members the way an apply does: in key
// order, each with a JSON object of mapped fields, on a durable store
// (WAL, synchronous=FULL). "add" writes new keys every time (a first run
// growing the list), "update" rewrites the same keys. Besides wall time it
// reports the process's CPU time per commit, which stays meaningful on a
// busy machine.
func BenchmarkCommit(b *testing.B) {
	for _, bc := range []struct {
		name  string
		batch int
		fresh bool
	}{
		{"add/10k", 10_000, true},
		{"update/10k", 10_000, false},
		{"add/100k", 100_000, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			s, err := OpenSQLite(ctx, filepath.Join(b.TempDir(), "state.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			lease := benchPipeline(b, s, "bench")
			ms := make([]Member, bc.batch)
			var cpu time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				base := 0
				if bc.fresh {
					base = i * bc.batch
				}
				fillMembers(ms, base)
				c0 := cpuTime()
				b.StartTimer()
				if _, err := s.Commit(ctx, &Commit{Pipeline: "bench", Token: lease.Token, Upsert: ms}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				cpu += cpuTime() - c0
				b.StartTimer()
			}
			b.ReportMetric(float64(b.N*bc.batch)/b.Elapsed().Seconds(), "members/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

func benchPipeline(b *testing.B, s *SQLite, name string) Lease {
	ctx := context.Background()
	if _, err := s.RegisterPipeline(ctx, Pipeline{Name: name, ConfigHash: "h", SourceConnection: "crm",
		SourceModule: "Contacts", SinkConnection: "esp", SinkList: "news"}); err != nil {
		b.Fatal(err)
	}
	l, err := s.AcquireLease(ctx, name, CurrentHolder(), time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	return l
}

func fillMembers(ms []Member, base int) {
	for i := range ms {
		n := base + i
		ms[i] = Member{
			Key:      fmt.Sprintf("user%09d@example.com", n),
			SourceID: fmt.Sprintf("%012d", n),
			Position: int64(n),
			Hash:     uint64(n) * 0x9E3779B97F4A7C15,
			Fields: fmt.Appendf(nil, `{"email":"user%09d@example.com","first_name":"Firstname%d","last_name":"Lastname%d","city":"Springfield","score":%d}`,
				n, n, n, n%100),
			Status: MemberActive,
		}
	}
}

// BenchmarkEachMember scans a snapshot of 100k members without their
// fields, as the diff does.
func BenchmarkEachMember(b *testing.B) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	lease := benchPipeline(b, s, "bench")
	const n = 100_000
	ms := make([]Member, n)
	fillMembers(ms, 0)
	if _, err := s.Commit(ctx, &Commit{Pipeline: "bench", Token: lease.Token, Upsert: ms}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var sum uint64
		if err := s.EachMember(ctx, "bench", false, func(m Member) error { sum += m.Hash; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "members/s")
}
