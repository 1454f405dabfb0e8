package sdk

import (
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/proto"

	"github.com/sluice-sync/sluice/plugins/wire"
)

// Write serves one connection's write stream: for each commit, the
// request, its frames and the commit marker come in; the sink writes each
// batch and one WriteResult goes back, with the refused rows numbered in
// the commit's rows. Commits are written one after another, in order.
func (s *server) Write(stream wire.Connector_WriteServer) error {
	ctrl, err := recvControl(stream)
	if err != nil {
		return err
	}
	open := ctrl.GetOpen()
	if open == nil {
		return errors.New("a write stream starts by naming its connection")
	}
	c, err := s.conn(open.Connection)
	if err != nil {
		return err
	}
	sink, _ := c.(Sink)
	for {
		ctrl, err := recvControl(stream)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		begin := ctrl.GetBegin()
		if begin == nil {
			return errors.New("a commit starts with its request")
		}
		res, err := s.commit(stream, sink, begin)
		if err != nil {
			return err
		}
		if err := stream.Send(res); err != nil {
			return err
		}
	}
}

// commit reads one commit's frames and writes them.
func (s *server) commit(stream wire.Connector_WriteServer, sink Sink, begin *wire.WriteBegin) (*wire.WriteResult, error) {
	req := WriteRequest{List: begin.List, Create: begin.Create, Key: begin.Key, Op: Op(begin.Op)}
	var end *wire.WriteCommit
	fr := wire.NewFrameReader(stream.Recv, func(meta []byte) (bool, error) {
		var ctrl wire.WriteControl
		if err := proto.Unmarshal(meta, &ctrl); err != nil {
			return false, err
		}
		if end = ctrl.GetCommit(); end == nil || end.Commit != begin.Commit {
			return false, fmt.Errorf("commit %d: expected its end, got %v", begin.Commit, &ctrl)
		}
		return true, nil
	})
	defer fr.Release()
	res := &wire.WriteResult{Commit: begin.Commit}
	var failed error
	if sink == nil {
		failed = unsupported("writing")
	}
	var offset int64
	for {
		rec, err := fr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		n := rec.NumRows()
		if failed == nil {
			// The commit's rows may come in several batches (the host
			// splits what would not fit one message); results are numbered
			// in the commit.
			resp, err := sink.Write(stream.Context(), req, rec)
			if err != nil {
				failed = err
			} else if resp != nil {
				for _, f := range resp.Failed {
					res.Failed = append(res.Failed, &wire.RecordError{Row: offset + int64(f.Row), Reason: f.Reason})
				}
			}
		}
		offset += n
	}
	if end == nil {
		return nil, fmt.Errorf("commit %d: the stream ended before the commit", begin.Commit)
	}
	if end.Rows != offset {
		return nil, fmt.Errorf("commit %d: %d rows announced, %d received", begin.Commit, end.Rows, offset)
	}
	if failed != nil {
		return &wire.WriteResult{Commit: begin.Commit, Error: errorToWire(failed)}, nil
	}
	res.Durable = true
	return res, nil
}

func recvControl(stream wire.Connector_WriteServer) (*wire.WriteControl, error) {
	fd, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	if len(fd.DataHeader) != 0 {
		return nil, errors.New("an Arrow frame outside of a commit")
	}
	var ctrl wire.WriteControl
	if err := proto.Unmarshal(fd.AppMetadata, &ctrl); err != nil {
		return nil, err
	}
	return &ctrl, nil
}
