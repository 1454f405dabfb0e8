package wire

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// messageOverhead is room left in each message, beyond an IPC message's
// header and body, for the FlightData fields' tags and lengths.
const messageOverhead = 1 << 10

// TooLargeError reports a record that cannot cross the boundary: on its
// own it makes a message over the size limit. It is never dropped
// silently.
type TooLargeError struct {
	Row   int64 // the row's index in the batch given to FrameWriter.Write
	Bytes int   // the size of the message holding it alone
	Limit int   // the message size limit
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("a record of %s is over the limit of %s for one message between sluice and a plugin",
		byteSize(e.Bytes), byteSize(e.Limit))
}

func byteSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// FrameWriter sends record batches as FlightData messages: an IPC stream
// whose first message is the schema, one IPC message per gRPC message. A
// batch too large for one message is split into smaller ones; only a
// single row over the limit is an error.
//
// A FrameWriter is not safe for concurrent use.
type FrameWriter struct {
	send  func(*FlightData) error
	limit int
	w     *ipc.Writer
	pw    payloadWriter
	// Rows and Batches count what was sent.
	Rows, Batches int64
}

// NewFrameWriter returns a writer calling send for each message, keeping
// each under limit bytes. send must not keep the message after it
// returns (gRPC's SendMsg serialises it before returning).
func NewFrameWriter(send func(*FlightData) error, limit int) *FrameWriter {
	if limit <= 0 {
		limit = DefaultMaxMessageBytes
	}
	fw := &FrameWriter{send: send, limit: limit}
	fw.pw.fw = fw
	return fw
}

// Write sends rec, split as needed. A *TooLargeError names the first row
// that cannot be sent; the rows before it were sent. rec is not retained.
func (w *FrameWriter) Write(rec arrow.RecordBatch) error {
	if w.w != nil && !w.pw.schema.Equal(rec.Schema()) {
		w.Reset() // a new schema starts a new IPC stream
	}
	if w.w == nil {
		w.pw.schema = rec.Schema()
		w.w = ipc.NewWriterWithPayloadWriter(&w.pw, ipc.WithSchema(rec.Schema()))
	}
	return w.write(rec, 0)
}

