package connectortest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/go-cmp/cmp"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// Config describes a connector under conformance test and what its
// fixtures hold. The connector may be a built-in one or a plugin's (as
// package plugins offers it): the suite cannot tell them apart, and runs
// the same checks on both.
type Config struct {
	Connector sdk.Connector
	// Settings open a connection to the fixtures; defaults are filled in
	// from the connector's settings spec.
	Settings sdk.Settings
	// Invalid lists settings the connector must refuse.
	Invalid []Invalid
	// Source describes the fixtures of a connector offering KindSource.
	Source *SourceCase
	// Sink describes what to write to a connector offering KindSink.
	Sink *SinkCase
	// Events describes the fixtures of a connector offering KindEvents.
	Events *EventsCase
}

// Invalid is settings the connector must refuse, with a problem about
// Setting (the spec's checks and the connector's own, together).
type Invalid struct {
	Name     string
	Settings sdk.Settings
	Setting  string
}

// SourceCase is what a source's fixtures hold.
type SourceCase struct {
	// Stream is the stream read; "" when the source has one.
	Stream string
	// IDs are the source ids of the stream's records, in source order.
	IDs []string
	// Tombstones are the ids the source reports deleted, in order.
	Tombstones []string
	// Rejects is the number of rows the source cannot read.
	Rejects int
	// Since, when not zero, is the start of an incremental read, which
	// must yield SinceIDs among the records whose cursor is at or after
	// Since or null (a source may push Since down or not).
	Since    time.Time
	SinceIDs []string
}

// SinkCase is what the suite writes to a sink.
type SinkCase struct {
	List string
	// Key names the key column; Fields the other columns.
	Key    string
	Fields []string
	// Rows are the members written: the key, then one value per field
	// (nil, a string, an int64, a float64, a bool, a time.Time or a
	// []string; a column's type is its first non-nil value's).
	Rows [][]any
	// Failed are the rows the sink must refuse, in ascending order.
	Failed []int
	// Check, when set, runs after the writes, to check what the sink
	// holds.
	Check func(t *testing.T)
}

// EventsCase is what an event source's fixtures hold for one list.
type EventsCase struct {
	List      string
	Campaigns int
	Events    int
}

// Run runs the conformance suite on cfg.Connector as subtests of t:
// its description and settings spec, settings validation, and for each
// kind it offers, that its connections implement the kind's interface
// and keep the contract: schema discovery, reading in batches of any
// size with the same records in the same order, incremental reads,
// tombstones and rejected rows, a ReadSink's error stopping a read, per
// record write results, and campaign events with their checkpoint.
func Run(t *testing.T, cfg Config) {
	t.Helper()
	info := cfg.Connector.Info()
	t.Run("info", func(t *testing.T) { checkInfo(t, info) })
	t.Run("settings", func(t *testing.T) { checkSettings(t, cfg) })
	t.Run("open", func(t *testing.T) {
		conn := open(t, cfg)
		kinds := map[sdk.Kind]bool{}
		if _, ok := conn.(sdk.Source); ok {
			kinds[sdk.KindSource] = true
		}
		if _, ok := conn.(sdk.Sink); ok {
			kinds[sdk.KindSink] = true
		}
		if _, ok := conn.(sdk.EventSource); ok {
			kinds[sdk.KindEvents] = true
		}
		if _, ok := conn.(sdk.FeedbackTarget); ok {
			kinds[sdk.KindFeedback] = true
		}
		for _, k := range info.Kinds {
			if !kinds[k] {
				t.Errorf("the connector offers %s, but its connection does not implement its interface", k)
			}
		}
	})
	// A kind without its case is skipped, not failed: a connector whose
	// kinds need different settings (a file read as a source, another
	// written as a sink) runs the suite once per kind.
	if info.Offers(sdk.KindSource) {
		t.Run("source", func(t *testing.T) {
			if cfg.Source == nil {
				t.Skip("Config.Source is not set")
			}
			checkSource(t, cfg)
		})
	}
	if info.Offers(sdk.KindSink) {
		t.Run("sink", func(t *testing.T) {
			if cfg.Sink == nil {
				t.Skip("Config.Sink is not set")
			}
			checkSink(t, cfg)
		})
	}
	if info.Offers(sdk.KindEvents) {
		t.Run("events", func(t *testing.T) {
			if cfg.Events == nil {
				t.Skip("Config.Events is not set")
			}
			checkEvents(t, cfg)
		})
	}
}

