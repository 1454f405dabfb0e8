package column

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// Column is one column of a Builder: its name and type, and the value of
// the row being assembled. A source sets the value of every column (with
// Parse, or the exported fields directly) and then calls Builder.Append;
// nothing is appended to any column before that, so a row found bad
// half-way leaves the batch untouched.
type Column struct {
	Name string
	Type Type

	// The current row's value. Null applies to every type; the other
	// fields to their types: Int for Int, and for Time in microseconds
	// since the Unix epoch; Items for List. A String column's value is
	// passed to Append.
	Null  bool
	Int   int64
	Float float64
	Bool  bool
	Items [][]byte

	str  *strBuf
	bld  array.Builder
	i64  *array.Int64Builder
	f64  *array.Float64Builder
	boo  *array.BooleanBuilder
	ts   *array.TimestampBuilder
	list *array.ListBuilder
	item *array.StringBuilder
}

// Parse sets the column's value from text, reporting whether text is a
// value of the column's type: an integer, a number, a boolean (true,
// false, yes, no, 1, 0 in any case) or a time as ParseTime reads it; for
// a List, items separated by ';', trimmed, empty ones dropped. Spaces
// around a value are ignored and an empty value is null, except for a
// String column, whose text is taken as is by Append and never parsed.
func (c *Column) Parse(text []byte) bool {
	if c.Type == String {
		c.Null = false
		return true
	}
	text = TrimSpace(text)
	c.Null = len(text) == 0
	if c.Null {
		return true
	}
	var ok bool
	switch c.Type {
	case Int:
		c.Int, ok = ParseInt(text)
	case Float:
		c.Float, ok = ParseFloat(text)
	case Bool:
		c.Bool, ok = ParseBool(text)
	case Time:
		c.Int, ok = ParseTime(text)
	case List:
		c.Items = SplitList(c.Items[:0], text)
		ok = true
	}
	return ok
}