func (w *FrameWriter) write(rec arrow.RecordBatch, offset int64) error {
	w.pw.tooLarge = 0
	if err := w.w.Write(rec); err != nil {
		return err
	}
	if w.pw.tooLarge == 0 {
		w.Rows += rec.NumRows()
		w.Batches++
		return nil
	}
	n := rec.NumRows()
	if n <= 1 {
		return &TooLargeError{Row: offset, Bytes: w.pw.tooLarge, Limit: w.limit}
	}
	half := n / 2
	for _, part := range [2][2]int64{{0, half}, {half, n}} {
		s := rec.NewSlice(part[0], part[1])
		err := w.write(s, offset+part[0])
		s.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// Meta sends a message carrying only app metadata.
func (w *FrameWriter) Meta(meta []byte) error {
	if len(meta)+messageOverhead > w.limit {
		return &TooLargeError{Bytes: len(meta), Limit: w.limit}
	}
	return w.send(&FlightData{AppMetadata: meta})
}

// Reset ends the current IPC stream: the next Write starts a new one, with
// its schema.
func (w *FrameWriter) Reset() {
	if w.w != nil {
		w.w.Close()
		w.w = nil
	}
}

// payloadWriter sends each IPC payload as one FlightData message, or
// records its size in tooLarge instead when it is over the limit (the
// ipc.Writer stays usable, so the batch can be sent again in parts).
type payloadWriter struct {
	fw       *FrameWriter
	schema   *arrow.Schema
	body     bytes.Buffer
	tooLarge int
}

func (p *payloadWriter) Start() error { return nil }
func (p *payloadWriter) Close() error { return nil }

func (p *payloadWriter) WritePayload(pl ipc.Payload) error {
	meta := pl.Meta()
	defer meta.Release()
	p.body.Reset()
	if err := pl.SerializeBody(&p.body); err != nil {
		return err
	}
	if size := meta.Len() + p.body.Len() + messageOverhead; size > p.fw.limit {
		p.tooLarge = size
		return nil
	}
	return p.fw.send(&FlightData{DataHeader: meta.Bytes(), DataBody: p.body.Bytes()})
}

// FrameReader reads back what a FrameWriter sent: record batches, and
// messages carrying only app metadata, which it hands to a callback in
// stream order.
//
// A FrameReader is not safe for concurrent use.
type FrameReader struct {
	src messageSource
	rdr *ipc.Reader
	// Rows and Batches count what was read.
	Rows, Batches int64
}

// NewFrameReader returns a reader pulling messages with recv. meta
// receives each message's app metadata that has no IPC message; when it
// returns stop, the reader ends as if recv had returned io.EOF.
func NewFrameReader(recv func() (*FlightData, error), meta func(appMetadata []byte) (stop bool, err error)) *FrameReader {
	return &FrameReader{src: messageSource{recv: recv, meta: meta}}
}

// Next returns the next record batch, or nil and io.EOF at the end of the
// stream. The batch is valid until the next call of Next or Release; a
// caller keeping it must Retain it. Errors of recv and meta are returned
// as they are.
func (r *FrameReader) Next() (arrow.RecordBatch, error) {
	for {
		if r.rdr == nil {
			// A stream starts with its schema; none means no batches.
			msg, err := r.src.Message()
			if err != nil {
				return nil, err
			}
			if msg.Type() != ipc.MessageSchema {
				return nil, fmt.Errorf("the stream of record batches starts with a %s message, not its schema", msg.Type())
			}
			r.src.pending = msg
			if r.rdr, err = ipc.NewReaderFromMessageReader(&r.src); err != nil {
				return nil, err
			}
		}
		if r.rdr.Next() {
			rec := r.rdr.RecordBatch()
			r.Rows += rec.NumRows()
			r.Batches++
			return rec, nil
		}
		err := r.rdr.Err()
		r.rdr.Release()
		r.rdr = nil
		if err != nil {
			return nil, err
		}
		if r.src.pending == nil {
			return nil, io.EOF // the stream ended (a new schema would be pending)
		}
	}
}

// Release releases the current batch and the reader's resources.
func (r *FrameReader) Release() {
	if r.rdr != nil {
		r.rdr.Release()
		r.rdr = nil
	}
}

// messageSource is the ipc.MessageReader of a FrameReader. A schema
// message after the first ends the current IPC stream: it is kept pending
// to start the next one.
type messageSource struct {
	recv     func() (*FlightData, error)
	meta     func([]byte) (bool, error)
	pending  *ipc.Message
	inStream bool
	stopped  bool
}

func (m *messageSource) Message() (*ipc.Message, error) {
	if m.pending != nil {
		msg := m.pending
		m.pending = nil
		m.inStream = true
		return msg, nil
	}
	if m.stopped {
		return nil, io.EOF
	}
	for {
		fd, err := m.recv()
		if err != nil {
			return nil, err
		}
		if len(fd.DataHeader) == 0 {
			stop, err := m.meta(fd.AppMetadata)
			if err != nil {
				return nil, err
			}
			if stop {
				m.stopped = true
				return nil, io.EOF
			}
			continue
		}
		msg := ipc.NewMessage(memory.NewBufferBytes(fd.DataHeader), memory.NewBufferBytes(fd.DataBody))
		if msg.Type() == ipc.MessageSchema && m.inStream {
			m.pending = msg
			m.inStream = false
			return nil, io.EOF
		}
		return msg, nil
	}
}

func (m *messageSource) Retain()  {}
func (m *messageSource) Release() {}

// EncodeSchema returns schema as an IPC stream holding only the schema.
func EncodeSchema(schema *arrow.Schema) []byte {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	w.Close()
	return buf.Bytes()
}

// DecodeSchema is the inverse of EncodeSchema.
func DecodeSchema(b []byte) (*arrow.Schema, error) {
	if len(b) == 0 {
		return nil, errors.New("no schema")
	}
	r, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decoding a schema: %w", err)
	}
	defer r.Release()
	return r.Schema(), nil
}
