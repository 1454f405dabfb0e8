package csv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/sluice-sync/sluice/connectors/internal/column"
	"github.com/sluice-sync/sluice/connectors/sdk"
)

// Name is the connector type name.
const Name = "csv"

// DefaultBatchRows is the batch size when ReadRequest.BatchRows is 0.
const DefaultBatchRows = 16384

// StreamAlias is accepted by Read and Discover as the name of the file's
// only stream, besides its own name and "".
const StreamAlias = "records"

var settings = []sdk.Setting{
	{Name: "path", Type: sdk.TypeString, Required: true,
		Doc: "The CSV file to read. A relative path is taken as given, relative to the working directory of the sluice process."},
	{Name: "id", Type: sdk.TypeString, Required: true,
		Doc: "The column holding each record's source id. A row whose id is empty is rejected."},
	{Name: "cursor", Type: sdk.TypeString,
		Doc: "A column holding each record's modified time (RFC 3339, or 2006-01-02 15:04:05 read as UTC); it is typed as a time and lets a pipeline use since."},
	{Name: "deleted", Type: sdk.TypeString,
		Doc: "A column marking deleted records: a row whose value is true, 1 or yes (in any case) is reported as a tombstone, not as a record."},
	{Name: "types", Type: sdk.TypeStringMap,
		Doc: "Column types overriding inference, column name to string, int, float, bool, time or []string. A []string column splits its values at semicolons."},
	{Name: "delimiter", Type: sdk.TypeString, Default: ",",
		Doc: "The field delimiter: one ASCII character, such as \",\", \";\" or a tab."},
}

// New returns the csv connector.
func New() sdk.Connector { return connector{} }

type connector struct{}

func (connector) Info() sdk.Info {
	return sdk.Info{
		Name: Name,
		Doc: "Reads one CSV file with a header line as one stream of records. Column types are inferred from the data " +
			"(int, float, bool, time, else string) unless the types setting names them. Malformed rows are rejected with their line.",
		Kinds:    []sdk.Kind{sdk.KindSource},
		Settings: settings,
	}
}

// ValidateSettings checks the delimiter and the types map.
func (connector) ValidateSettings(s sdk.Settings) []sdk.Problem {
	var ps []sdk.Problem
	if d, ok := s["delimiter"].(string); ok {
		if _, ok := delimiter(d); !ok {
			ps = append(ps, sdk.Problem{Setting: "delimiter", Summary: "Invalid delimiter",
				Detail: fmt.Sprintf("The delimiter is %q; it must be one ASCII character other than a quote or a line break, such as \",\", \";\" or a tab.", d)})
		}
	}
	return append(ps, column.CheckTypes(s)...)
}

// delimiter returns the delimiter byte d names ("" is a comma).
func delimiter(d string) (byte, bool) {
	if d == "" {
		return ',', true
	}
	if len(d) != 1 || d[0] >= 0x80 || d[0] == '"' || d[0] == '\r' || d[0] == '\n' {
		return 0, false
	}
	return d[0], true
}

// Open checks the settings and returns a connection. It does no I/O: the
// file is read by Discover and Read, so a missing file is their error.
func (connector) Open(ctx context.Context, req sdk.OpenRequest) (sdk.Conn, error) {
	s := req.Settings
	if ps := (connector{}).ValidateSettings(s); len(ps) > 0 {
		return nil, fmt.Errorf("csv: %s: %s", ps[0].Summary, ps[0].Detail)
	}
	comma, _ := delimiter(s.String("delimiter"))
	c := &conn{
		path:    s.String("path"),
		id:      s.String("id"),
		cursor:  s.String("cursor"),
		deleted: s.String("deleted"),
		types:   map[string]column.Type{},
		comma:   comma,
	}
	for col, name := range s.StringMap("types") {
		c.types[col], _ = column.ParseType(name)
	}
	if c.path == "" || c.id == "" {
		return nil, fmt.Errorf("csv: the path and id settings are required")
	}
	return c, nil
}

// conn is an open csv connection. The first Discover (or Read) reads the
// whole file to infer its schema, each Read reads it again; no file is
// held open between calls.
type conn struct {
	path, id, cursor, deleted string
	types                     map[string]column.Type
	comma                     byte

	mu    sync.Mutex
	table *table // what the first Discover (or Read) found
}

func (c *conn) Close() error { return nil }

// streamName is the name of the file's stream: its base name without
// extension.
func (c *conn) streamName() string {
	base := filepath.Base(c.path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

func (c *conn) knows(stream string) bool {
	return stream == "" || stream == StreamAlias || stream == c.streamName()
}

// Discover infers the file's schema (reading it once) and returns its one
// stream. The result is kept: later calls and Read use the same schema.
func (c *conn) Discover(ctx context.Context, req sdk.DiscoverRequest) (*sdk.DiscoverResponse, error) {
	if !c.knows(req.Stream) {
		return nil, fmt.Errorf("csv %s: no stream %q; the file's only stream is %q", c.path, req.Stream, c.streamName())
	}
	t, err := c.discover(ctx, true)
	if err != nil {
		return nil, err
	}
	return &sdk.DiscoverResponse{Streams: []sdk.Stream{t.stream}}, nil
}

// discover returns the file's inferred shape. With fresh set (Discover)
// the file is inferred again when it changed since the last inference (by
// size or modification time), so that a long-lived connection follows
// the file from run to run; without it (Read) the last inference is used
// whatever happened since, so that a run reads with the schema it
// planned with.
func (c *conn) discover(ctx context.Context, fresh bool) (*table, error) {
	st, err := os.Stat(c.path)
	if err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.table; t != nil && (!fresh || t.size == st.Size() && t.mod.Equal(st.ModTime())) {
		return t, nil
	}
	t, err := c.infer(ctx)
	if err != nil {
		return nil, err
	}
	t.size, t.mod = st.Size(), st.ModTime()
	c.table = t
	return t, nil
}
