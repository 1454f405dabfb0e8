package csv

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
	header []string
	types  []column.Type
	stream sdk.Stream
	// Indexes of the id, cursor and deleted columns; -1 when absent.
	id, cursor, deleted int
	// The file's size and modification time when it was inferred.
	size int64
	mod  time.Time
}

// Candidate types of a column during inference, as bits.
const (
	maybeInt = 1 << iota
	maybeFloat
	maybeBool
	maybeTime
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// readHeader reads the header line and checks its names.
func readHeader(sc *scanner, path string) ([]string, error) {
	if !sc.next() {
		if err := sc.readErr(); err != nil {
			return nil, fmt.Errorf("csv %s: %w", path, err)
		}
		return nil, fmt.Errorf("csv %s: the file is empty; it needs a header line", path)
	}
	if sc.err != "" {
		return nil, fmt.Errorf("csv %s: line %d (the header): %s", path, sc.start, sc.err)
	}
	if !utf8.Valid(sc.field(sc.raw)) {
		return nil, fmt.Errorf("csv %s: line %d (the header): invalid UTF-8", path, sc.start)
	}
	fields := sc.fields(nil)
	header := make([]string, len(fields))
	seen := map[string]int{}
	for i, f := range fields {
		if i == 0 {
			f = bytes.TrimPrefix(f, bom)
		}
		name := string(f)
		if name == "" {
			return nil, fmt.Errorf("csv %s: the header's column %d has no name", path, i+1)
		}
		if j, dup := seen[name]; dup {
			return nil, fmt.Errorf("csv %s: the header names column %q twice (columns %d and %d)", path, name, j+1, i+1)
		}
		seen[name] = i
		header[i] = name
	}
	return header, nil
}

// infer reads the whole file once and types each column: int when every
// non-empty value is an integer (without leading zeros or '+'), float
// when every one is a number, bool when every one is true or false, time
// when every one is RFC 3339 or "2006-01-02 15:04:05", else string. A
// column with no non-empty value is a string. Malformed rows are skipped
// here; Read rejects them.
func (c *conn) infer(ctx context.Context) (*table, error) {
	f, err := os.Open(c.path)
	if err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	defer f.Close()
	sc := newScanner(f, c.comma)
	header, err := readHeader(sc, c.path)
	if err != nil {
		return nil, err
	}
	t := &table{header: header, types: make([]column.Type, len(header)), id: -1, cursor: -1, deleted: -1}
	index := map[string]int{}
	for i, h := range header {
		index[h] = i
	}
	for col := range c.types {
		if _, ok := index[col]; !ok {
			return nil, fmt.Errorf("csv %s: the types setting names column %q, which the header does not have", c.path, col)
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
		i, ok := index[role.name]
		if !ok {
			return nil, fmt.Errorf("csv %s: the %s column %q is not in the header", c.path, role.what, role.name)
		}
		*role.at = i
	}

	// Columns still being inferred, with their candidate bits.
	maybe := make([]uint8, len(header))
	seen := make([]bool, len(header))
	var open []int
	for i, h := range header {
		if typ, ok := c.types[h]; ok {
			t.types[i] = typ
			continue
		}
		if i == t.cursor {
			t.types[i] = column.Time
			continue
		}
		maybe[i] = maybeInt | maybeFloat | maybeBool | maybeTime
		open = append(open, i)
	}
	rows := 0
	var fields [][]byte
	for len(open) > 0 && sc.next() {
		if rows++; rows%65536 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if sc.err != "" || len(sc.spans) != len(header) || !utf8.Valid(sc.field(sc.raw)) {
			continue
		}
		fields = sc.fields(fields[:0])
		keep := open[:0]
		for _, i := range open {
			v := fields[i]
			if len(v) > 0 {
				seen[i] = true
				m := maybe[i]
				if m&maybeInt != 0 && !column.CanonicalInt(v) {
					m &^= maybeInt
				}
				if m&maybeFloat != 0 && !column.CanonicalFloat(v) {
					m &^= maybeFloat
				}
				if m&maybeBool != 0 && !column.BoolWord(v) {
					m &^= maybeBool
				}
				if m&maybeTime != 0 {
					if _, ok := column.ParseTime(v); !ok {
						m &^= maybeTime
					}
				}
				maybe[i] = m
				if m == 0 {
					continue // a string: no need to look further
				}
			}
			keep = append(keep, i)
		}
		open = keep
	}
	if err := sc.readErr(); err != nil {
		return nil, fmt.Errorf("csv %s: %w", c.path, err)
	}
	for i := range header {
		if t.types[i] != 0 {
			continue
		}
		m := maybe[i]
		switch {
		case !seen[i] || m == 0:
			t.types[i] = column.String
		case m&maybeInt != 0:
			t.types[i] = column.Int
		case m&maybeFloat != 0:
			t.types[i] = column.Float
		case m&maybeBool != 0:
			t.types[i] = column.Bool
		default:
			t.types[i] = column.Time
		}
	}
	if t.id >= 0 && t.types[t.id] != column.Int {
		t.types[t.id] = column.String // ids are strings or integers
	}

	afs := make([]arrow.Field, len(header))
	for i, h := range header {
		afs[i] = arrow.Field{Name: h, Type: t.types[i].Arrow(), Nullable: i != t.id}
	}
	t.stream = sdk.Stream{
		Name:        c.streamName(),
		Schema:      arrow.NewSchema(afs, nil),
		IDField:     c.id,
		CursorField: c.cursor,
		Tombstones:  c.deleted != "",
	}
	return t, nil
}
