package plugins

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/plugins/wire"
)

// remoteConn is a connection open in a plugin. The interfaces it offers
// are the parts below, assembled by kind (see assemble); its own methods
// are unexported so that they never answer a type assertion.
type remoteConn struct {
	p         *Plugin
	connector string
	id        uint64

	wmu    sync.Mutex
	writes *writeStream // opened by the first Write

	closeOnce sync.Once
	closeErr  error
}

type (
	closer   struct{ *remoteConn }
	source   struct{ *remoteConn }
	sink     struct{ *remoteConn }
	events   struct{ *remoteConn }
	feedback struct{ *remoteConn }
	account  struct{ *remoteConn }
)

func (c closer) Close() error { return c.close() }

func (s source) Discover(ctx context.Context, req sdk.DiscoverRequest) (*sdk.DiscoverResponse, error) {
	return s.discover(ctx, req)
}

func (s source) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadSink) error {
	return s.read(ctx, req, out)
}

func (s sink) Describe(ctx context.Context, req sdk.DescribeRequest) (*sdk.SinkInfo, error) {
	return s.describe(ctx, req)
}

func (s sink) Suppressions(ctx context.Context, req sdk.SuppressionsRequest) ([]sdk.Suppression, error) {
	return s.suppressions(ctx, req)
}

func (s sink) Write(ctx context.Context, req sdk.WriteRequest, rec arrow.RecordBatch) (*sdk.WriteResponse, error) {
	return s.write(ctx, req, rec)
}

func (e events) Events(ctx context.Context, req sdk.EventsRequest) (*sdk.EventsResponse, error) {
	return e.events(ctx, req)
}

func (f feedback) WriteFeedback(ctx context.Context, req sdk.FeedbackRequest) (*sdk.WriteResponse, error) {
	return f.writeFeedback(ctx, req)
}

func (a account) Account(ctx context.Context) (string, error) { return a.account(ctx) }

func (c *remoteConn) fail(ctx context.Context, doing string, err error) error {
	return c.p.fail(ctx, c.connector, doing, err)
}

// closeTimeout bounds Close, which has no context.
const closeTimeout = time.Minute

func (c *remoteConn) close() error {
	c.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		c.wmu.Lock()
		ws := c.writes
		c.writes = nil
		c.wmu.Unlock()
		if ws != nil {
			ws.close()
		}
		resp, err := c.p.rpc.Close(ctx, &wire.CloseRequest{Connection: c.id})
		if err != nil {
			c.closeErr = c.fail(ctx, "closing the connection", err)
			return
		}
		c.closeErr = errorFromWire(resp.Error)
	})
	return c.closeErr
}

func (c *remoteConn) discover(ctx context.Context, req sdk.DiscoverRequest) (*sdk.DiscoverResponse, error) {
	resp, err := c.p.rpc.Discover(ctx, &wire.DiscoverRequest{Connection: c.id, Stream: req.Stream})
	if err != nil {
		return nil, c.fail(ctx, "discovering streams", err)
	}
	if resp.Error != nil {
		return nil, errorFromWire(resp.Error)
	}
	out := &sdk.DiscoverResponse{}
	for _, st := range resp.Streams {
		schema, err := wire.DecodeSchema(st.Schema)
		if err != nil {
			return nil, c.fail(ctx, "discovering streams", fmt.Errorf("stream %q: %w", st.Name, err))
		}
		out.Streams = append(out.Streams, sdk.Stream{
			Name: st.Name, Schema: schema, IDField: st.IdField, CursorField: st.CursorField,
			Views: st.Views, Tombstones: st.Tombstones,
		})
	}
	return out, nil
}

// errCutShort is the error of a read that ended without its final
// checkpoint.
var errCutShort = errors.New("the read ended before the plugin said it was complete")

// read streams a read from the plugin into out, in the order the source
// produced it. An error of out stops the read (the plugin's side is
// cancelled) and is returned as is.
func (c *remoteConn) read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadSink) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.p.rpc.Read(ctx, &wire.ReadRequest{
		Connection: c.id, Stream: req.Stream, View: req.View, Since: wire.Time(req.Since), BatchRows: int32(req.BatchRows),
	})
	if err != nil {
		return c.fail(ctx, "reading", err)
	}
	var final *wire.Checkpoint
	var sinkErr error
	fr := wire.NewFrameReader(stream.Recv, func(meta []byte) (bool, error) {
		var ev wire.ReadEvent
		if err := proto.Unmarshal(meta, &ev); err != nil {
			return false, err
		}
		switch e := ev.Event.(type) {
		case *wire.ReadEvent_Tombstones:
			sinkErr = out.Tombstones(e.Tombstones.Ids)
		case *wire.ReadEvent_Reject:
			sinkErr = out.Reject(sdk.RejectedRow{ID: e.Reject.Id, Position: e.Reject.Position, Reason: e.Reject.Reason})
		case *wire.ReadEvent_Checkpoint:
			if e.Checkpoint.Final {
				final = e.Checkpoint
				return true, nil
			}
		}
		return false, sinkErr
	})
	defer fr.Release()
	for {
		rec, err := fr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if sinkErr != nil {
				return sinkErr
			}
			return c.fail(ctx, "reading", err)
		}
		if err := out.Batch(rec); err != nil {
			return err
		}
	}
	switch {
	case final == nil:
		return c.fail(ctx, "reading", errCutShort)
	case final.Error != nil:
		return errorFromWire(final.Error)
	case final.Rows != fr.Rows:
		return c.fail(ctx, "reading", fmt.Errorf("the plugin sent %d records but counted %d", fr.Rows, final.Rows))
	}
	return nil
}