func open(t *testing.T, cfg Config) sdk.Conn {
	t.Helper()
	settings, ps := sdk.CheckSettings(cfg.Connector.Info(), cfg.Settings)
	if len(ps) > 0 {
		t.Fatalf("Config.Settings are refused: %+v", ps)
	}
	conn, err := cfg.Connector.Open(context.Background(), sdk.OpenRequest{Settings: settings})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := conn.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return conn
}

func checkInfo(t *testing.T, info sdk.Info) {
	if info.Name == "" || info.Doc == "" {
		t.Error("a connector has a name and a doc")
	}
	if len(info.Kinds) == 0 {
		t.Error("the connector offers no kind")
	}
	for i, k := range info.Kinds {
		if k.String() == fmt.Sprintf("Kind(%d)", uint8(k)) || slices.Contains(info.Kinds[:i], k) {
			t.Errorf("kind %s is unknown or repeated", k)
		}
	}
	if info.Offers(sdk.KindSink) != (info.Sink != nil) {
		t.Error("a sink (and only a sink) describes itself in Info.Sink")
	}
	seen := map[string]bool{}
	for _, s := range info.Settings {
		switch {
		case s.Name == "" || seen[s.Name]:
			t.Errorf("setting %q is unnamed or repeated", s.Name)
		case s.Type.String() == fmt.Sprintf("SettingType(%d)", uint8(s.Type)):
			t.Errorf("setting %q has no type", s.Name)
		case s.Doc == "":
			t.Errorf("setting %q has no doc", s.Name)
		case s.Required && s.Default != nil:
			t.Errorf("setting %q is required and has a default", s.Name)
		case len(s.Enum) > 0 && s.Type != sdk.TypeString:
			t.Errorf("setting %q has an enum but is not a string", s.Name)
		}
		seen[s.Name] = true
		if s.Default != nil {
			one := sdk.Info{Name: info.Name, Settings: []sdk.Setting{s}}
			if _, ps := sdk.CheckSettings(one, sdk.Settings{s.Name: s.Default}); len(ps) > 0 {
				t.Errorf("setting %q: its default is refused: %s", s.Name, ps[0].Detail)
			}
		}
		if s.Sensitive {
			red := sdk.Settings{s.Name: "secret-value"}.Redacted(info)
			if red[s.Name] == "secret-value" {
				t.Errorf("sensitive setting %q is not redacted", s.Name)
			}
		}
	}
}

// validate runs the checks the language runs: the spec's, then the
// connector's own.
func validate(info sdk.Info, c sdk.Connector, s sdk.Settings) []sdk.Problem {
	filled, ps := sdk.CheckSettings(info, s)
	if len(ps) > 0 {
		return ps
	}
	if v, ok := c.(sdk.SettingsValidator); ok {
		return v.ValidateSettings(filled)
	}
	return nil
}

func checkSettings(t *testing.T, cfg Config) {
	info := cfg.Connector.Info()
	if ps := validate(info, cfg.Connector, cfg.Settings); len(ps) > 0 {
		t.Errorf("Config.Settings are refused: %+v", ps)
	}
	for _, inv := range cfg.Invalid {
		ps := validate(info, cfg.Connector, inv.Settings)
		found := false
		for _, p := range ps {
			if p.Summary == "" || p.Detail == "" {
				t.Errorf("%s: a problem without summary or detail: %+v", inv.Name, p)
			}
			found = found || p.Setting == inv.Setting
		}
		if !found {
			t.Errorf("%s: no problem about %q among %+v", inv.Name, inv.Setting, ps)
		}
	}
}

// read is what one Read produced.
type read struct {
	ids        []string
	cursors    []int64 // microseconds; noCursor when null or none
	batches    []int64
	tombstones []string
	rejects    []sdk.RejectedRow
	schemas    []*arrow.Schema
}

const noCursor = int64(-1 << 63)

type readSink struct {
	r      *read
	stream sdk.Stream
	failAt int   // fail the batch with this index (1-based); 0 never
	err    error // what to fail with
	t      *testing.T
}

