package plugins

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/protobuf/proto"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/plugins/wire"
)

// writeStream is a connection's Write stream: one for all its writes.
// Each write is a commit: its request, its frames, its end; the plugin
// answers each with a result. At most window commits are unanswered at a
// time (the credit window); a write waits for credit before sending.
type writeStream struct {
	c       *remoteConn
	stream  wire.Connector_WriteClient
	cancel  context.CancelFunc
	credits chan struct{}

	sendMu sync.Mutex // one commit's messages at a time
	fw     *wire.FrameWriter
	next   uint64

	mu      sync.Mutex
	pending map[uint64]chan *wire.WriteResult
	err     error         // why the stream broke
	done    chan struct{} // closed when it broke or closed
}

// writeStream returns the connection's write stream, opening it on first use.
func (c *remoteConn) writeStream() (*writeStream, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.writes != nil {
		return c.writes, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := c.p.rpc.Write(ctx)
	if err != nil {
		cancel()
		return nil, c.fail(ctx, "writing", err)
	}
	ws := &writeStream{
		c: c, stream: stream, cancel: cancel, credits: make(chan struct{}, c.p.window),
		pending: map[uint64]chan *wire.WriteResult{}, done: make(chan struct{}),
	}
	ws.fw = wire.NewFrameWriter(stream.Send, c.p.limit)
	if err := ws.control(&wire.WriteControl{Control: &wire.WriteControl_Open{Open: &wire.WriteOpen{Connection: c.id}}}); err != nil {
		cancel()
		return nil, c.fail(ctx, "writing", err)
	}
	go ws.receive()
	c.writes = ws
	return ws, nil
}

func (ws *writeStream) control(ctrl *wire.WriteControl) error {
	b, err := proto.Marshal(ctrl)
	if err != nil {
		return err
	}
	return ws.fw.Meta(b)
}

// receive hands each result to the write waiting for it and returns its
// credit.
func (ws *writeStream) receive() {
	for {
		res, err := ws.stream.Recv()
		if err != nil {
			ws.broken(err)
			return
		}
		ws.mu.Lock()
		ch := ws.pending[res.Commit]
		delete(ws.pending, res.Commit)
		ws.mu.Unlock()
		if ch == nil {
			ws.broken(fmt.Errorf("a result for commit %d, which is not pending", res.Commit))
			return
		}
		ch <- res
		<-ws.credits
	}
}

func (ws *writeStream) broken(err error) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.err == nil {
		ws.err = err
		close(ws.done)
	}
}

// close ends the stream once the pending commits are answered.
func (ws *writeStream) close() {
	ws.sendMu.Lock()
	ws.stream.CloseSend()
	ws.sendMu.Unlock()
	select {
	case <-ws.done:
	case <-time.After(closeTimeout):
	}
	ws.cancel()
}

// write sends rec as one commit and waits for its result. Rows of rec
// whose message alone would be over the size limit are not sent: they are
// refused, with the reason, among the per-record results.
func (c *remoteConn) write(ctx context.Context, req sdk.WriteRequest, rec arrow.RecordBatch) (*sdk.WriteResponse, error) {
	ws, err := c.writeStream()
	if err != nil {
		return nil, err
	}
	select {
	case ws.credits <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-ws.done:
		return nil, c.writeFailed(ctx, ws)
	}
	ch := make(chan *wire.WriteResult, 1)
	ws.sendMu.Lock()
	ws.next++
	id := ws.next
	ws.mu.Lock()
	ws.pending[id] = ch
	ws.mu.Unlock()
	skipped, err := ws.send(id, req, rec)
	ws.sendMu.Unlock()
	if err != nil {
		ws.broken(err)
		return nil, c.writeFailed(ctx, ws)
	}
	var res *wire.WriteResult
	select {
	case res = <-ch:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-ws.done:
		return nil, c.writeFailed(ctx, ws)
	}
	if res.Error != nil {
		return nil, errorFromWire(res.Error)
	}
	resp := &sdk.WriteResponse{}
	for _, f := range res.Failed {
		resp.Failed = append(resp.Failed, sdk.RecordError{Row: int(originalRow(f.Row, skipped)), Reason: f.Reason})
	}
	for _, s := range skipped {
		resp.Failed = append(resp.Failed, sdk.RecordError{Row: int(s.row), Reason: s.reason})
	}
	slices.SortFunc(resp.Failed, func(a, b sdk.RecordError) int { return a.Row - b.Row })
	return resp, nil
}

// skippedRow is a row too large to send.
type skippedRow struct {
	row    int64
	reason string
}

// send sends one commit: its request, rec's rows (but those too large)
// and its end.
func (ws *writeStream) send(id uint64, req sdk.WriteRequest, rec arrow.RecordBatch) ([]skippedRow, error) {
	begin := &wire.WriteBegin{Commit: id, List: req.List, Create: req.Create, Key: req.Key, Op: wire.Op(req.Op)}
	if err := ws.control(&wire.WriteControl{Control: &wire.WriteControl_Begin{Begin: begin}}); err != nil {
		return nil, err
	}
	ws.fw.Reset() // each commit's frames start with their schema
	var skipped []skippedRow
	rows := ws.fw.Rows
	var from int64
	n := rec.NumRows()
	for from < n || n == 0 {
		part := rec
		if from > 0 {
			part = rec.NewSlice(from, n)
		}
		err := ws.fw.Write(part)
		if part != rec {
			part.Release()
		}
		var tl *wire.TooLargeError
		if errors.As(err, &tl) {
			skipped = append(skipped, skippedRow{row: from + tl.Row, reason: tl.Error()})
			from += tl.Row + 1
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	end := &wire.WriteCommit{Commit: id, Rows: ws.fw.Rows - rows}
	return skipped, ws.control(&wire.WriteControl{Control: &wire.WriteControl_Commit{Commit: end}})
}

// originalRow maps a row index among the rows sent back to its index in
// the batch, past the rows skipped (in ascending order).
func originalRow(sent int64, skipped []skippedRow) int64 {
	row := sent
	for _, s := range skipped {
		if s.row <= row {
			row++
		}
	}
	return row
}

func (c *remoteConn) writeFailed(ctx context.Context, ws *writeStream) error {
	ws.mu.Lock()
	err := ws.err
	ws.mu.Unlock()
	return c.fail(ctx, "writing", err)
}
