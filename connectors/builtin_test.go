package connectors

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

func TestBuiltin(t *testing.T) {
	r := Builtin()
	if diff := cmp.Diff([]string{"csv", "jsonl", "lists", "sqlite"}, r.Names()); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	kinds := map[string][]sdk.Kind{
		"csv":    {sdk.KindSource},
		"jsonl":  {sdk.KindSource, sdk.KindSink},
		"lists":  {sdk.KindSink, sdk.KindEvents},
		"sqlite": {sdk.KindSource, sdk.KindSink, sdk.KindFeedback},
	}
	for name, want := range kinds {
		c, ok := r.Lookup(name)
		if !ok {
			t.Fatalf("%s is not registered", name)
		}
		info := c.Info()
		if diff := cmp.Diff(want, info.Kinds); diff != "" {
			t.Errorf("%s kinds (-want +got):\n%s", name, diff)
		}
		if info.Doc == "" {
			t.Errorf("%s has no doc", name)
		}
		if info.Offers(sdk.KindSink) != (info.Sink != nil) {
			t.Errorf("%s: a sink must describe itself in Info.Sink", name)
		}
		seen := map[string]bool{}
		for _, s := range info.Settings {
			if s.Name == "" || s.Type == 0 || s.Doc == "" || seen[s.Name] {
				t.Errorf("%s: setting %+v is incomplete or repeated", name, s)
			}
			seen[s.Name] = true
			if s.Default != nil && s.Required {
				t.Errorf("%s: setting %q is required and has a default", name, s.Name)
			}
		}
		if !seen["path"] {
			t.Errorf("%s has no path setting", name)
		}
	}
	// Each call is a registry of its own.
	if err := Builtin().Add(fakeConnector{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := Builtin().Lookup("fake"); ok {
		t.Error("registries share their connectors")
	}
}

type fakeConnector struct{ sdk.Connector }

func (fakeConnector) Info() sdk.Info { return sdk.Info{Name: "fake"} }