func (s *readSink) Batch(rec arrow.RecordBatch) error {
	s.r.batches = append(s.r.batches, rec.NumRows())
	if len(s.r.batches) == s.failAt {
		return s.err
	}
	s.r.schemas = append(s.r.schemas, rec.Schema())
	idx := rec.Schema().FieldIndices(s.stream.IDField)
	if len(idx) == 0 {
		s.t.Errorf("a batch has no id column %q", s.stream.IDField)
		return nil
	}
	ids := rec.Column(idx[0])
	var cursors *array.Timestamp
	if s.stream.CursorField != "" {
		if ci := rec.Schema().FieldIndices(s.stream.CursorField); len(ci) > 0 {
			cursors, _ = rec.Column(ci[0]).(*array.Timestamp)
		}
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		switch a := ids.(type) {
		case *array.String:
			s.r.ids = append(s.r.ids, a.Value(i))
		case *array.Int64:
			s.r.ids = append(s.r.ids, strconv.FormatInt(a.Value(i), 10))
		default:
			s.r.ids = append(s.r.ids, ids.ValueStr(i))
		}
		c := noCursor
		if cursors != nil && cursors.IsValid(i) {
			c = cursors.Value(i).ToTime(cursors.DataType().(*arrow.TimestampType).Unit).UnixMicro()
		}
		s.r.cursors = append(s.r.cursors, c)
	}
	return nil
}

func (s *readSink) Tombstones(ids []string) error {
	s.r.tombstones = append(s.r.tombstones, slices.Clone(ids)...)
	return nil
}

func (s *readSink) Reject(r sdk.RejectedRow) error {
	s.r.rejects = append(s.r.rejects, r)
	return nil
}

var errSinkStop = errors.New("connectortest: the ReadSink stops the read")

