package plugins

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// memConnector is the connector the test binary serves as a plugin: a
// source of generated rows, a sink recording what it gets, events and
// feedback. Its settings shape what it does, so that each test asks for
// the behaviour it checks.
type memConnector struct{}

var memSettings = []sdk.Setting{
	{Name: "rows", Type: sdk.TypeInt, Default: int64(10), Doc: "Rows the source reads."},
	{Name: "pad", Type: sdk.TypeInt, Default: int64(0), Doc: "Bytes of padding in each row."},
	{Name: "big_row", Type: sdk.TypeInt, Default: int64(-1), Doc: "A row padded to big_pad bytes."},
	{Name: "big_pad", Type: sdk.TypeInt, Default: int64(0), Doc: "The padding of big_row."},
	{Name: "crash_after", Type: sdk.TypeInt, Default: int64(-1), Doc: "Crash after this many batches."},
	{Name: "token", Type: sdk.TypeString, Sensitive: true, Doc: "A secret; \"revoked\" fails with ErrAuth."},
	{Name: "prebuilt", Type: sdk.TypeBool, Default: false, Doc: "Send slices of one prebuilt batch (for benchmarks of the boundary)."},
	{Name: "mode", Type: sdk.TypeString, Default: "ok", Enum: []string{"ok", "strict"}, Doc: "strict refuses a token shorter than 4."},
}

var memMeta = arrow.NewMetadata([]string{"origin"}, []string{"test"})

var memSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.BinaryTypes.String},
	{Name: "n", Type: arrow.PrimitiveTypes.Int64},
	{Name: "pad", Type: arrow.BinaryTypes.String},
	{Name: "at", Type: sdk.TimestampType, Nullable: true},
}, &memMeta)

var memBase = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func (memConnector) Info() sdk.Info {
	return sdk.Info{
		Name: "mem", Version: "1.2.3", Doc: "An in-memory connector for tests.",
		Kinds:    []sdk.Kind{sdk.KindSource, sdk.KindSink, sdk.KindEvents, sdk.KindFeedback},
		Settings: memSettings,
		Sink:     &sdk.SinkInfo{KeyKind: sdk.KeyString, OpenFields: true, CanRemove: true},
	}
}

func (memConnector) ValidateSettings(s sdk.Settings) []sdk.Problem {
	if s.String("mode") == "strict" && len(s.String("token")) < 4 {
		return []sdk.Problem{{Setting: "token", Summary: "Token too short", Detail: "In strict mode the token has 4 characters or more."}}
	}
	return nil
}

func (memConnector) Open(ctx context.Context, req sdk.OpenRequest) (sdk.Conn, error) {
	if req.Settings.String("token") == "revoked" {
		return nil, fmt.Errorf("mem: the token was refused: %w", sdk.ErrAuth)
	}
	return &memConn{s: req.Settings}, nil
}

type memConn struct {
	s      sdk.Settings
	mu     sync.Mutex
	writes []int64 // rows of each Write
}

func (c *memConn) Close() error { return nil }

func (c *memConn) Discover(ctx context.Context, req sdk.DiscoverRequest) (*sdk.DiscoverResponse, error) {
	return &sdk.DiscoverResponse{Streams: []sdk.Stream{{
		Name: "numbers", Schema: memSchema, IDField: "id", CursorField: "at", Views: []string{"even"}, Tombstones: true,
	}}}, nil
}

