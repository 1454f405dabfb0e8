package sdk_test

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// Station is one record of the example source. SchemaOf makes its
// schema: a pointer field is nullable.
type Station struct {
	ID        string    `sluice:"id"`
	Name      string    `sluice:"name"`
	Region    string    `sluice:"region"`
	Elevation *float64  `sluice:"elevation_m"`
	Sensors   []string  `sluice:"sensors"`
	Updated   time.Time `sluice:"updated_at"`
	retired   bool      // unexported: not a column
}

// stationData stands for the API a real connector would call.
var stationData = []Station{
	{ID: "st-1", Name: "Harbour", Region: "north", Elevation: ptr(4.5), Sensors: []string{"wind", "rain"}, Updated: day(1)},
	{ID: "st-2", Name: "Ridge", Region: "north", Elevation: ptr(812), Sensors: []string{"wind"}, Updated: day(3)},
	{ID: "st-3", Name: "", Region: "north", Updated: day(4)}, // no name: rejected
	{ID: "st-4", Name: "Old mill", Region: "north", Updated: day(5), retired: true},
	{ID: "st-5", Name: "Delta", Region: "south", Updated: day(2)},
}

func ptr(f float64) *float64 { return &f }
func day(d int) time.Time    { return time.Date(2025, 3, d, 12, 0, 0, 0, time.UTC) }

// stations returns the connector: what a plugin's main serves with
// sdk.Serve(stations()).
func stations() sdk.Connector {
	info := sdk.Info{
		Name: "stations", Version: "0.1.0",
		Doc:   "Reads the weather stations of a region.",
		Kinds: []sdk.Kind{sdk.KindSource},
		Settings: []sdk.Setting{
			{Name: "region", Type: sdk.TypeString, Required: true, Enum: []string{"north", "south"}, Doc: "The region to read."},
			{Name: "api_key", Type: sdk.TypeString, Sensitive: true, Doc: "The API key."},
		},
	}
	return sdk.NewConnector(info, func(ctx context.Context, s sdk.Settings) (sdk.Conn, error) {
		return &stationConn{region: s.String("region")}, nil
	})
}

type stationConn struct {
	sdk.NopClose
	region string
}

func (c *stationConn) Discover(ctx context.Context, req sdk.DiscoverRequest) (*sdk.DiscoverResponse, error) {
	schema, err := sdk.SchemaOf(Station{})
	if err != nil {
		return nil, err
	}
	return &sdk.DiscoverResponse{Streams: []sdk.Stream{{
		Name: "stations", Schema: schema, IDField: "id", CursorField: "updated_at", Tombstones: true,
	}}}, nil
}

func (c *stationConn) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadSink) error {
	schema, _ := sdk.SchemaOf(Station{})
	w, err := sdk.NewBatchWriter(schema, req.BatchRows, out)
	if err != nil {
		return err
	}
	defer w.Release()
	var retired []string
	for i, st := range stationData {
		switch {
		case st.Region != c.region || st.Updated.Before(req.Since):
			continue
		case st.retired:
			retired = append(retired, st.ID)
		case st.Name == "":
			if err := out.Reject(sdk.RejectedRow{ID: st.ID, Position: fmt.Sprintf("record %d", i+1), Reason: "the station has no name"}); err != nil {
				return err
			}
		default:
			if err := w.AppendStruct(st); err != nil {
				return err
			}
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return out.Tombstones(retired)
}

// printer is a ReadSink printing what it receives.
type printer struct{}

func (printer) Batch(rec arrow.RecordBatch) error {
	names := rec.Column(1).(*array.String)
	for i := 0; i < int(rec.NumRows()); i++ {
		fmt.Printf("batch row: %s %s elevation=%s sensors=%s\n", rec.Column(0).ValueStr(i), names.Value(i),
			rec.Column(3).ValueStr(i), rec.Column(4).ValueStr(i))
	}
	return nil
}

func (printer) Tombstones(ids []string) error { fmt.Println("deleted:", ids); return nil }

func (printer) Reject(r sdk.RejectedRow) error {
	fmt.Printf("rejected %s (%s): %s\n", r.ID, r.Position, r.Reason)
	return nil
}

// A source connector: a struct for its records, its Info, and Discover
// and Read on its connection. In a plugin, main calls
// sdk.Serve(stations()); here it runs in process.
func Example_source() {
	ctx := context.Background()
	c := stations()
	settings, problems := sdk.CheckSettings(c.Info(), sdk.Settings{"region": "north", "api_key": "k"})
	fmt.Println("problems:", problems)
	conn, err := c.Open(ctx, sdk.OpenRequest{Settings: settings})
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	src := conn.(sdk.Source)
	d, _ := src.Discover(ctx, sdk.DiscoverRequest{})
	for _, f := range d.Streams[0].Schema.Fields() {
		fmt.Printf("column %s: %s, nullable %v\n", f.Name, f.Type, f.Nullable)
	}
	if err := src.Read(ctx, sdk.ReadRequest{Stream: "stations", Since: day(2)}, printer{}); err != nil {
		panic(err)
	}
	// Output:
	// problems: []
	// column id: utf8, nullable false
	// column name: utf8, nullable false
	// column region: utf8, nullable false
	// column elevation_m: float64, nullable true
	// column sensors: list<item: utf8, nullable>, nullable true
	// column updated_at: timestamp[us, tz=UTC], nullable false
	// rejected st-3 (record 3): the station has no name
	// batch row: st-2 Ridge elevation=812 sensors=["wind"]
	// deleted: [st-4]
}