func checkSource(t *testing.T, cfg Config) {
	ctx := context.Background()
	src := open(t, cfg).(sdk.Source)
	all, err := src.Discover(ctx, sdk.DiscoverRequest{})
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	d, err := src.Discover(ctx, sdk.DiscoverRequest{Stream: cfg.Source.Stream})
	if err != nil {
		t.Fatalf("Discover(%q): %v", cfg.Source.Stream, err)
	}
	if len(d.Streams) == 0 {
		t.Fatalf("Discover(%q) found no stream", cfg.Source.Stream)
	}
	stream := d.Streams[0]
	for _, st := range d.Streams {
		if st.Name == cfg.Source.Stream {
			stream = st
		}
	}
	if !slices.ContainsFunc(all.Streams, func(s sdk.Stream) bool { return s.Name == stream.Name }) {
		t.Errorf("stream %q is not among all the streams", stream.Name)
	}
	checkStream(t, stream)
	if t.Failed() {
		return
	}
	readAll := func(t *testing.T, req sdk.ReadRequest) *read {
		r := &read{}
		if err := src.Read(ctx, req, &readSink{r: r, stream: stream, t: t}); err != nil {
			t.Fatalf("Read(%+v): %v", req, err)
		}
		for i, s := range r.schemas {
			if !s.Equal(stream.Schema) {
				t.Errorf("batch %d has schema %s, not the discovered %s", i, s, stream.Schema)
				break
			}
		}
		for i, n := range r.batches {
			if req.BatchRows > 0 && n > int64(req.BatchRows) {
				t.Errorf("batch %d has %d rows, over BatchRows %d", i, n, req.BatchRows)
			}
		}
		return r
	}
	t.Run("read", func(t *testing.T) {
		first := readAll(t, sdk.ReadRequest{Stream: cfg.Source.Stream})
		if cfg.Source.IDs != nil {
			if diff := cmp.Diff(cfg.Source.IDs, first.ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		}
		if diff := cmp.Diff(cfg.Source.Tombstones, first.tombstones); diff != "" {
			t.Errorf("tombstones (-want +got):\n%s", diff)
		}
		if len(first.rejects) != cfg.Source.Rejects {
			t.Errorf("%d rows rejected, want %d: %+v", len(first.rejects), cfg.Source.Rejects, first.rejects)
		}
		for _, r := range first.rejects {
			if r.Reason == "" {
				t.Errorf("a row rejected without reason: %+v", r)
			}
		}
		if !stream.Tombstones && len(first.tombstones) > 0 {
			t.Error("the stream reports tombstones but says it does not")
		}
		for _, rows := range []int{1, 3, 1000} {
			r := readAll(t, sdk.ReadRequest{Stream: cfg.Source.Stream, BatchRows: rows})
			if !slices.Equal(r.ids, first.ids) || !slices.Equal(r.tombstones, first.tombstones) || len(r.rejects) != len(first.rejects) {
				t.Errorf("BatchRows %d reads other records than the default: ids %v, want %v", rows, r.ids, first.ids)
			}
		}
	})
	if !cfg.Source.Since.IsZero() {
		t.Run("since", func(t *testing.T) {
			if stream.CursorField == "" {
				t.Fatal("Source.Since is set, but the stream has no cursor")
			}
			since := cfg.Source.Since.UnixMicro()
			r := readAll(t, sdk.ReadRequest{Stream: cfg.Source.Stream, Since: cfg.Source.Since})
			var got []string
			for i, id := range r.ids {
				if r.cursors[i] == noCursor || r.cursors[i] >= since {
					got = append(got, id)
				}
			}
			if diff := cmp.Diff(cfg.Source.SinceIDs, got); diff != "" {
				t.Errorf("ids at or after %s (-want +got):\n%s", cfg.Source.Since, diff)
			}
		})
	}
	t.Run("sink error", func(t *testing.T) {
		if len(cfg.Source.IDs) == 0 {
			t.Skip("no records to stop at")
		}
		r := &read{}
		err := src.Read(ctx, sdk.ReadRequest{Stream: cfg.Source.Stream, BatchRows: 1}, &readSink{r: r, stream: stream, failAt: 1, err: errSinkStop, t: t})
		if !errors.Is(err, errSinkStop) {
			t.Errorf("a ReadSink's error must stop the read and be returned: got %v", err)
		}
		if len(r.batches) != 1 {
			t.Errorf("%d batches after the ReadSink's error, want 1", len(r.batches))
		}
	})
	t.Run("unknown stream", func(t *testing.T) {
		err := src.Read(ctx, sdk.ReadRequest{Stream: "connectortest no such stream"}, &readSink{r: &read{}, stream: stream, t: t})
		if err == nil {
			t.Error("reading a stream that does not exist is not an error")
		}
	})
}

func checkStream(t *testing.T, st sdk.Stream) {
	if st.Name == "" || st.Schema == nil {
		t.Fatalf("stream %q has no name or no schema", st.Name)
	}
	idx := st.Schema.FieldIndices(st.IDField)
	if len(idx) != 1 {
		t.Errorf("stream %q: the id field %q is not a column", st.Name, st.IDField)
	} else if id := st.Schema.Field(idx[0]).Type.ID(); id != arrow.STRING && id != arrow.INT64 {
		t.Errorf("stream %q: the id field is a %s, not a string or an integer", st.Name, st.Schema.Field(idx[0]).Type)
	}
	if st.CursorField != "" {
		idx := st.Schema.FieldIndices(st.CursorField)
		if len(idx) != 1 || st.Schema.Field(idx[0]).Type.ID() != arrow.TIMESTAMP {
			t.Errorf("stream %q: the cursor field %q is not a timestamp column", st.Name, st.CursorField)
		}
	}
}

// capture is a ReadSink keeping the one batch a BatchWriter sends.
type capture struct{ rec arrow.RecordBatch }

func (c *capture) Batch(rec arrow.RecordBatch) error {
	rec.Retain()
	c.rec = rec
	return nil
}
func (c *capture) Tombstones([]string) error    { return nil }
func (c *capture) Reject(sdk.RejectedRow) error { return nil }

// build returns the rows as one batch.
func build(t *testing.T, names []string, rows [][]any) arrow.RecordBatch {
	fields := make([]arrow.Field, len(names))
	for i, name := range names {
		fields[i] = arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true}
		for _, row := range rows {
			if row[i] == nil {
				continue
			}
			switch row[i].(type) {
			case int64, int:
				fields[i].Type = arrow.PrimitiveTypes.Int64
			case float64:
				fields[i].Type = arrow.PrimitiveTypes.Float64
			case bool:
				fields[i].Type = arrow.FixedWidthTypes.Boolean
			case time.Time:
				fields[i].Type = sdk.TimestampType
			case []string:
				fields[i].Type = arrow.ListOf(arrow.BinaryTypes.String)
			}
			break
		}
	}
	var c capture
	w, err := sdk.NewBatchWriter(arrow.NewSchema(fields, nil), len(rows)+1, &c)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Release()
	for _, row := range rows {
		if err := w.Append(row...); err != nil {
			t.Fatalf("Sink.Rows: %v", err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if c.rec == nil {
		t.Fatal("Sink.Rows is empty")
	}
	return c.rec
}

func checkSink(t *testing.T, cfg Config) {
	ctx := context.Background()
	info := cfg.Connector.Info()
	sc := cfg.Sink
	sink := open(t, cfg).(sdk.Sink)
	si, err := sink.Describe(ctx, sdk.DescribeRequest{List: sc.List})
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	if si.KeyKind != info.Sink.KeyKind {
		t.Errorf("Describe says the key is %s, Info says %s", si.KeyKind, info.Sink.KeyKind)
	}
	if _, err := sink.Suppressions(ctx, sdk.SuppressionsRequest{List: sc.List}); err != nil {
		t.Errorf("Suppressions: %v", err)
	}
	rec := build(t, append([]string{sc.Key}, sc.Fields...), sc.Rows)
	defer rec.Release()
	req := sdk.WriteRequest{List: sc.List, Create: true, Key: sc.Key, Op: sdk.OpUpsert}
	for _, pass := range []string{"first", "again"} {
		resp, err := sink.Write(ctx, req, rec)
		if err != nil {
			t.Fatalf("Write (%s): %v", pass, err)
		}
		var failed []int
		for _, f := range resp.Failed {
			if f.Row < 0 || f.Row >= int(rec.NumRows()) || f.Reason == "" {
				t.Errorf("Write (%s): a result for no row, or without reason: %+v", pass, f)
			}
			failed = append(failed, f.Row)
		}
		if diff := cmp.Diff(sc.Failed, failed); diff != "" {
			t.Errorf("Write (%s): refused rows (-want +got):\n%s", pass, diff)
		}
	}
	// Removals and deletes: supported when declared, refused otherwise.
	accepted := -1
	for i := range sc.Rows {
		if !slices.Contains(sc.Failed, i) {
			accepted = i
			break
		}
	}
	if accepted >= 0 {
		keyRec := build(t, []string{sc.Key}, [][]any{{sc.Rows[accepted][0]}})
		defer keyRec.Release()
		for _, op := range []struct {
			op  sdk.Op
			can bool
		}{{sdk.OpRemove, info.Sink.CanRemove}, {sdk.OpDelete, info.Sink.CanDelete}} {
			resp, err := sink.Write(ctx, sdk.WriteRequest{List: sc.List, Key: sc.Key, Op: op.op}, keyRec)
			switch {
			case op.can && err != nil:
				t.Errorf("Write %s: %v", op.op, err)
			case op.can && len(resp.Failed) > 0:
				t.Errorf("Write %s refused an accepted member: %+v", op.op, resp.Failed)
			case !op.can && err == nil && (resp == nil || len(resp.Failed) == 0):
				t.Errorf("Write %s succeeded, but the sink says it cannot %s", op.op, op.op)
			}
		}
		if info.Sink.CanRemove || info.Sink.CanDelete {
			// Put the member back for Check.
			if _, err := sink.Write(ctx, req, rec); err != nil {
				t.Errorf("Write (after the removal): %v", err)
			}
		}
	}
	if sc.Check != nil {
		sc.Check(t)
	}
}

func checkEvents(t *testing.T, cfg Config) {
	ctx := context.Background()
	es := open(t, cfg).(sdk.EventSource)
	resp, err := es.Events(ctx, sdk.EventsRequest{List: cfg.Events.List})
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(resp.Campaigns) != cfg.Events.Campaigns || len(resp.Events) != cfg.Events.Events {
		t.Errorf("%d campaigns and %d events, want %d and %d", len(resp.Campaigns), len(resp.Events), cfg.Events.Campaigns, cfg.Events.Events)
	}
	keys := map[string]bool{}
	for _, c := range resp.Campaigns {
		keys[c.Key] = true
		if c.Type.String() == "CampaignType(?)" {
			t.Errorf("campaign %q has no type", c.Key)
		}
	}
	for _, e := range resp.Events {
		if !keys[e.Campaign] {
			t.Errorf("an event of campaign %q, which is not among the campaigns", e.Campaign)
		}
		if e.Type.String() == "EventType(?)" || e.Key == "" {
			t.Errorf("an event without type or key: %+v", e)
		}
	}
	if len(resp.Events) > 0 && resp.Checkpoint == "" {
		t.Error("events without a checkpoint")
	}
	again, err := es.Events(ctx, sdk.EventsRequest{List: cfg.Events.List, Checkpoint: resp.Checkpoint})
	if err != nil {
		t.Fatalf("Events after the checkpoint: %v", err)
	}
	if len(again.Events) != 0 || again.Checkpoint != resp.Checkpoint {
		t.Errorf("after the checkpoint: %d events and checkpoint %q, want none and %q", len(again.Events), again.Checkpoint, resp.Checkpoint)
	}
}