func (c *memConn) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadSink) error {
	if req.Stream != "numbers" && req.Stream != "" {
		return fmt.Errorf("mem: no stream %q", req.Stream)
	}
	if req.Stream == "numbers" && req.View == "limited" {
		return &sdk.RetryAfterError{Op: "GET /numbers", After: 1500 * time.Millisecond, Err: errors.New("429 Too Many Requests")}
	}
	rows := int(c.s.Int("rows"))
	batch := req.BatchRows
	if batch <= 0 {
		batch = 1000
	}
	if c.s.Bool("prebuilt") {
		return prebuiltRead(rows, batch, int(c.s.Int("pad")), out)
	}
	w, err := sdk.NewBatchWriter(memSchema, batch, &crashingSink{ReadSink: out, after: int(c.s.Int("crash_after"))})
	if err != nil {
		return err
	}
	defer w.Release()
	pad := strings.Repeat("x", int(c.s.Int("pad")))
	big := strings.Repeat("y", int(c.s.Int("big_pad")))
	for i := 0; i < rows; i++ {
		at := memBase.Add(time.Duration(i) * time.Hour)
		if !req.Since.IsZero() && at.Before(req.Since) {
			continue
		}
		if req.View == "even" && i%2 == 1 {
			continue
		}
		p := pad
		if i == int(c.s.Int("big_row")) {
			p = big
		}
		if err := w.Append(fmt.Sprintf("r%d", i), i, p, at); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := out.Tombstones([]string{"gone1", "gone2"}); err != nil {
		return err
	}
	return out.Reject(sdk.RejectedRow{ID: "bad1", Position: "row 99", Reason: "unreadable"})
}

// crashingSink ends the process after some batches, as a crash would.
type crashingSink struct {
	sdk.ReadSink
	after, n int
}

func (c *crashingSink) Batch(rec arrow.RecordBatch) error {
	if c.after >= 0 && c.n == c.after {
		log.Println("mem: about to crash")
		panic("mem: crashing on purpose in the middle of a read")
	}
	c.n++
	return c.ReadSink.Batch(rec)
}

func (c *memConn) Describe(ctx context.Context, req sdk.DescribeRequest) (*sdk.SinkInfo, error) {
	if req.List == "missing" {
		return nil, fmt.Errorf("mem: list %q: %w", req.List, sdk.ErrListNotFound)
	}
	return &sdk.SinkInfo{KeyKind: sdk.KeyString, OpenFields: true, CanRemove: true,
		Fields: []sdk.Field{{Name: "Name", Type: "string", Doc: "A name."}}}, nil
}

func (c *memConn) Suppressions(ctx context.Context, req sdk.SuppressionsRequest) ([]sdk.Suppression, error) {
	var out []sdk.Suppression
	for i := 0; i < int(c.s.Int("rows")); i++ {
		out = append(out, sdk.Suppression{Key: fmt.Sprintf("k%d@example.com", i), Reason: sdk.SuppressUnsubscribed, List: req.List})
	}
	return append(out, sdk.Suppression{Key: "dnm@example.com", Reason: sdk.SuppressDoNotMail}), nil
}

// Write refuses rows whose key is "bad", and records the size of each
// write; Account reports the sizes.
func (c *memConn) Write(ctx context.Context, req sdk.WriteRequest, rec arrow.RecordBatch) (*sdk.WriteResponse, error) {
	if req.Op == sdk.OpDelete {
		return nil, fmt.Errorf("mem: %w", sdk.ErrUnsupported)
	}
	c.mu.Lock()
	c.writes = append(c.writes, rec.NumRows())
	c.mu.Unlock()
	idx := rec.Schema().FieldIndices(req.Key)
	if len(idx) == 0 {
		return nil, fmt.Errorf("mem: no key column %q", req.Key)
	}
	keys := rec.Column(idx[0]).(*array.String)
	resp := &sdk.WriteResponse{}
	for i := 0; i < keys.Len(); i++ {
		if keys.Value(i) == "bad" {
			resp.Failed = append(resp.Failed, sdk.RecordError{Row: i, Reason: "bad key"})
		}
	}
	return resp, nil
}

func (c *memConn) Account(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprint(c.writes), nil
}

func (c *memConn) Events(ctx context.Context, req sdk.EventsRequest) (*sdk.EventsResponse, error) {
	resp := &sdk.EventsResponse{Checkpoint: req.Checkpoint}
	if req.Checkpoint != "" {
		return resp, nil
	}
	resp.Campaigns = []sdk.Campaign{{Key: "c1", Name: "Spring", Type: sdk.CampaignEmail, List: req.List, Subject: "Hi", Sender: "a@example.com", SentAt: memBase}}
	for i := 0; i < int(c.s.Int("rows")); i++ {
		resp.Events = append(resp.Events, sdk.Event{Campaign: "c1", Key: fmt.Sprintf("k%d@example.com", i), Type: sdk.EventOpened,
			At: memBase.Add(time.Duration(i) * time.Minute), Fields: map[string]string{"Name": fmt.Sprint(i)}})
	}
	resp.Checkpoint = "1"
	return resp, nil
}

func (c *memConn) WriteFeedback(ctx context.Context, req sdk.FeedbackRequest) (*sdk.WriteResponse, error) {
	resp := &sdk.WriteResponse{}
	for i, r := range req.Records {
		if _, ok := r[req.Match]; !ok {
			resp.Failed = append(resp.Failed, sdk.RecordError{Row: i, Reason: fmt.Sprintf("no %s", req.Match)})
		}
	}
	return resp, nil
}

// prebuiltRead sends rows rows as slices of one batch built beforehand,
// so that what is measured is the boundary, not the building of rows.
func prebuiltRead(rows, batch, pad int, out sdk.ReadSink) error {
	var full arrow.RecordBatch
	w, err := sdk.NewBatchWriter(memSchema, batch, &keep{rec: &full})
	if err != nil {
		return err
	}
	p := strings.Repeat("x", pad)
	for i := 0; i < batch; i++ {
		w.Append(fmt.Sprintf("r%07d", i), i, p, memBase.Add(time.Duration(i)*time.Second))
	}
	w.Flush()
	w.Release()
	defer full.Release()
	for sent := 0; sent < rows; sent += batch {
		n := min(batch, rows-sent)
		part := full.NewSlice(0, int64(n))
		err := out.Batch(part)
		part.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// keep is a ReadSink keeping the one batch it gets.
type keep struct{ rec *arrow.RecordBatch }

func (k *keep) Batch(rec arrow.RecordBatch) error {
	rec.Retain()
	*k.rec = rec
	return nil
}
func (k *keep) Tombstones([]string) error    { return nil }
func (k *keep) Reject(sdk.RejectedRow) error { return nil }
