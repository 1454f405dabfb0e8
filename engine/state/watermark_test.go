package state

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestWatermarkNeverBackwards(t *testing.T) {
	t0 := time.Date(2026, 4, 1, 12, 0, 0, 123456789, time.UTC)
	type step struct {
		give Watermark
		want Watermark
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"first advance", []step{
			{Watermark{Cursor: t0}, Watermark{Cursor: t0}},
		}},
		{"forward", []step{
			{Watermark{Cursor: t0}, Watermark{Cursor: t0}},
			{Watermark{Cursor: t0.Add(time.Nanosecond)}, Watermark{Cursor: t0.Add(time.Nanosecond)}},
		}},
		{"backwards is ignored", []step{
			{Watermark{Cursor: t0}, Watermark{Cursor: t0}},
			{Watermark{Cursor: t0.Add(-time.Hour)}, Watermark{Cursor: t0}},
		}},
		{"zero cursor keeps the cursor", []step{
			{Watermark{Cursor: t0}, Watermark{Cursor: t0}},
			{Watermark{}, Watermark{Cursor: t0}},
		}},
		{"checkpoint only", []step{
			{Watermark{Checkpoint: "page-1"}, Watermark{Checkpoint: "page-1"}},
			{Watermark{Checkpoint: "page-2"}, Watermark{Checkpoint: "page-2"}},
			{Watermark{}, Watermark{Checkpoint: "page-2"}},
		}},
		{"checkpoint with cursor", []step{
			{Watermark{Cursor: t0, Checkpoint: "a"}, Watermark{Cursor: t0, Checkpoint: "a"}},
			{Watermark{Cursor: t0, Checkpoint: "b"}, Watermark{Cursor: t0, Checkpoint: "b"}},
			{Watermark{Cursor: t0.Add(time.Second), Checkpoint: "c"}, Watermark{Cursor: t0.Add(time.Second), Checkpoint: "c"}},
		}},
		{"stale checkpoint is ignored", []step{
			{Watermark{Cursor: t0, Checkpoint: "new"}, Watermark{Cursor: t0, Checkpoint: "new"}},
			{Watermark{Cursor: t0.Add(-time.Second), Checkpoint: "old"}, Watermark{Cursor: t0, Checkpoint: "new"}},
		}},
		{"checkpoint without cursor replaces", []step{
			{Watermark{Cursor: t0, Checkpoint: "a"}, Watermark{Cursor: t0, Checkpoint: "a"}},
			{Watermark{Checkpoint: "b"}, Watermark{Cursor: t0, Checkpoint: "b"}},
		}},
		{"before 1970", []step{
			{Watermark{Cursor: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), Checkpoint: "a"},
				Watermark{Cursor: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), Checkpoint: "a"}},
			{Watermark{Cursor: time.Date(1959, 1, 1, 0, 0, 0, 0, time.UTC)},
				Watermark{Cursor: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), Checkpoint: "a"}},
		}},
	}
	for _, via := range []string{"AdvanceWatermark", "Commit"} {
		for _, tt := range tests {
			t.Run(via+"/"+tt.name, func(t *testing.T) {
				s, _ := newStore(t)
				ctx := context.Background()
				l := register(t, s, "p")
				for i, st := range tt.steps {
					var err error
					switch via {
					case "AdvanceWatermark":
						var got Watermark
						got, err = s.AdvanceWatermark(ctx, "p", l.Token, WatermarkFeedback, st.give)
						if err == nil {
							if diff := cmp.Diff(st.want, got); diff != "" {
								t.Errorf("step %d: AdvanceWatermark returned (-want +got):\n%s", i, diff)
							}
						}
					case "Commit":
						_, err = s.Commit(ctx, &Commit{Pipeline: "p", Token: l.Token,
							Watermarks: map[string]Watermark{WatermarkFeedback: st.give}})
					}
					if err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
					got, err := s.Watermark(ctx, "p", WatermarkFeedback)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(st.want, got); diff != "" {
						t.Errorf("step %d: stored (-want +got):\n%s", i, diff)
					}
				}
				// The other name is untouched.
				if w, err := s.Watermark(ctx, "p", WatermarkSource); err != nil || !w.IsZero() {
					t.Errorf("source watermark = %+v, %v; want zero", w, err)
				}
			})
		}
	}
}

func TestWatermarkSerial(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	l := register(t, s, "p")
	if _, err := s.AdvanceWatermark(ctx, "p", l.Token, WatermarkFeedback, Watermark{Checkpoint: "x"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Serial(ctx, "p"); n != 0 {
		t.Errorf("AdvanceWatermark changed the serial to %d; only commits do", n)
	}
}

func TestWatermarkErrors(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	l := register(t, s, "p")
	if w, err := s.Watermark(ctx, "unregistered", WatermarkSource); err != nil || !w.IsZero() {
		t.Errorf("watermark of an unregistered pipeline = %+v, %v; want zero", w, err)
	}
	lq, err := s.AcquireLease(ctx, "q", "h:1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AdvanceWatermark(ctx, "q", lq.Token, WatermarkSource, Watermark{Checkpoint: "x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("advance of an unregistered pipeline: %v, want ErrNotFound", err)
	}
	if _, err := s.AdvanceWatermark(ctx, "p", l.Token, "", Watermark{}); err == nil {
		t.Error("advance of an unnamed watermark succeeded")
	}
	if _, err := s.AdvanceWatermark(ctx, "p", l.Token, WatermarkSource,
		Watermark{Cursor: time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Error("advance to a time out of range succeeded")
	}
}
