package jsonl

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"unicode/utf8"

	"github.com/sluice-sync/sluice/connectors/internal/column"
	"github.com/sluice-sync/sluice/connectors/sdk"
)

// Read streams the file's lines as batches of at most req.BatchRows rows
// (DefaultBatchRows when 0), in file order. Lines whose deleted member is
// true go to out.Tombstones, lines that cannot be read to out.Reject with
// their line number, and lines whose cursor is before req.Since are
// skipped (lines without a cursor value are kept). The schema is the one
// Discover returned (Read infers it first when Discover was not called);
// members it does not know are ignored.
func (c *conn) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadSink) error {
	if !c.knows(req.Stream) {
		return fmt.Errorf("jsonl %s: no stream %q; the file's only stream is %q", c.path, req.Stream, c.streamName())
	}
	if req.View != "" {
		return fmt.Errorf("jsonl %s: a JSON lines file has no views (asked for %q)", c.path, req.View)
	}
	t, err := c.discover(ctx, false)
	if err != nil {
		return err
	}
	f, err := os.Open(c.path)
	if err != nil {
		return fmt.Errorf("jsonl: %w", err)
	}
	defer f.Close()
	batch := req.BatchRows
	if batch <= 0 {
		batch = DefaultBatchRows
	}
	b := column.NewBuilder(t.stream.Schema, t.types, batch, out)
	defer b.Release()
	r := &reader{t: t, b: b, out: out, keys: keyIndex{t: t}, slots: make([]*val, len(t.names)), text: make([][]byte, len(t.names))}
	if !req.Since.IsZero() {
		r.hasSince, r.since = true, req.Since.UnixMicro()
	}
	ls := newLines(f)
	for {
		line, ok := ls.next()
		if !ok {
			break
		}
		if ls.n&8191 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if err := r.line(ls.n, line, ls.tooLong); err != nil {
			return err
		}
	}
	if ls.err != nil {
		return fmt.Errorf("jsonl %s: %w", c.path, ls.err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return b.Close()
}

// reader turns decoded lines into rows of a column.Builder.
type reader struct {
	t        *table
	b        *column.Builder
	out      sdk.ReadSink
	d        decoder
	keys     keyIndex
	slots    []*val   // the current line's value of each member; nil when absent
	text     [][]byte // the text of each string member
	hasSince bool
	since    int64 // microseconds
}

func (r *reader) reject(n int, id []byte, reason string) error {
	rej := sdk.RejectedRow{Position: fmt.Sprintf("line %d", n), Reason: reason}
	if id != nil {
		rej.ID = string(id)
	}
	return r.out.Reject(rej)
}

var (
	textTrue  = []byte("true")
	textFalse = []byte("false")
)

// line handles one line: a row, a tombstone, a reject or nothing (blank,
// or before since).
func (r *reader) line(n int, line []byte, tooLong bool) error {
	t, cols := r.t, r.b.Cols
	switch {
	case tooLong:
		return r.reject(n, nil, "line longer than 64 MiB")
	case len(bytes.TrimSpace(line)) == 0:
		return nil
	case !utf8.Valid(line):
		return r.reject(n, nil, "invalid UTF-8")
	}
	if err := r.d.decode(line); err != nil {
		return r.reject(n, nil, err.Error())
	}
	clear(r.slots)
	for k, key := range r.d.keys {
		i := r.keys.lookup(k, key)
		if i < 0 {
			continue
		}
		if r.slots[i] != nil {
			return r.reject(n, nil, fmt.Sprintf("member %q appears twice", t.names[i]))
		}
		r.slots[i] = &r.d.vals[k]
	}
	var id []byte
	if v := r.slots[t.id]; v != nil && (v.kind == kString || v.kind == kNumber) {
		id = v.text
	}
	if len(column.TrimSpace(id)) == 0 {
		return r.reject(n, nil, fmt.Sprintf("the id member %q is missing, empty or not a string or number", t.names[t.id]))
	}
	if t.deleted >= 0 && truthy(r.slots[t.deleted]) {
		if r.hasSince && t.cursor >= 0 {
			if v := r.slots[t.cursor]; v != nil && v.kind == kString {
				if at, ok := column.ParseTime(column.TrimSpace(v.text)); ok && at < r.since {
					return nil
				}
			}
		}
		return r.b.Tombstone(id)
	}
	for i := range cols {
		if reason := r.set(&cols[i], i, r.slots[i]); reason != "" {
			return r.reject(n, id, fmt.Sprintf("member %q: %s", cols[i].Name, reason))
		}
	}
	if r.hasSince && t.cursor >= 0 && !cols[t.cursor].Null && cols[t.cursor].Int < r.since {
		return nil
	}
	return r.b.Append(r.text)
}

// truthy reports whether a deleted member's value marks a tombstone.
func truthy(v *val) bool {
	if v == nil {
		return false
	}
	switch v.kind {
	case kTrue:
		return true
	case kString, kNumber:
		return column.Truthy(v.text)
	}
	return false
}

// set sets column c's value for the current line from v (nil: absent),
// returning why it cannot when it cannot.
func (r *reader) set(c *column.Column, i int, v *val) string {
	if v == nil || v.kind == kNull {
		c.Null = true
		return ""
	}
	c.Null = false
	switch c.Type {
	case column.String:
		switch v.kind {
		case kTrue:
			r.text[i] = textTrue
		case kFalse:
			r.text[i] = textFalse
		default:
			r.text[i] = v.text // a string, a number's literal, raw JSON
		}
		return ""
	case column.Int:
		switch v.kind {
		case kNumber:
			if x, ok := column.ParseInt(v.text); ok {
				c.Int = x
				return ""
			}
			// An integral value written as 1.0 or 1e3 is still an int.
			f, ok := column.ParseFloat(v.text)
			if ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
				c.Int = int64(f)
				return ""
			}
		case kString:
			if c.Parse(v.text) {
				return ""
			}
		}
	case column.Float:
		if v.kind == kNumber || v.kind == kString {
			if c.Parse(v.text) {
				return ""
			}
		}
	case column.Bool:
		switch v.kind {
		case kTrue, kFalse:
			c.Bool = v.kind == kTrue
			return ""
		case kString, kNumber:
			if c.Parse(v.text) {
				return ""
			}
		}
	case column.Time:
		if v.kind == kString && c.Parse(v.text) {
			return ""
		}
	case column.List:
		switch v.kind {
		case kStrings:
			c.Items = append(c.Items[:0], v.items...)
			return ""
		case kString:
			c.Parse(v.text)
			return ""
		}
	}
	return fmt.Sprintf("%s is not %s", shown(v), c.Type.What())
}

// shown renders a value for a reason.
func shown(v *val) string {
	switch v.kind {
	case kString:
		return column.Quote(v.text)
	case kTrue:
		return "true"
	case kFalse:
		return "false"
	case kNull:
		return "null"
	}
	if len(v.text) > 64 {
		return string(v.text[:64]) + "…"
	}
	return string(v.text)
}

// keyIndex finds members' columns by name. Lines of a file mostly list
// their members in one order, so it first tries the column the member at
// the same position had on the previous line, and only then the map.
type keyIndex struct {
	t    *table
	last []int // by position in the line: the column found there last time
}

// lookup returns the column of key, the k-th member of a line, or -1.
func (x *keyIndex) lookup(k int, key []byte) int {
	if k < len(x.last) {
		if i := x.last[k]; i >= 0 && x.t.names[i] == string(key) {
			return i
		}
	} else {
		x.last = append(x.last, make([]int, k+1-len(x.last))...)
	}
	i, ok := x.t.index[string(key)]
	if !ok {
		i = -1
	}
	x.last[k] = i
	return i
}
