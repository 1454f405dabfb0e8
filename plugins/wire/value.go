package wire

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
)

// NewValue encodes a setting value or a feedback field: nil, a string, an
// integer, a float, a bool, a time.Time, a []string or a
// map[string]string.
func NewValue(v any) (*Value, error) {
	switch x := v.(type) {
	case nil:
		return &Value{}, nil
	case string:
		return &Value{Kind: &Value_StringValue{StringValue: x}}, nil
	case int64:
		return &Value{Kind: &Value_IntValue{IntValue: x}}, nil
	case int:
		return &Value{Kind: &Value_IntValue{IntValue: int64(x)}}, nil
	case int32:
		return &Value{Kind: &Value_IntValue{IntValue: int64(x)}}, nil
	case float64:
		return &Value{Kind: &Value_FloatValue{FloatValue: x}}, nil
	case float32:
		return &Value{Kind: &Value_FloatValue{FloatValue: float64(x)}}, nil
	case bool:
		return &Value{Kind: &Value_BoolValue{BoolValue: x}}, nil
	case time.Time:
		return &Value{Kind: &Value_TimeValue{TimeValue: timestamppb.New(x)}}, nil
	case []string:
		return &Value{Kind: &Value_StringList{StringList: &StringList{Values: x}}}, nil
	case map[string]string:
		return &Value{Kind: &Value_StringMap{StringMap: &StringMap{Values: x}}}, nil
	}
	return nil, fmt.Errorf("a value of type %T cannot be sent to or from a plugin", v)
}

// Go returns the value as NewValue took it: int64 for every integer,
// float64 for every float, a UTC time.Time; nil for null.
func (v *Value) Go() any {
	switch k := v.GetKind().(type) {
	case *Value_StringValue:
		return k.StringValue
	case *Value_IntValue:
		return k.IntValue
	case *Value_FloatValue:
		return k.FloatValue
	case *Value_BoolValue:
		return k.BoolValue
	case *Value_TimeValue:
		return k.TimeValue.AsTime()
	case *Value_StringList:
		if k.StringList.GetValues() == nil {
			return []string{}
		}
		return k.StringList.GetValues()
	case *Value_StringMap:
		if k.StringMap.GetValues() == nil {
			return map[string]string{}
		}
		return k.StringMap.GetValues()
	}
	return nil
}

// NewValues encodes a map of values.
func NewValues(m map[string]any) (map[string]*Value, error) {
	out := make(map[string]*Value, len(m))
	for k, v := range m {
		wv, err := NewValue(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = wv
	}
	return out, nil
}

// GoValues decodes a map of values.
func GoValues(m map[string]*Value) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v.Go()
	}
	return out
}

// Time encodes t; the zero time is nil (not set).
func Time(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// GoTime decodes a time; nil is the zero time.
func GoTime(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}
