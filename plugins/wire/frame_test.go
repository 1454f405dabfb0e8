package wire

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
)

func batch(schema *arrow.Schema, from, n, pad int) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := from; i < from+n; i++ {
		b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("r%d", i))
		b.Field(1).(*array.StringBuilder).Append(strings.Repeat("x", pad))
	}
	return b.NewRecordBatch()
}

var schemaA = arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}, {Name: "pad", Type: arrow.BinaryTypes.String}}, nil)
var schemaB = arrow.NewSchema([]arrow.Field{{Name: "key", Type: arrow.BinaryTypes.String}, {Name: "pad", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)

// pipe is an in-memory stream of messages.
type pipe struct{ msgs []*FlightData }

func (p *pipe) send(fd *FlightData) error {
	// A copy, as gRPC serialises the message before Send returns.
	p.msgs = append(p.msgs, proto.Clone(fd).(*FlightData))
	return nil
}

func (p *pipe) recv() (*FlightData, error) {
	if len(p.msgs) == 0 {
		return nil, io.EOF
	}
	fd := p.msgs[0]
	p.msgs = p.msgs[1:]
	return fd, nil
}

func TestFrames(t *testing.T) {
	var p pipe
	const limit = 64 << 10
	w := NewFrameWriter(p.send, limit)
	write := func(rec arrow.RecordBatch) {
		t.Helper()
		defer rec.Release()
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	w.Meta([]byte("before"))
	write(batch(schemaA, 0, 3, 10))
	w.Meta([]byte("between"))
	write(batch(schemaA, 3, 200, 1000)) // 200 KB: split in parts under 64 KiB
	write(batch(schemaB, 203, 2, 5))    // a new schema: a new IPC stream
	w.Meta([]byte("after"))
	w.Meta([]byte("stop"))
	w.Meta([]byte("unread"))
	for _, fd := range p.msgs {
		if n := proto.Size(fd); n > limit {
			t.Errorf("a message of %d bytes", n)
		}
	}

	var log []string
	r := NewFrameReader(p.recv, func(meta []byte) (bool, error) {
		log = append(log, "meta "+string(meta))
		return string(meta) == "stop", nil
	})
	defer r.Release()
	next := 0
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ids := rec.Column(0).(*array.String)
		for i := 0; i < ids.Len(); i++ {
			if ids.Value(i) != fmt.Sprintf("r%d", next) {
				t.Fatalf("row %d is %s", next, ids.Value(i))
			}
			next++
		}
		log = append(log, fmt.Sprintf("batch %s", rec.Schema().Field(0).Name))
	}
	if next != 205 {
		t.Errorf("read %d rows, want 205", next)
	}
	if r.Rows != 205 || w.Rows != 205 || r.Batches != w.Batches || w.Batches < 6 {
		t.Errorf("counts: wrote %d in %d, read %d in %d", w.Rows, w.Batches, r.Rows, r.Batches)
	}
	// Collapse the parts of the split batch.
	var got []string
	for _, l := range log {
		if len(got) > 0 && l == got[len(got)-1] {
			continue
		}
		got = append(got, l)
	}
	want := []string{"meta before", "batch id", "meta between", "batch id", "batch key", "meta after", "meta stop"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if len(p.msgs) != 1 {
		t.Errorf("%d messages left after stop, want 1", len(p.msgs))
	}
}

func TestFrameRowTooLarge(t *testing.T) {
	var p pipe
	w := NewFrameWriter(p.send, 64<<10)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schemaA)
	for i := 0; i < 10; i++ {
		b.Field(0).(*array.StringBuilder).Append(fmt.Sprint(i))
		n := 10
		if i == 6 {
			n = 100 << 10
		}
		b.Field(1).(*array.StringBuilder).Append(strings.Repeat("x", n))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	err := w.Write(rec)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Row != 6 || tl.Limit != 64<<10 {
		t.Fatalf("got %v", err)
	}
	if w.Rows != 6 {
		t.Errorf("%d rows sent before the large one, want 6", w.Rows)
	}
	if got := err.Error(); got != "a record of 101.2 KiB is over the limit of 64.0 KiB for one message between sluice and a plugin" {
		t.Errorf("message: %s", got)
	}
}

func TestEmptyStream(t *testing.T) {
	var p pipe
	w := NewFrameWriter(p.send, 0)
	w.Meta([]byte("only"))
	r := NewFrameReader(p.recv, func([]byte) (bool, error) { return false, nil })
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("got %v, want io.EOF", err)
	}
	rec := batch(schemaA, 0, 0, 0)
	defer rec.Release()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	r = NewFrameReader(p.recv, func([]byte) (bool, error) { return false, nil })
	got, err := r.Next()
	if err != nil || got.NumRows() != 0 || !got.Schema().Equal(schemaA) {
		t.Errorf("an empty batch: %v, %v", got, err)
	}
}

func TestSchemaCodec(t *testing.T) {
	md := arrow.NewMetadata([]string{"k"}, []string{"v"})
	s := arrow.NewSchema([]arrow.Field{
		{Name: "t", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.BinaryTypes.String)},
	}, &md)
	got, err := DecodeSchema(EncodeSchema(s))
	if err != nil || !got.Equal(s) || !got.Metadata().Equal(s.Metadata()) {
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := DecodeSchema(nil); err == nil {
		t.Error("no error for no schema")
	}
}

func TestValues(t *testing.T) {
	for _, v := range []any{nil, "s", int64(3), 2.5, true, []string{"a"}, map[string]string{"a": "b"}} {
		wv, err := NewValue(v)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := proto.Marshal(wv)
		var back Value
		proto.Unmarshal(b, &back)
		if !cmp.Equal(v, back.Go()) {
			t.Errorf("%#v came back as %#v", v, back.Go())
		}
	}
	if _, err := NewValue(struct{}{}); err == nil {
		t.Error("a struct was accepted")
	}
}