// SplitList appends to dst the items of a multi-select value: text split
// at ';', each item trimmed, empty items dropped.
func SplitList(dst [][]byte, text []byte) [][]byte {
	for len(text) > 0 {
		item := text
		if j := indexByte(text, ';'); j >= 0 {
			item, text = text[:j], text[j+1:]
		} else {
			text = nil
		}
		if item = TrimSpace(item); len(item) > 0 {
			dst = append(dst, item)
		}
	}
	return dst
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// Builder builds record batches of a fixed schema row by row and hands
// each full batch to a ReadSink, then releases it: a sink that keeps a
// batch must Retain it. It also batches tombstones. It is not safe for
// concurrent use.
//
// String columns, the bulk of most data, are written straight into Arrow
// buffers (offsets, bytes and, only once a null appears, a validity
// bitmap); the other columns use Arrow's builders, reused from batch to
// batch.
type Builder struct {
	Cols   []Column
	schema *arrow.Schema
	mem    memory.Allocator
	out    sdk.ReadSink
	batch  int
	rows   int // rows in the current batch
	bytes  int // string bytes in the current batch
	tomb   []string
}

// maxBatchBytes ends a batch early so that string offsets (int32) cannot
// overflow.
const maxBatchBytes = 1 << 30

// NewBuilder returns a builder of batches of at most batch rows for
// schema, whose fields have the given types, sending them to out.
func NewBuilder(schema *arrow.Schema, types []Type, batch int, out sdk.ReadSink) *Builder {
	b := &Builder{schema: schema, mem: memory.DefaultAllocator, out: out, batch: max(batch, 1)}
	b.Cols = make([]Column, len(types))
	for i := range b.Cols {
		c := &b.Cols[i]
		c.Name, c.Type = schema.Field(i).Name, types[i]
		if c.Type == String {
			c.str = &strBuf{}
			continue
		}
		c.bld = array.NewBuilder(b.mem, c.Type.Arrow())
		switch cb := c.bld.(type) {
		case *array.Int64Builder:
			c.i64 = cb
		case *array.Float64Builder:
			c.f64 = cb
		case *array.BooleanBuilder:
			c.boo = cb
		case *array.TimestampBuilder:
			c.ts = cb
		case *array.ListBuilder:
			c.list = cb
			c.item = cb.ValueBuilder().(*array.StringBuilder)
		}
	}
	b.reserve()
	return b
}

// reserve sizes the buffers of a new batch.
func (b *Builder) reserve() {
	for i := range b.Cols {
		if c := &b.Cols[i]; c.bld != nil {
			c.bld.Reserve(b.batch)
		} else {
			c.str.reset(b.mem, b.batch)
		}
	}
}

// Append appends the current row: the values set in the columns, and
// for each String column its text (text[i]; ignored for other columns
// and when the column is Null). A full batch goes to the sink, whose
// error Append returns.
func (b *Builder) Append(text [][]byte) error {
	for i := range b.Cols {
		c := &b.Cols[i]
		switch c.Type {
		case String:
			if c.Null {
				c.str.appendNull()
			} else {
				c.str.append(text[i])
				b.bytes += len(text[i])
			}
		case Int:
			if c.Null {
				c.i64.AppendNull()
			} else {
				c.i64.UnsafeAppend(c.Int)
			}
		case Float:
			if c.Null {
				c.f64.AppendNull()
			} else {
				c.f64.UnsafeAppend(c.Float)
			}
		case Bool:
			if c.Null {
				c.boo.AppendNull()
			} else {
				c.boo.UnsafeAppend(c.Bool)
			}
		case Time:
			if c.Null {
				c.ts.AppendNull()
			} else {
				c.ts.UnsafeAppend(arrow.Timestamp(c.Int))
			}
		case List:
			if c.Null {
				c.list.AppendNull()
				continue
			}
			c.list.Append(true)
			for _, item := range c.Items {
				c.item.BinaryBuilder.Append(item)
				b.bytes += len(item)
			}
		}
	}
	b.rows++
	if b.rows == b.batch || b.bytes >= maxBatchBytes {
		return b.flush(true)
	}
	return nil
}

// Flush sends the rows appended so far, if any, as one batch.
func (b *Builder) Flush() error { return b.flush(true) }

// flush sends the rows appended so far; with more, it readies the
// buffers of the next batch.
func (b *Builder) flush(more bool) error {
	if b.rows == 0 {
		return nil
	}
	arrs := make([]arrow.Array, len(b.Cols))
	for i := range b.Cols {
		if c := &b.Cols[i]; c.bld != nil {
			arrs[i] = c.bld.NewArray()
		} else {
			arrs[i] = c.str.finish()
		}
	}
	rec := array.NewRecordBatch(b.schema, arrs, int64(b.rows))
	for _, a := range arrs {
		a.Release()
	}
	b.rows, b.bytes = 0, 0
	if more {
		b.reserve()
	}
	err := b.out.Batch(rec)
	rec.Release()
	return err
}

// Tombstone adds the id of a record deleted at the source; ids go to the
// sink in batches of the builder's size.
func (b *Builder) Tombstone(id []byte) error {
	b.tomb = append(b.tomb, string(id))
	if len(b.tomb) >= b.batch {
		return b.flushTombstones()
	}
	return nil
}

func (b *Builder) flushTombstones() error {
	if len(b.tomb) == 0 {
		return nil
	}
	err := b.out.Tombstones(b.tomb)
	b.tomb = nil // the sink may keep the slice
	return err
}

// Close sends what is left: the last rows and tombstones. Append must not
// be called after it.
func (b *Builder) Close() error {
	if err := b.flush(false); err != nil {
		return err
	}
	return b.flushTombstones()
}

// Release frees the builder's buffers. It is safe to call more than once.
func (b *Builder) Release() {
	for i := range b.Cols {
		c := &b.Cols[i]
		if c.bld != nil {
			c.bld.Release()
			c.bld = nil
		} else if c.str != nil {
			c.str.release()
		}
	}
}

// strBuf builds one string column of a batch: int32 offsets, the bytes,
// and a validity bitmap made at the first null.
type strBuf struct {
	mem             memory.Allocator
	off, data, nul  *memory.Buffer
	offs            []int32
	bytes, validity []byte
	n               int // bytes used
	rows, nulls     int
	last            int // bytes of the previous batch, to size the next
}

func (s *strBuf) reset(mem memory.Allocator, rows int) {
	s.release()
	s.mem = mem
	s.off = memory.NewResizableBuffer(mem)
	s.off.Resize((rows + 1) * 4)
	s.offs = arrow.Int32Traits.CastFromBytes(s.off.Bytes())
	s.offs[0] = 0
	s.data = memory.NewResizableBuffer(mem)
	s.data.Reserve(max(s.last+s.last/8, 4096))
	s.bytes = s.data.Buf()
	s.n, s.rows, s.nulls = 0, 0, 0
}

func (s *strBuf) append(v []byte) {
	if s.n+len(v) > len(s.bytes) {
		s.data.ResizeNoShrink(s.n)
		s.data.Reserve(2 * (s.n + len(v)))
		s.bytes = s.data.Buf()
	}
	s.n += copy(s.bytes[s.n:], v)
	if s.validity != nil {
		bitutil.SetBit(s.validity, s.rows)
	}
	s.rows++
	s.offs[s.rows] = int32(s.n)
}

func (s *strBuf) appendNull() {
	if s.validity == nil {
		s.nul = memory.NewResizableBuffer(s.mem)
		s.nul.Resize(int(bitutil.BytesForBits(int64(len(s.offs) - 1))))
		s.validity = s.nul.Bytes()
		clear(s.validity)
		bitutil.SetBitsTo(s.validity, 0, int64(s.rows), true)
	}
	s.nulls++
	s.rows++
	s.offs[s.rows] = int32(s.n)
}

// finish returns the column's array; the buffers pass to it.
func (s *strBuf) finish() arrow.Array {
	s.data.ResizeNoShrink(s.n)
	s.off.ResizeNoShrink((s.rows + 1) * 4)
	d := array.NewData(arrow.BinaryTypes.String, s.rows, []*memory.Buffer{s.nul, s.off, s.data}, nil, s.nulls, 0)
	a := array.MakeFromData(d)
	d.Release()
	s.last = s.n
	s.release()
	return a
}

func (s *strBuf) release() {
	for _, b := range []*memory.Buffer{s.off, s.data, s.nul} {
		if b != nil {
			b.Release()
		}
	}
	s.off, s.data, s.nul, s.offs, s.bytes, s.validity = nil, nil, nil, nil, nil, nil
}
