package state

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDoneTargets(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	register(t, s, "p")
	register(t, s, "q")
	if err := s.PutDone(ctx, "p", "campaign", []string{"c1", "c2"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutDone(ctx, "q", "campaign", []string{"c3"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		pipeline, kind string
		want           KeySet
	}{
		{"p", "campaign", KeySet{"c1": {}, "c2": {}}},
		{"q", "campaign", KeySet{"c3": {}}},
		{"p", "recipient", KeySet{}},
		{"unknown", "campaign", KeySet{}},
	} {
		got, err := s.DoneTargets(ctx, tt.pipeline, tt.kind)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("DoneTargets(%q, %q) (-want +got):\n%s", tt.pipeline, tt.kind, diff)
		}
	}
}

func TestEachProvenance(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	lp := register(t, s, "p")
	lq := register(t, s, "q")
	t0 := c.Now()
	ms := members(1, 2)
	if _, err := s.Commit(ctx, &Commit{Pipeline: "p", Token: lp.Token, Upsert: ms}); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Hour)
	if _, err := s.Commit(ctx, &Commit{Pipeline: "q", Token: lq.Token, Upsert: ms[:1]}); err != nil {
		t.Fatal(err)
	}
	var got []Provenance
	err := s.EachProvenance(ctx, "esp", "news", func(p Provenance) error {
		got = append(got, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	prov := func(pipeline string, m Member, at time.Time) Provenance {
		return Provenance{Pipeline: pipeline, Connection: "esp", List: "news", Key: m.Key, SourceID: m.SourceID, Module: "Contacts", FirstSeen: at}
	}
	want := []Provenance{prov("p", ms[0], t0), prov("q", ms[0], c.Now()), prov("p", ms[1], t0)}
	if ms[1].Key < ms[0].Key {
		want = []Provenance{prov("p", ms[1], t0), prov("p", ms[0], t0), prov("q", ms[0], c.Now())}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	stop := errors.New("stop")
	n := 0
	if err := s.EachProvenance(ctx, "esp", "news", func(Provenance) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("stopping: err %v after %d calls", err, n)
	}
	if err := s.EachProvenance(ctx, "esp", "other", func(Provenance) error { return stop }); err != nil {
		t.Errorf("an empty list: %v", err)
	}
}
