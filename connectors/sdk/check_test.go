package sdk

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckSettings(t *testing.T) {
	info := Info{Name: "x", Settings: []Setting{
		{Name: "url", Type: TypeString, Required: true, Doc: "The URL."},
		{Name: "size", Type: TypeInt, Default: 100, Doc: "Page size."},
		{Name: "ratio", Type: TypeFloat, Doc: "A ratio."},
		{Name: "dc", Type: TypeString, Default: "com", Enum: []string{"com", "eu"}, Doc: "The data centre."},
		{Name: "secret", Type: TypeString, Sensitive: true, Enum: []string{"a", "b"}, Doc: "A secret."},
		{Name: "tags", Type: TypeStringList, Doc: "Tags."},
		{Name: "types", Type: TypeStringMap, Doc: "Types."},
		{Name: "on", Type: TypeBool, Doc: "On."},
	}}
	tests := []struct {
		name     string
		in       Settings
		want     Settings
		problems []string // setting: summary
	}{
		{"defaults", Settings{"url": "u"}, Settings{"url": "u", "size": int64(100), "dc": "com"}, nil},
		{"canonical types", Settings{"url": "u", "size": 5.0, "ratio": int64(2), "tags": []any{"a"}, "types": map[string]any{"a": "int"}, "on": true},
			Settings{"url": "u", "size": int64(5), "ratio": 2.0, "dc": "com", "tags": []string{"a"}, "types": map[string]string{"a": "int"}, "on": true}, nil},
		{"missing", Settings{}, Settings{"size": int64(100), "dc": "com"}, []string{"url: Missing required setting"}},
		{"unknown", Settings{"url": "u", "urll": "v"}, nil, []string{"urll: Unknown setting"}},
		{"wrong types", Settings{"url": 3, "size": 2.5, "on": "yes"}, nil,
			[]string{"on: Invalid setting type", "size: Invalid setting type", "url: Invalid setting type"}},
		{"enum", Settings{"url": "u", "dc": "us"}, nil, []string{"dc: Invalid setting value"}},
		{"sensitive enum", Settings{"url": "u", "secret": "hunter2"}, nil, []string{"secret: Invalid setting value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ps := CheckSettings(info, tt.in)
			var summaries []string
			for _, p := range ps {
				summaries = append(summaries, p.Setting+": "+p.Summary)
				if strings.Contains(p.Detail, "hunter2") {
					t.Errorf("a sensitive value in %q", p.Detail)
				}
				if p.Detail == "" {
					t.Errorf("%s has no detail", p.Summary)
				}
			}
			if diff := cmp.Diff(tt.problems, summaries); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("settings (-want +got):\n%s", diff)
				}
			}
		})
	}
}
