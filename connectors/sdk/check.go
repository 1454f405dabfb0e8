package sdk

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// CheckSettings checks s against the settings info declares: unknown
// names, missing required settings, value types and enumerations. It
// returns the settings with defaults filled in and values in their
// canonical types (int64, float64, []string, map[string]string), and the
// problems found, each naming its setting; a sensitive value never
// appears in a problem. It does not call the connector's
// SettingsValidator, and does no I/O.
//
// The language checks a connection's settings against the same
// declarations; CheckSettings is for what runs outside it: the plugin
// side of the boundary, which checks settings again before opening a
// connection, and tests.
func CheckSettings(info Info, s Settings) (Settings, []Problem) {
	out := make(Settings, len(info.Settings))
	var ps []Problem
	for _, name := range s.Names() {
		decl, ok := info.Setting(name)
		if !ok {
			var known []string
			for _, d := range info.Settings {
				known = append(known, d.Name)
			}
			ps = append(ps, Problem{Setting: name, Summary: "Unknown setting",
				Detail: fmt.Sprintf("The connector %q has no setting named %q. Its settings are %s.", info.Name, name, strings.Join(known, ", "))})
			continue
		}
		v, ok := canonical(decl.Type, s[name])
		if !ok {
			ps = append(ps, Problem{Setting: name, Summary: "Invalid setting type",
				Detail: fmt.Sprintf("The setting %q is a %s; %s.", name, decl.Type, describeValue(decl, s[name]))})
			continue
		}
		if str, isStr := v.(string); isStr && len(decl.Enum) > 0 && !slices.Contains(decl.Enum, str) {
			detail := fmt.Sprintf("The setting %q is one of %s.", name, strings.Join(decl.Enum, ", "))
			if !decl.Sensitive {
				detail = fmt.Sprintf("The setting %q is %q; use one of %s.", name, str, strings.Join(decl.Enum, ", "))
			}
			ps = append(ps, Problem{Setting: name, Summary: "Invalid setting value", Detail: detail})
			continue
		}
		out[name] = v
	}
	for _, decl := range info.Settings {
		if _, set := s[decl.Name]; set {
			continue
		}
		switch {
		case decl.Required:
			ps = append(ps, Problem{Setting: decl.Name, Summary: "Missing required setting",
				Detail: fmt.Sprintf("The connector %q needs the setting %q: %s", info.Name, decl.Name, decl.Doc)})
		case decl.Default != nil:
			if v, ok := canonical(decl.Type, decl.Default); ok {
				out[decl.Name] = v
			}
		}
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Setting < ps[j].Setting })
	return out, ps
}

// describeValue says what was given instead, without showing a sensitive
// value.
func describeValue(decl Setting, v any) string {
	if decl.Sensitive {
		return "the value given is not one"
	}
	return fmt.Sprintf("%#v is not one", v)
}

// canonical converts v to the Go type of a setting of type t.
func canonical(t SettingType, v any) (any, bool) {
	switch t {
	case TypeString:
		s, ok := v.(string)
		return s, ok
	case TypeInt:
		switch x := v.(type) {
		case int64:
			return x, true
		case int:
			return int64(x), true
		case int32:
			return int64(x), true
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
				return int64(x), true
			}
		}
	case TypeFloat:
		switch x := v.(type) {
		case float64:
			return x, true
		case float32:
			return float64(x), true
		case int64:
			return float64(x), true
		case int:
			return float64(x), true
		}
	case TypeBool:
		b, ok := v.(bool)
		return b, ok
	case TypeStringList:
		switch x := v.(type) {
		case []string:
			return x, true
		case []any:
			out := make([]string, len(x))
			for i, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, false
				}
				out[i] = s
			}
			return out, true
		}
	case TypeStringMap:
		switch x := v.(type) {
		case map[string]string:
			return x, true
		case map[string]any:
			out := make(map[string]string, len(x))
			for k, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, false
				}
				out[k] = s
			}
			return out, true
		}
	}
	return nil, false
}
