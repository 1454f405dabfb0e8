package sdk

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/protobuf/proto"

	"github.com/sluice-sync/sluice/plugins/wire"
)

// Read runs the connection's Read, sending what it reads as it comes:
// batches as Arrow frames, tombstones and rejected rows as ReadEvents, in
// the order the source produced them, then a final checkpoint.
func (s *server) Read(req *wire.ReadRequest, stream wire.Connector_ReadServer) error {
	c, err := s.conn(req.Connection)
	if err != nil {
		return err
	}
	rs := &readStream{fw: wire.NewFrameWriter(stream.Send, s.limit), limit: s.limit}
	src, ok := c.(Source)
	if !ok {
		err = unsupported("reading")
	} else {
		err = src.Read(stream.Context(), ReadRequest{
			Stream: req.Stream, View: req.View, Since: wire.GoTime(req.Since), BatchRows: int(req.BatchRows),
		}, rs)
	}
	if rs.sendErr != nil {
		return rs.sendErr // the host is gone or cancelled the read
	}
	return rs.event(&wire.ReadEvent{Event: &wire.ReadEvent_Checkpoint{Checkpoint: &wire.Checkpoint{
		Rows: rs.fw.Rows, Batches: rs.fw.Batches, Final: true, Error: errorToWire(err),
	}}})
}

// readStream is the ReadSink of a Read served to the host.
type readStream struct {
	fw      *wire.FrameWriter
	limit   int
	sendErr error // the stream failed: the source's error is not the cause
}

func (r *readStream) Batch(rec arrow.RecordBatch) error {
	before := r.fw.Rows
	err := r.fw.Write(rec)
	var tl *wire.TooLargeError
	switch {
	case errors.As(err, &tl):
		return fmt.Errorf("record %d of the read: %w", before+tl.Row+1, err)
	case err != nil:
		r.sendErr = err
	}
	return err
}

func (r *readStream) Tombstones(ids []string) error {
	// Sent in parts that stay well under the message size limit.
	for len(ids) > 0 {
		n, size := 0, 0
		for n < len(ids) && (n == 0 || size+len(ids[n])+8 < r.limit/2) {
			size += len(ids[n]) + 8
			n++
		}
		if err := r.event(&wire.ReadEvent{Event: &wire.ReadEvent_Tombstones{Tombstones: &wire.Tombstones{Ids: ids[:n]}}}); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

func (r *readStream) Reject(row RejectedRow) error {
	return r.event(&wire.ReadEvent{Event: &wire.ReadEvent_Reject{Reject: &wire.RejectedRow{
		Id: row.ID, Position: row.Position, Reason: row.Reason,
	}}})
}

func (r *readStream) event(ev *wire.ReadEvent) error {
	b, err := proto.Marshal(ev)
	if err != nil {
		return err
	}
	if err := r.fw.Meta(b); err != nil {
		var tl *wire.TooLargeError
		if !errors.As(err, &tl) {
			r.sendErr = err
		}
		return err
	}
	return nil
}
