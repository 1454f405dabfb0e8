package sdk

import (
	"fmt"
	"sort"
	"strings"
)

// Kind is one role a connector can play in a pipeline.
type Kind uint8

const (
	// KindSource reads records (a pipeline's source).
	KindSource Kind = iota + 1
	// KindSink writes members to a list (a pipeline's sink).
	KindSink
	// KindEvents reports campaign events from the sink side, the origin of
	// a feedback run.
	KindEvents
	// KindFeedback accepts the writes of a feedback run on the source side.
	KindFeedback
)

var kindNames = map[Kind]string{KindSource: "source", KindSink: "sink", KindEvents: "events", KindFeedback: "feedback"}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, bool) {
	for k, n := range kindNames {
		if n == s {
			return k, true
		}
	}
	return 0, false
}

// SettingType is the type of one connector setting's value.
type SettingType uint8

const (
	TypeString SettingType = iota + 1
	TypeInt
	TypeFloat
	TypeBool
	TypeStringList // a list of strings
	TypeStringMap  // a map of string to string
)

var typeNames = map[SettingType]string{
	TypeString: "string", TypeInt: "number (whole)", TypeFloat: "number", TypeBool: "bool",
	TypeStringList: "list of string", TypeStringMap: "map of string",
}

func (t SettingType) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("SettingType(%d)", uint8(t))
}

// Setting declares one connection setting. The declaration drives
// validation, diagnostics, redaction and `sluice connectors doc`.
type Setting struct {
	Name      string
	Type      SettingType
	Required  bool
	Sensitive bool     // never printed, logged, stored in state or plans
	Default   any      // used when the setting is absent; nil for none
	Enum      []string // for TypeString: the accepted values, if restricted
	Doc       string   // one or two sentences for the reference
}

// Info describes a connector. It is static: producing it does no I/O.
type Info struct {
	Name     string // the connector type used in `connector = "..."`
	Version  string
	Doc      string
	Kinds    []Kind
	Settings []Setting
	// Sink describes the sink side, for connectors offering KindSink.
	Sink *SinkInfo
}

// Offers reports whether the connector declares the kind.
func (i Info) Offers(k Kind) bool {
	for _, have := range i.Kinds {
		if have == k {
			return true
		}
	}
	return false
}

// Setting returns the declaration of the named setting.
func (i Info) Setting(name string) (Setting, bool) {
	for _, s := range i.Settings {
		if s.Name == name {
			return s, true
		}
	}
	return Setting{}, false
}

// KeyKind is what a sink's member key is.
type KeyKind uint8

const (
	// KeyString is any non-empty string.
	KeyString KeyKind = iota + 1
	// KeyEmail is an email address; the sink refuses invalid ones.
	KeyEmail
)

func (k KeyKind) String() string {
	switch k {
	case KeyString:
		return "string"
	case KeyEmail:
		return "email"
	}
	return fmt.Sprintf("KeyKind(%d)", uint8(k))
}

// SinkInfo is what a sink declares about the members it stores.
type SinkInfo struct {
	KeyKind KeyKind
	// Fields lists the member fields the sink knows. When OpenFields is true
	// any field name is accepted and Fields are only suggestions.
	Fields     []Field
	OpenFields bool
	// Actions the sink supports for removals; a pipeline asking for another
	// is refused at validate time.
	CanRemove bool
	CanDelete bool
}

// Field is one named, typed field.
type Field struct {
	Name string
	Type string // string | int | float | bool | time | []string
	Doc  string
}

// Settings holds a connection's settings: string, int64, float64, bool,
// []string or map[string]string values, keyed by setting name, already
// checked against the connector's Info.Settings.
type Settings map[string]any

// String returns a string setting, or "" when absent.
func (s Settings) String(name string) string {
	v, _ := s[name].(string)
	return v
}

// Int returns an integer setting, or 0 when absent.
func (s Settings) Int(name string) int64 {
	switch v := s[name].(type) {
	case int64:
		return v
	case int:
		return int64(v)
	case float64:
		return int64(v)
	}
	return 0
}

// Bool returns a bool setting, or false when absent.
func (s Settings) Bool(name string) bool {
	v, _ := s[name].(bool)
	return v
}

// StringList returns a list setting, or nil when absent.
func (s Settings) StringList(name string) []string {
	v, _ := s[name].([]string)
	return v
}

// StringMap returns a map setting, or nil when absent.
func (s Settings) StringMap(name string) map[string]string {
	v, _ := s[name].(map[string]string)
	return v
}

// Redacted returns a copy of s in which every sensitive setting of info is
// replaced by "(sensitive)". Use it for anything printed or stored.
func (s Settings) Redacted(info Info) Settings {
	out := make(Settings, len(s))
	for k, v := range s {
		if d, ok := info.Setting(k); ok && d.Sensitive {
			out[k] = "(sensitive)"
			continue
		}
		out[k] = v
	}
	return out
}

// Names returns the setting names in sorted order.
func (s Settings) Names() []string {
	names := make([]string, 0, len(s))
	for k := range s {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// KindList renders kinds as "source, sink".
func KindList(kinds []Kind) string {
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = k.String()
	}
	return strings.Join(parts, ", ")
}
