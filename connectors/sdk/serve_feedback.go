package sdk

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/sluice-sync/sluice/plugins/wire"
)

// chunkBytes bounds the entries of one streamed chunk, well under the
// message size limit.
func (s *server) chunkBytes() int { return s.limit / 4 }

func (s *server) Suppressions(req *wire.SuppressionsRequest, stream wire.Connector_SuppressionsServer) error {
	c, err := s.conn(req.Connection)
	if err != nil {
		return err
	}
	sink, ok := c.(Sink)
	if !ok {
		return stream.Send(&wire.SuppressionsChunk{Final: true, Error: errorToWire(unsupported("writing"))})
	}
	list, err := sink.Suppressions(stream.Context(), SuppressionsRequest{List: req.List})
	if err != nil {
		return stream.Send(&wire.SuppressionsChunk{Final: true, Error: errorToWire(err)})
	}
	chunk := &wire.SuppressionsChunk{}
	size := 0
	for _, sp := range list {
		w := &wire.Suppression{Key: sp.Key, Reason: wire.SuppressionReason(sp.Reason), List: sp.List}
		if n := proto.Size(w) + 4; size+n > s.chunkBytes() && len(chunk.Suppressions) > 0 {
			if err := stream.Send(chunk); err != nil {
				return err
			}
			chunk, size = &wire.SuppressionsChunk{}, 0
		}
		chunk.Suppressions = append(chunk.Suppressions, w)
		size += proto.Size(w) + 4
	}
	chunk.Final = true
	return stream.Send(chunk)
}

func (s *server) Events(req *wire.EventsRequest, stream wire.Connector_EventsServer) error {
	c, err := s.conn(req.Connection)
	if err != nil {
		return err
	}
	es, ok := c.(EventSource)
	if !ok {
		return stream.Send(&wire.EventsChunk{Final: true, Error: errorToWire(unsupported("reporting events"))})
	}
	resp, err := es.Events(stream.Context(), EventsRequest{List: req.List, Checkpoint: req.Checkpoint})
	if err != nil {
		return stream.Send(&wire.EventsChunk{Final: true, Error: errorToWire(err)})
	}
	chunk := &wire.EventsChunk{}
	size := 0
	flush := func(n int) error {
		if size+n <= s.chunkBytes() || len(chunk.Campaigns)+len(chunk.Events) == 0 {
			return nil
		}
		if err := stream.Send(chunk); err != nil {
			return err
		}
		chunk, size = &wire.EventsChunk{}, 0
		return nil
	}
	for _, cp := range resp.Campaigns {
		w := &wire.Campaign{Key: cp.Key, Name: cp.Name, Type: wire.CampaignType(cp.Type), List: cp.List,
			Subject: cp.Subject, Sender: cp.Sender, SentAt: wire.Time(cp.SentAt)}
		n := proto.Size(w) + 4
		if err := flush(n); err != nil {
			return err
		}
		chunk.Campaigns = append(chunk.Campaigns, w)
		size += n
	}
	for _, ev := range resp.Events {
		w := &wire.Event{Campaign: ev.Campaign, Key: ev.Key, Type: int32(ev.Type), At: wire.Time(ev.At), Fields: ev.Fields}
		n := proto.Size(w) + 4
		if err := flush(n); err != nil {
			return err
		}
		chunk.Events = append(chunk.Events, w)
		size += n
	}
	chunk.Final, chunk.Checkpoint = true, resp.Checkpoint
	return stream.Send(chunk)
}

func (s *server) WriteFeedback(ctx context.Context, req *wire.WriteFeedbackRequest) (*wire.WriteFeedbackResponse, error) {
	c, err := s.conn(req.Connection)
	if err != nil {
		return nil, err
	}
	ft, ok := c.(FeedbackTarget)
	if !ok {
		return &wire.WriteFeedbackResponse{Error: errorToWire(unsupported("taking feedback"))}, nil
	}
	fr := FeedbackRequest{Module: req.Module, Match: req.Match, Records: make([]map[string]any, len(req.Records))}
	for i, r := range req.Records {
		fr.Records[i] = wire.GoValues(r.Fields)
	}
	resp, err := ft.WriteFeedback(ctx, fr)
	if err != nil {
		return &wire.WriteFeedbackResponse{Error: errorToWire(err)}, nil
	}
	out := &wire.WriteFeedbackResponse{}
	if resp != nil {
		for _, f := range resp.Failed {
			out.Failed = append(out.Failed, &wire.RecordError{Row: int64(f.Row), Reason: f.Reason})
		}
	}
	return out, nil
}
