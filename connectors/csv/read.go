package csv

import (
	"context"
	"fmt"
	"os"
	"slices"
	"unicode/utf8"

	"github.com/sluice-sync/sluice/connectors/internal/column"
	"github.com/sluice-sync/sluice/connectors/sdk"
)

// Read streams the file's rows as batches of at most req.BatchRows rows
// (DefaultBatchRows when 0), in file order. Rows whose deleted column is
// true go to out.Tombstones (in batches of the same size), rows that
// cannot be read to out.Reject with their line, and rows whose cursor is
// before req.Since are skipped (rows without a cursor value are kept).
// The schema is the one Discover returned; when Discover was not called,
// Read infers it first, reading the file twice.
//
// Scanning runs in a goroutine of its own, ahead of the building of
// batches, which runs in the caller's goroutine with every call of out.
func (c *conn) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadSink) error {
	if !c.knows(req.Stream) {
		return fmt.Errorf("csv %s: no stream %q; the file's only stream is %q", c.path, req.Stream, c.streamName())
	}
	if req.View != "" {
		return fmt.Errorf("csv %s: a CSV file has no views (asked for %q)", c.path, req.View)
	}
	t, err := c.discover(ctx, false)
	if err != nil {
		return err
	}
	f, err := os.Open(c.path)
	if err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	defer f.Close()
	sc := newScanner(f, c.comma)
	header, err := readHeader(sc, c.path)
	if err != nil {
		return err
	}
	if !slices.Equal(header, t.header) {
		return fmt.Errorf("csv %s: the header changed since the file was discovered; run again", c.path)
	}
	batch := req.BatchRows
	if batch <= 0 {
		batch = DefaultBatchRows
	}
	b := column.NewBuilder(t.stream.Schema, t.types, batch, out)
	defer b.Release()
	r := &reader{t: t, b: b, out: out, path: c.path}
	if !req.Since.IsZero() {
		r.hasSince, r.since = true, req.Since.UnixMicro()
	}
	return r.run(ctx, sc)
}

// reader turns scanned records into rows of a column.Builder.
type reader struct {
	t        *table
	b        *column.Builder
	out      sdk.ReadSink
	path     string
	hasSince bool
	since    int64 // microseconds
}

func (r *reader) reject(line int, id []byte, reason string) error {
	rej := sdk.RejectedRow{Position: fmt.Sprintf("line %d", line), Reason: reason}
	if id != nil {
		rej.ID = string(id)
	}
	return r.out.Reject(rej)
}

// chunk is a run of scanned records and the buffers their fields are in.
// The scanning goroutine fills chunks; the building one consumes them and
// hands them back for reuse.
type chunk struct {
	buf, quoted []byte
	recs        []record
	spans       []span
	err         error // the read error that ended the input, in the last chunk
}

// record is one scanned record of a chunk.
type record struct {
	line  int
	first int32 // its fields are spans[first:first+n]
	n     int32
	err   string // a quoting error
	utf8  bool   // the record is valid UTF-8
}

func (c *chunk) field(sp span) []byte {
	if sp.q {
		return c.quoted[sp.a:sp.b:sp.b]
	}
	return c.buf[sp.a:sp.b:sp.b]
}

// inFlight bounds the chunks between the two goroutines.
const inFlight = 3

