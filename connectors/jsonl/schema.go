package jsonl

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-sync/sluice/connectors/internal/column"
	"github.com/sluice-sync/sluice/connectors/sdk"
)

// table is a file's inferred shape.
type table struct {
	names  []string
	index  map[string]int
	types  []column.Type
	stream sdk.Stream
	// Indexes of the id, cursor and deleted members; -1 when absent.
	id, cursor, deleted int
	// The file's size and modification time when it was inferred.
	size int64
	mod  time.Time
}

// seen gathers what inference saw of one member's values.
type seen struct {
	kinds   uint8 // bits: 1 string, 2 number, 4 bool, 8 array of strings, 16 other
	nonInt  bool  // a number that is not an int64
	nonTime bool  // a non-empty string that is not a time
	times   bool  // a non-empty string that is a time
}

const (
	sawString = 1 << iota
	sawNumber
	sawBool
	sawStrings
	sawOther
)

func (s *seen) add(v *val) {
	switch v.kind {
	case kString:
		s.kinds |= sawString
		if len(v.text) > 0 && !s.nonTime {
			if _, ok := column.ParseTime(v.text); ok {
				s.times = true
			} else {
				s.nonTime = true
			}
		}
	case kNumber:
		s.kinds |= sawNumber
		if !s.nonInt && !column.CanonicalInt(v.text) {
			s.nonInt = true
		}
	case kTrue, kFalse:
		s.kinds |= sawBool
	case kStrings:
		s.kinds |= sawStrings
	case kObject, kArray:
		s.kinds |= sawOther
	}
}

// typ decides a member's type: int when every value is an integer
// number, float when every one is a number, bool when every one is a
// boolean, time when every one is a string holding a time (empty strings
// aside), []string when every one is an array of strings, else string.
func (s *seen) typ() column.Type {
	switch s.kinds {
	case sawNumber:
		if s.nonInt {
			return column.Float
		}
		return column.Int
	case sawBool:
		return column.Bool
	case sawString:
		if s.times && !s.nonTime {
			return column.Time
		}
	case sawStrings:
		return column.List
	}
	return column.String
}

// infer reads the whole file once. Members are the union of the lines'
// members, in order of first appearance. Lines that will be rejected are
// skipped.
func (c *conn) infer(ctx context.Context) (*table, error) {
	f, err := os.Open(c.path)
	if err != nil {
		return nil, fmt.Errorf("jsonl: %w", err)
	}
	defer f.Close()
	t := &table{index: map[string]int{}, id: -1, cursor: -1, deleted: -1}
	var stats []seen
	var d decoder
	ls := newLines(f)
	for {
		line, ok := ls.next()
		if !ok {
			break
		}
		if ls.n%65536 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if ls.tooLong || len(bytes.TrimSpace(line)) == 0 || !utf8.Valid(line) || d.decode(line) != nil {
			continue
		}
		for k, key := range d.keys {
			i, ok := t.index[string(key)]
			if !ok {
				i = len(t.names)
				t.names = append(t.names, string(key))
				t.index[t.names[i]] = i
				stats = append(stats, seen{})
			}
			stats[i].add(&d.vals[k])
		}
	}
	if ls.err != nil {
		return nil, fmt.Errorf("jsonl %s: %w", c.path, ls.err)
	}
	for col := range c.types {
		if _, ok := t.index[col]; !ok {
			return nil, fmt.Errorf("jsonl %s: the types setting names member %q, which no line has", c.path, col)
		}
	}
	for _, role := range []struct {
		name string
		at   *int
		what string
	}{{c.id, &t.id, "id"}, {c.cursor, &t.cursor, "cursor"}, {c.deleted, &t.deleted, "deleted"}} {
		if role.name == "" {
			continue
		}
		i, ok := t.index[role.name]
		if !ok {
			return nil, fmt.Errorf("jsonl %s: no line has the %s member %q", c.path, role.what, role.name)
		}
		*role.at = i
	}
	t.types = make([]column.Type, len(t.names))
	fields := make([]arrow.Field, len(t.names))
	for i, name := range t.names {
		typ, ok := c.types[name]
		switch {
		case ok:
		case i == t.cursor:
			typ = column.Time
		default:
			typ = stats[i].typ()
		}
		if i == t.id && typ != column.Int {
			typ = column.String // ids are strings or integers
		}
		t.types[i] = typ
		fields[i] = arrow.Field{Name: name, Type: typ.Arrow(), Nullable: i != t.id}
	}
	t.stream = sdk.Stream{
		Name:        c.streamName(),
		Schema:      arrow.NewSchema(fields, nil),
		IDField:     c.id,
		CursorField: c.cursor,
		Tombstones:  c.deleted != "",
	}
	return t, nil
}
