package plan

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestValueRendering(t *testing.T) {
	tests := []struct {
		name       string
		v          Value
		json, text string
	}{
		{"null", NullVal(), `null`, `null`},
		{"zero", Value{}, `null`, `null`},
		{"string", StringVal("a \"b\""), `"a \"b\""`, `"a \"b\""`},
		{"control", StringVal("a\x1b[2J\n\u009b\u2028"), `"a\u001b[2J\n\u009b\u2028"`, `"a\x1b[2J\n\u009b\u2028"`},
		{"html", StringVal("<a&b>"), `"<a&b>"`, `"<a&b>"`},
		{"unicode", StringVal("Zoë 日本"), `"Zoë 日本"`, `"Zoë 日本"`},
		{"bidi", StringVal("a\u202eb"), `"a` + "\u202e" + `b"`, `"a\u202eb"`},
		{"invalid utf8", StringVal("a\xffb"), `"a�b"`, `"a�b"`},
		{"int", IntVal(-42), `-42`, `-42`},
		{"max int", IntVal(math.MaxInt64), `9223372036854775807`, `9223372036854775807`},
		{"float", FloatVal(1.5), `1.5`, `1.5`},
		{"integral float", FloatVal(3), `3.0`, `3.0`},
		{"big float", FloatVal(1e21), `1e+21`, `1e+21`},
		{"small float", FloatVal(1e-7), `1e-7`, `1e-7`},
		{"negative zero", FloatVal(math.Copysign(0, -1)), `-0.0`, `-0.0`},
		{"NaN", FloatVal(math.NaN()), `"NaN"`, `"NaN"`},
		{"inf", FloatVal(math.Inf(-1)), `"-Inf"`, `"-Inf"`},
		{"true", BoolVal(true), `true`, `true`},
		{"false", BoolVal(false), `false`, `false`},
		{"list", ListVal("a", "b\t"), `["a","b\t"]`, `["a", "b\t"]`},
		{"empty list", ListVal(), `[]`, `[]`},
		{"time", TimeVal(time.Date(2026, 1, 2, 4, 4, 5, 600, time.FixedZone("X", 3600))), `"2026-01-02T03:04:05.0000006Z"`, `"2026-01-02T03:04:05.0000006Z"`},
		{"zero time", TimeVal(time.Time{}), `null`, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.v.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.json {
				t.Errorf("JSON = %s, want %s", b, tt.json)
			}
			if got := tt.v.String(); got != tt.text {
				t.Errorf("text = %s, want %s", got, tt.text)
			}
			var back Value
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("reading %s back: %v", b, err)
			}
			if !back.Equal(tt.v) {
				t.Errorf("read back %s as %#v (%s), want %s", b, back, back.Kind(), tt.v.Kind())
			}
		})
	}
}

func TestValueUnmarshalErrors(t *testing.T) {
	for _, in := range []string{`{}`, `[1]`, `[null]`, `1e400`, `nul`, `"a`, `-`, `tru`} {
		var v Value
		if err := json.Unmarshal([]byte(in), &v); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want an error", in, v)
		}
	}
	var v Value
	if err := json.Unmarshal([]byte(`18446744073709551616`), &v); err != nil || v.Kind() != KindFloat {
		t.Errorf("an integer too large for int64 = %v (%s), %v; want a float", v, v.Kind(), err)
	}
}

func TestValueOf(t *testing.T) {
	tm := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   any
		want Value
	}{
		{nil, NullVal()},
		{"s", StringVal("s")},
		{true, BoolVal(true)},
		{int(1), IntVal(1)},
		{int8(-2), IntVal(-2)},
		{int32(3), IntVal(3)},
		{uint16(4), IntVal(4)},
		{uint64(5), IntVal(5)},
		{float32(0.5), FloatVal(0.5)},
		{2.25, FloatVal(2.25)},
		{tm, StringVal("2026-01-02T03:04:05Z")},
		{[]string{"a"}, ListVal("a")},
		{[]string(nil), NullVal()},
		{IntVal(7), IntVal(7)},
	}
	for _, tt := range tests {
		got, err := ValueOf(tt.in)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ValueOf(%#v) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []any{uint64(math.MaxUint64), &tm, []int{1}, map[string]string{}} {
		if v, err := ValueOf(bad); err == nil {
			t.Errorf("ValueOf(%#v) = %v, want an error", bad, v)
		}
	}
}

func TestValueAccessors(t *testing.T) {
	l := []string{"a", "b"}
	v := ListVal(l...)
	l[0] = "changed"
	got, ok := v.AsList()
	if !ok || !cmp.Equal(got, []string{"a", "b"}) {
		t.Errorf("AsList = %v, %v", got, ok)
	}
	got[1] = "changed"
	if again, _ := v.AsList(); again[1] != "b" {
		t.Error("AsList shares the value's storage")
	}
	if s, ok := StringVal("x").AsString(); !ok || s != "x" {
		t.Error("AsString")
	}
	if _, ok := IntVal(1).AsString(); ok {
		t.Error("AsString of an int")
	}
	if i, ok := IntVal(-3).AsInt(); !ok || i != -3 {
		t.Error("AsInt")
	}
	if f, ok := FloatVal(2.5).AsFloat(); !ok || f != 2.5 {
		t.Error("AsFloat")
	}
	if b, ok := BoolVal(true).AsBool(); !ok || !b {
		t.Error("AsBool")
	}
	if !NullVal().IsNull() || IntVal(0).IsNull() {
		t.Error("IsNull")
	}
	if IntVal(1).Equal(FloatVal(1)) || !FloatVal(0).Equal(FloatVal(math.Copysign(0, -1))) || !ListVal().Equal(Value{kind: KindList}) {
		t.Error("Equal")
	}
	for _, tt := range []struct {
		v    Value
		want any
	}{{NullVal(), nil}, {StringVal("s"), "s"}, {IntVal(1), int64(1)}, {FloatVal(1), 1.0}, {BoolVal(false), false}, {ListVal("a"), []string{"a"}}} {
		if got := tt.v.Interface(); !cmp.Equal(got, tt.want) {
			t.Errorf("Interface() = %#v, want %#v", got, tt.want)
		}
	}
}