// scan runs the scanner, sending chunks of records to out until the
// input ends or stop is closed; it closes out when it returns. Scanning
// and UTF-8 checking run here, so they overlap with building batches and
// with the sink's work on them.
func scan(sc *scanner, out chan<- *chunk, free chan *chunk, stop <-chan struct{}) {
	defer close(out)
	stopped := false
	// The size of the last chunk, to size new ones; at first a guess of
	// records of 64 bytes and fields of 8.
	nrecs, nspans := len(sc.buf)/64, len(sc.buf)/8
	newChunk := func() *chunk {
		select {
		case c := <-free:
			c.recs, c.spans, c.err = c.recs[:0], c.spans[:0], nil
			return c
		default:
			return &chunk{recs: make([]record, 0, nrecs+nrecs/8), spans: make([]span, 0, nspans+nspans/8)}
		}
	}
	send := func(c *chunk) {
		nrecs, nspans = len(c.recs), len(c.spans)
		select {
		case out <- c:
		case <-stop:
			stopped = true
		}
	}
	cur, next := newChunk(), (*chunk)(nil)
	sc.swap = func(old []byte, size int) ([]byte, []byte) {
		if len(cur.recs) == 0 || stopped {
			// Nothing refers to old: keep using it.
			if size > len(old) {
				old = make([]byte, size)
			}
			return old, cur.quoted[:0]
		}
		next = newChunk()
		nb := next.buf
		if len(nb) < size {
			nb = make([]byte, size)
		}
		return nb, next.quoted[:0]
	}
	sc.handOver = func(old, quoted []byte) {
		if next == nil {
			return // a bigger buffer replaced one nothing referred to
		}
		cur.buf, cur.quoted = old, quoted
		send(cur)
		cur, next = next, nil
	}
	for !stopped && sc.next() {
		raw := sc.field(sc.raw)
		cur.recs = append(cur.recs, record{
			line:  sc.start,
			first: int32(len(cur.spans)),
			n:     int32(len(sc.spans)),
			err:   sc.err,
			utf8:  utf8.Valid(raw),
		})
		cur.spans = append(cur.spans, sc.spans...)
	}
	if stopped {
		return
	}
	cur.buf, cur.quoted, cur.err = sc.buf, sc.quoted, sc.readErr()
	send(cur)
}

func (r *reader) run(ctx context.Context, sc *scanner) error {
	chunks, free, stop := make(chan *chunk, inFlight), make(chan *chunk, inFlight+2), make(chan struct{})
	go scan(sc, chunks, free, stop)
	defer func() {
		// Stop the scanner and wait for it: the file closes after this.
		close(stop)
		for range chunks {
		}
	}()
	fields := make([][]byte, 0, len(r.t.header))
	for c := range chunks {
		if err := ctx.Err(); err != nil {
			return err
		}
		if c.err != nil {
			return fmt.Errorf("csv %s: %w", r.path, c.err)
		}
		for k := range c.recs {
			rec := &c.recs[k]
			fields = fields[:0]
			for _, sp := range c.spans[rec.first : rec.first+rec.n] {
				fields = append(fields, c.field(sp))
			}
			if err := r.row(rec, fields); err != nil {
				return err
			}
		}
		select {
		case free <- c:
		default:
		}
	}
	return r.b.Close()
}

// row handles one record: a row, a tombstone, a reject or nothing (before
// since).
func (r *reader) row(rec *record, fields [][]byte) error {
	t, cols := r.t, r.b.Cols
	switch {
	case rec.err != "":
		return r.reject(rec.line, nil, rec.err)
	case len(fields) != len(cols):
		return r.reject(rec.line, nil, fmt.Sprintf("%d fields, but the header has %d", len(fields), len(cols)))
	case !rec.utf8:
		return r.reject(rec.line, nil, r.badUTF8(fields))
	}
	id := fields[t.id]
	if len(column.TrimSpace(id)) == 0 {
		return r.reject(rec.line, nil, fmt.Sprintf("the id column %q is empty", cols[t.id].Name))
	}
	if t.deleted >= 0 && column.Truthy(fields[t.deleted]) {
		if r.hasSince && t.cursor >= 0 {
			if at, ok := column.ParseTime(column.TrimSpace(fields[t.cursor])); ok && at < r.since {
				return nil
			}
		}
		return r.b.Tombstone(id)
	}
	for i := range cols {
		if c := &cols[i]; c.Type != column.String && !c.Parse(fields[i]) {
			reason := fmt.Sprintf("field %q: %s is not %s", c.Name, column.Quote(column.TrimSpace(fields[i])), c.Type.What())
			return r.reject(rec.line, id, reason)
		}
	}
	if r.hasSince && t.cursor >= 0 && !cols[t.cursor].Null && cols[t.cursor].Int < r.since {
		return nil
	}
	return r.b.Append(fields)
}

func (r *reader) badUTF8(fields [][]byte) string {
	for i, f := range fields {
		if !utf8.Valid(f) {
			return fmt.Sprintf("field %q: invalid UTF-8", r.b.Cols[i].Name)
		}
	}
	return "invalid UTF-8"
}
