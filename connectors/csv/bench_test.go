package csv

import (
	"context"
	"os"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// countSink counts what it receives.
type countSink struct{ rows, tombs, rejects int }

func (s *countSink) Batch(rec arrow.RecordBatch) error { s.rows += int(rec.NumRows()); return nil }
func (s *countSink) Tombstones(ids []string) error     { s.tombs += len(ids); return nil }
func (s *countSink) Reject(r sdk.RejectedRow) error    { s.rejects++; return nil }

// BenchmarkRead reads a generated 100k-row, 12-column file (the reference
// benchmark's columns). Discover runs once, outside the timed loop.
func BenchmarkRead(b *testing.B) {
	path := writeCandidates(b, b.TempDir(), 100_000)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	c, err := New().Open(ctx, sdk.OpenRequest{Settings: sdk.Settings{"path": path, "id": "id", "cursor": "modified_at", "delimiter": ","}})
	if err != nil {
		b.Fatal(err)
	}
	src := c.(sdk.Source)
	if _, err := src.Discover(ctx, sdk.DiscoverRequest{}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var s countSink
		if err := src.Read(ctx, sdk.ReadRequest{}, &s); err != nil {
			b.Fatal(err)
		}
		if s.rows != 100_000 || s.rejects != 0 {
			b.Fatalf("read %d rows, %d rejects", s.rows, s.rejects)
		}
	}
	b.ReportMetric(float64(100_000*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkDiscover measures type inference over the same file.
func BenchmarkDiscover(b *testing.B) {
	path := writeCandidates(b, b.TempDir(), 100_000)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		c, _ := New().Open(ctx, sdk.OpenRequest{Settings: sdk.Settings{"path": path, "id": "id", "cursor": "modified_at"}})
		if _, err := c.(sdk.Source).Discover(ctx, sdk.DiscoverRequest{}); err != nil {
			b.Fatal(err)
		}
	}
}
