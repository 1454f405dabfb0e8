package plan

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFields(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]Value
	}{
		{`{}`, map[string]Value{}},
		{` { "a" : 1 , "b":[ "x" , "y" ] ,"c":null,"d":true,"e":false,"f":-1.5e3,"g":"" } `, map[string]Value{
			"a": IntVal(1), "b": ListVal("x", "y"), "c": NullVal(), "d": BoolVal(true), "e": BoolVal(false), "f": FloatVal(-1500), "g": StringVal(""),
		}},
		{`{"esc\"aped":"a\\b\/c\u00e9\ud83d\ude00\n"}`, map[string]Value{`esc"aped`: StringVal("a\\b/cé😀\n")}},
		{`{"big":12345678901234567890,"zero":0,"negzero":-0.0,"exp":1E2}`, map[string]Value{
			"big": FloatVal(12345678901234567890), "zero": IntVal(0), "negzero": FloatVal(0), "exp": FloatVal(100),
		}},
		{`{"l":[]}`, map[string]Value{"l": ListVal()}},
	}
	for _, tt := range tests {
		got, err := parseFields(tt.in)
		if err != nil {
			t.Errorf("parseFields(%s): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseFields(%s) (-want +got):\n%s", tt.in, diff)
		}
	}
	for _, bad := range []string{
		``, `[]`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1}x`, `{a:1}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`,
		`{"a":-}`, `{"a":1e}`, `{"a":[1]}`, `{"a":["x",]}`, `{"a":{}}`, `{"a":"\x01"}`, `{"a":"\q"}`,
		`{"a":"unterminated}`, `{"a":nul}`, `{"a":1e999}`, `{"a":tru}`,
	} {
		if got, err := parseFields(bad); err == nil {
			t.Errorf("parseFields(%s) = %v, want an error", bad, got)
		}
	}
}

func TestParseDiff(t *testing.T) {
	got, err := parseDiff(`[{"after":2,"field":"a","future":{"x":[1,{"y":null}]},"before":1},{"field":"b"}]`)
	if err != nil {
		t.Fatal(err)
	}
	want := []FieldChange{{Field: "a", Before: IntVal(1), After: IntVal(2)}, {Field: "b"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got, err := parseDiff(`[]`); err != nil || got == nil || len(got) != 0 {
		t.Errorf("parseDiff([]) = %#v, %v", got, err)
	}
	for _, bad := range []string{``, `{}`, `[{}]`, `[{"field":1}]`, `[{"field":"a"},]`, `[{"field":"a","x":[}]`, `[{"field":"a"}] x`} {
		if got, err := parseDiff(bad); err == nil {
			t.Errorf("parseDiff(%s) = %v, want an error", bad, got)
		}
	}
}

// FuzzParseFields checks the fields decoder against encoding/json: what it
// accepts is valid JSON, and it reads back what it writes.
func FuzzParseFields(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"b":[" x"],"c":null,"d":1.5,"e":"\u00e9\n"}`, `{"a":-0.0,"b":1e-7}`, `{"a":true,"b":false}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseFields(s)
		if err != nil {
			return
		}
		if !json.Valid([]byte(s)) {
			t.Fatalf("accepted invalid JSON %q", s)
		}
		var w jsonWriter
		w.fields(m)
		back, err := parseFields(string(w.buf))
		if err != nil {
			t.Fatalf("reading back %s: %v", w.buf, err)
		}
		if diff := cmp.Diff(m, back); diff != "" {
			t.Fatalf("round trip of %s (-first +second):\n%s", w.buf, diff)
		}
	})
}
