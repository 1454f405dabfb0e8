package state

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRegistry(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()

	p := Pipeline{
		Name: "crm-to-news", ConfigHash: "sha256:aa", SourceConnection: "crm", SourceModule: "Contacts",
		SinkConnection: "esp", SinkList: "news", Accounts: map[string]string{"crm": "org-1", "esp": "acct-9"},
	}
	got, err := s.RegisterPipeline(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	want := p
	want.Status, want.RegisteredAt = PipelineActive, c.Now()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RegisterPipeline returned (-want +got):\n%s", diff)
	}
	if got, err := s.Pipeline(ctx, p.Name); err != nil {
		t.Fatal(err)
	} else if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Pipeline (-want +got):\n%s", diff)
	}

	if _, err := s.RegisterPipeline(ctx, Pipeline{Name: p.Name}); !errors.Is(err, ErrExists) {
		t.Errorf("registering twice: %v, want ErrExists", err)
	}

	// UpdatePipeline replaces the configuration only.
	upd := p
	upd.ConfigHash, upd.SinkList, upd.Accounts = "sha256:bb", "weekly", map[string]string{"esp": "acct-10"}
	upd.Status, upd.StatusReason = PipelineDeleted, "ignored"
	if err := s.UpdatePipeline(ctx, upd); err != nil {
		t.Fatal(err)
	}
	want.ConfigHash, want.SinkList, want.Accounts = "sha256:bb", "weekly", map[string]string{"esp": "acct-10"}
	if got, err := s.Pipeline(ctx, p.Name); err != nil {
		t.Fatal(err)
	} else if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after UpdatePipeline (-want +got):\n%s", diff)
	}

	if err := s.SetPipelineStatus(ctx, p.Name, PipelineStoppedCredentials, `connection "esp": authentication failed`); err != nil {
		t.Fatal(err)
	}
	want.Status, want.StatusReason = PipelineStoppedCredentials, `connection "esp": authentication failed`
	if got, err := s.Pipeline(ctx, p.Name); err != nil {
		t.Fatal(err)
	} else if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after SetPipelineStatus (-want +got):\n%s", diff)
	}

	if _, err := s.RegisterPipeline(ctx, Pipeline{Name: "another", Status: PipelineDisabled}); err != nil {
		t.Fatal(err)
	}
	all, err := s.Pipelines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range all {
		names = append(names, p.Name+":"+p.Status.String())
	}
	if diff := cmp.Diff([]string{"another:disabled", "crm-to-news:stopped_credentials"}, names); diff != "" {
		t.Errorf("Pipelines (-want +got):\n%s", diff)
	}
}

func TestRegistryErrors(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		call    func() error
		wantErr error // nil: any error
	}{
		{"get unknown", func() error { _, err := s.Pipeline(ctx, "nope"); return err }, ErrNotFound},
		{"update unknown", func() error { return s.UpdatePipeline(ctx, Pipeline{Name: "nope"}) }, ErrNotFound},
		{"status of unknown", func() error { return s.SetPipelineStatus(ctx, "nope", PipelineActive, "") }, ErrNotFound},
		{"invalid status", func() error { return s.SetPipelineStatus(ctx, "nope", PipelineStatus(9), "") }, nil},
		{"no name", func() error { _, err := s.RegisterPipeline(ctx, Pipeline{}); return err }, nil},
		{"register invalid status", func() error {
			_, err := s.RegisterPipeline(ctx, Pipeline{Name: "x", Status: PipelineStatus(7)})
			return err
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %q does not wrap %q", err, tt.wantErr)
			}
		})
	}
}

func TestRegistryCounts(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	day := func(d int) time.Time { return time.Date(2026, 5, d, 0, 0, 0, 0, time.UTC) }
	for _, p := range []Pipeline{
		{Name: "a", RegisteredAt: day(1)},
		{Name: "b", RegisteredAt: day(1).Add(23 * time.Hour), Status: PipelineDisabled},
		{Name: "c", RegisteredAt: day(2)},
		{Name: "d", RegisteredAt: day(2).Add(time.Nanosecond), Status: PipelineDeleted},
		{Name: "e", RegisteredAt: day(20), Status: PipelineStoppedCredentials},
	} {
		if _, err := s.RegisterPipeline(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	active, err := s.CountActivePipelines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if active != 2 {
		t.Errorf("CountActivePipelines = %d, want 2", active)
	}
	tests := []struct {
		name     string
		from, to time.Time
		want     int
	}{
		{"first day", day(1), day(2), 2},
		{"second day, deleted ones count", day(2), day(3), 2},
		{"the month", day(1), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), 5},
		{"to is exclusive", day(1).Add(time.Hour), day(2), 1},
		{"empty range", day(3), day(3), 0},
		{"before anything", day(1).AddDate(0, -1, 0), day(1), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.CountRegisteredPipelines(ctx, tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("CountRegisteredPipelines(%v, %v) = %d, want %d", tt.from, tt.to, got, tt.want)
			}
		})
	}
}
