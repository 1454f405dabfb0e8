package state

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSuppressions(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	t0 := c.Now()
	earlier := t0.Add(-48 * time.Hour)

	added, err := s.AddSuppressions(ctx, []Suppression{
		{Connection: "esp", Key: "b@example.com", Reason: SuppressUnsubscribed, List: "news"},
		{Connection: "esp", Key: "a@example.com", Reason: SuppressDoNotMail, AddedAt: earlier},
		{Connection: "other", Key: "a@example.com", Reason: SuppressManual},
		{Connection: "esp", Key: "b@example.com", Reason: SuppressComplained, List: "news"}, // repeat in one call
	})
	if err != nil {
		t.Fatal(err)
	}
	if added != 3 {
		t.Errorf("AddSuppressions added %d, want 3", added)
	}

	// Adding again keeps the first entry, its reason and time.
	c.Add(time.Hour)
	added, err = s.AddSuppressions(ctx, []Suppression{
		{Connection: "esp", Key: "b@example.com", Reason: SuppressComplained, List: "offers"},
		{Connection: "esp", Key: "c@example.com", Reason: SuppressComplained, List: "offers"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if added != 1 {
		t.Errorf("second AddSuppressions added %d, want 1", added)
	}

	esp := []Suppression{
		{Connection: "esp", Key: "a@example.com", Reason: SuppressDoNotMail, AddedAt: earlier},
		{Connection: "esp", Key: "b@example.com", Reason: SuppressUnsubscribed, List: "news", AddedAt: t0},
		{Connection: "esp", Key: "c@example.com", Reason: SuppressComplained, List: "offers", AddedAt: c.Now()},
	}
	other := []Suppression{{Connection: "other", Key: "a@example.com", Reason: SuppressManual, AddedAt: t0}}
	for _, tt := range []struct {
		name, connection string
		want             []Suppression
	}{
		{"one connection", "esp", esp},
		{"all", "", append(append([]Suppression{}, esp...), other...)},
		{"unknown connection", "nope", nil},
	} {
		t.Run("list "+tt.name, func(t *testing.T) {
			got, err := s.Suppressions(ctx, tt.connection)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	set, err := s.SuppressedKeys(ctx, "esp")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(KeySet{"a@example.com": {}, "b@example.com": {}, "c@example.com": {}}, set); diff != "" {
		t.Errorf("SuppressedKeys (-want +got):\n%s", diff)
	}
	if !set.Has("a@example.com") || set.Has("A@example.com") || KeySet(nil).Has("x") {
		t.Error("KeySet.Has is wrong")
	}

	for _, tt := range []struct {
		name, connection, key string
		want                  bool
	}{
		{"existing", "esp", "a@example.com", true},
		{"again", "esp", "a@example.com", false},
		{"other connection's key", "esp", "zzz", false},
	} {
		t.Run("remove "+tt.name, func(t *testing.T) {
			got, err := s.RemoveSuppression(ctx, tt.connection, tt.key)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("RemoveSuppression = %v, want %v", got, tt.want)
			}
		})
	}
	if set, _ := s.SuppressedKeys(ctx, "other"); !set.Has("a@example.com") {
		t.Error("removing from esp removed from other")
	}
}

func TestSuppressionsInvalid(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		e    Suppression
	}{
		{"no connection", Suppression{Key: "k", Reason: SuppressManual}},
		{"no key", Suppression{Connection: "esp", Reason: SuppressManual}},
		{"no reason", Suppression{Connection: "esp", Key: "k"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ok := Suppression{Connection: "esp", Key: "first", Reason: SuppressManual}
			if _, err := s.AddSuppressions(ctx, []Suppression{ok, tt.e}); err == nil {
				t.Fatal("succeeded, want an error")
			}
			if all, _ := s.Suppressions(ctx, ""); len(all) != 0 {
				t.Errorf("a failed add left %v", all)
			}
		})
	}
}