func (c *remoteConn) describe(ctx context.Context, req sdk.DescribeRequest) (*sdk.SinkInfo, error) {
	resp, err := c.p.rpc.Describe(ctx, &wire.DescribeRequest{Connection: c.id, List: req.List})
	if err != nil {
		return nil, c.fail(ctx, "describing the sink", err)
	}
	if resp.Error != nil {
		return nil, errorFromWire(resp.Error)
	}
	return sinkInfoFromWire(resp.Info), nil
}

func (c *remoteConn) suppressions(ctx context.Context, req sdk.SuppressionsRequest) ([]sdk.Suppression, error) {
	stream, err := c.p.rpc.Suppressions(ctx, &wire.SuppressionsRequest{Connection: c.id, List: req.List})
	if err != nil {
		return nil, c.fail(ctx, "reading suppressions", err)
	}
	var out []sdk.Suppression
	for {
		chunk, err := stream.Recv()
		if err != nil {
			if err == io.EOF {
				err = errCutShort
			}
			return nil, c.fail(ctx, "reading suppressions", err)
		}
		if chunk.Error != nil {
			return nil, errorFromWire(chunk.Error)
		}
		for _, s := range chunk.Suppressions {
			out = append(out, sdk.Suppression{Key: s.Key, Reason: sdk.SuppressionReason(s.Reason), List: s.List})
		}
		if chunk.Final {
			return out, nil
		}
	}
}

func (c *remoteConn) events(ctx context.Context, req sdk.EventsRequest) (*sdk.EventsResponse, error) {
	stream, err := c.p.rpc.Events(ctx, &wire.EventsRequest{Connection: c.id, List: req.List, Checkpoint: req.Checkpoint})
	if err != nil {
		return nil, c.fail(ctx, "reading events", err)
	}
	out := &sdk.EventsResponse{}
	for {
		chunk, err := stream.Recv()
		if err != nil {
			if err == io.EOF {
				err = errCutShort
			}
			return nil, c.fail(ctx, "reading events", err)
		}
		if chunk.Error != nil {
			return nil, errorFromWire(chunk.Error)
		}
		for _, cp := range chunk.Campaigns {
			out.Campaigns = append(out.Campaigns, sdk.Campaign{Key: cp.Key, Name: cp.Name, Type: sdk.CampaignType(cp.Type),
				List: cp.List, Subject: cp.Subject, Sender: cp.Sender, SentAt: wire.GoTime(cp.SentAt)})
		}
		for _, ev := range chunk.Events {
			out.Events = append(out.Events, sdk.Event{Campaign: ev.Campaign, Key: ev.Key, Type: sdk.EventType(ev.Type),
				At: wire.GoTime(ev.At), Fields: ev.Fields})
		}
		if chunk.Final {
			out.Checkpoint = chunk.Checkpoint
			return out, nil
		}
	}
}

func (c *remoteConn) writeFeedback(ctx context.Context, req sdk.FeedbackRequest) (*sdk.WriteResponse, error) {
	wr := &wire.WriteFeedbackRequest{Connection: c.id, Module: req.Module, Match: req.Match}
	for i, r := range req.Records {
		fields, err := wire.NewValues(r)
		if err != nil {
			return nil, fmt.Errorf("%s: feedback record %d: %w", c.connector, i, err)
		}
		wr.Records = append(wr.Records, &wire.FeedbackRecord{Fields: fields})
	}
	if n := proto.Size(wr); n > c.p.limit {
		return nil, fmt.Errorf("%s: a feedback batch of %d records is %d bytes, over the limit of %d bytes for one message to a plugin; send fewer records at once",
			c.connector, len(req.Records), n, c.p.limit)
	}
	resp, err := c.p.rpc.WriteFeedback(ctx, wr)
	if err != nil {
		return nil, c.fail(ctx, "writing feedback", err)
	}
	if resp.Error != nil {
		return nil, errorFromWire(resp.Error)
	}
	return &sdk.WriteResponse{Failed: recordErrorsFromWire(resp.Failed)}, nil
}

func (c *remoteConn) account(ctx context.Context) (string, error) {
	resp, err := c.p.rpc.Account(ctx, &wire.AccountRequest{Connection: c.id})
	if err != nil {
		return "", c.fail(ctx, "naming the account", err)
	}
	return resp.Account, errorFromWire(resp.Error)
}

func recordErrorsFromWire(fs []*wire.RecordError) []sdk.RecordError {
	var out []sdk.RecordError
	for _, f := range fs {
		out = append(out, sdk.RecordError{Row: int(f.Row), Reason: f.Reason})
	}
	return out
}
