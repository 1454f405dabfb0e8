package connectortest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-sync/sluice/connectors/connectortest"
	"github.com/sluice-sync/sluice/connectors/sdk"
)

// note is the record of a tiny connector written with the SDK's helpers,
// to run the suite on.
type note struct {
	ID      string    `sluice:"id"`
	Text    string    `sluice:"text"`
	Updated time.Time `sluice:"updated"`
}

var notes = []note{
	{"n1", "first", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
	{"n2", "second", time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)},
	{"n3", "third", time.Date(2025, 1, 3, 0, 0, 0, 0, time.UTC)},
}

var sinkInfo = sdk.SinkInfo{KeyKind: sdk.KeyString, OpenFields: true}

func notesConnector() sdk.Connector {
	return sdk.NewConnector(sdk.Info{
		Name: "notes", Doc: "Notes in memory.", Kinds: []sdk.Kind{sdk.KindSource, sdk.KindSink}, Sink: &sinkInfo,
		Settings: []sdk.Setting{{Name: "owner", Type: sdk.TypeString, Required: true, Doc: "Whose notes."}},
	}, func(ctx context.Context, s sdk.Settings) (sdk.Conn, error) {
		return &notesConn{SinkDefaults: sdk.SinkDefaults{Info: sinkInfo}}, nil
	})
}

type notesConn struct {
	sdk.NopClose
	sdk.SinkDefaults
}

func (c *notesConn) Discover(ctx context.Context, req sdk.DiscoverRequest) (*sdk.DiscoverResponse, error) {
	schema, _ := sdk.SchemaOf(note{})
	return &sdk.DiscoverResponse{Streams: []sdk.Stream{{Name: "notes", Schema: schema, IDField: "id", CursorField: "updated", Tombstones: true}}}, nil
}

func (c *notesConn) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadSink) error {
	if req.Stream != "" && req.Stream != "notes" {
		return fmt.Errorf("no stream %q", req.Stream)
	}
	schema, _ := sdk.SchemaOf(note{})
	w, err := sdk.NewBatchWriter(schema, req.BatchRows, out)
	if err != nil {
		return err
	}
	defer w.Release()
	for _, n := range notes {
		if err := w.AppendStruct(n); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return out.Tombstones([]string{"n0"})
}

func (c *notesConn) Write(ctx context.Context, req sdk.WriteRequest, rec arrow.RecordBatch) (*sdk.WriteResponse, error) {
	if err := sdk.OnlyUpsert("notes", req.Op); err != nil {
		return nil, err
	}
	keys := rec.Column(0).(*array.String)
	resp := &sdk.WriteResponse{}
	for i := 0; i < keys.Len(); i++ {
		if keys.Value(i) == "" {
			resp.Failed = append(resp.Failed, sdk.RecordError{Row: i, Reason: "no key"})
		}
	}
	return resp, nil
}

func TestRun(t *testing.T) {
	connectortest.Run(t, connectortest.Config{
		Connector: notesConnector(),
		Settings:  sdk.Settings{"owner": "me"},
		Invalid:   []connectortest.Invalid{{Name: "no owner", Settings: sdk.Settings{}, Setting: "owner"}},
		Source: &connectortest.SourceCase{
			IDs: []string{"n1", "n2", "n3"}, Tombstones: []string{"n0"},
			Since: notes[1].Updated, SinceIDs: []string{"n2", "n3"},
		},
		Sink: &connectortest.SinkCase{
			Key: "key", Fields: []string{"text", "n"},
			Rows:   [][]any{{"a", "A", int64(1)}, {"", "none", nil}, {"b", nil, int64(2)}},
			Failed: []int{1},
		},
	})
}
