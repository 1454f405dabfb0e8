package jsonl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/sluice-sync/sluice/connectors/internal/column"
	"github.com/sluice-sync/sluice/connectors/sdk"
)

// Name is the connector type name.
const Name = "jsonl"

// DefaultBatchRows is the batch size when ReadRequest.BatchRows is 0.
const DefaultBatchRows = 16384

// StreamAlias is accepted by Read and Discover as the name of the file's
// only stream, besides its own name and "".
const StreamAlias = "records"

var settings = []sdk.Setting{
	{Name: "path", Type: sdk.TypeString, Required: true,
		Doc: "The JSON lines file: read as a source, replaced as a sink. A relative path is taken as given, relative to the working directory of the sluice process."},
	{Name: "id", Type: sdk.TypeString,
		Doc: "As a source (where it is required): the member holding each record's source id, a string or an integer. A line without one is rejected."},
	{Name: "cursor", Type: sdk.TypeString,
		Doc: "As a source: a member holding each record's modified time (RFC 3339, or 2006-01-02 15:04:05 read as UTC); it is typed as a time and lets a pipeline use since."},
	{Name: "deleted", Type: sdk.TypeString,
		Doc: "As a source: a member marking deleted records: a line whose value is true, 1 or yes (as JSON or a string, in any case) is reported as a tombstone, not as a record."},
	{Name: "types", Type: sdk.TypeStringMap,
		Doc: "As a source: member types overriding inference, member name to string, int, float, bool, time or []string. A string value read into a []string member is split at semicolons."},
}

var sinkInfo = sdk.SinkInfo{KeyKind: sdk.KeyString, OpenFields: true}

// New returns the jsonl connector.
func New() sdk.Connector { return connector{} }

type connector struct{}

func (connector) Info() sdk.Info {
	si := sinkInfo
	return sdk.Info{
		Name: Name,
		Doc: "Reads a JSON lines file (one object per line) as one stream of records, with member types inferred from the values; " +
			"as a sink, writes each member as one JSON object line to a file that every run that writes starts again (a stateless export).",
		Kinds:    []sdk.Kind{sdk.KindSource, sdk.KindSink},
		Settings: settings,
		Sink:     &si,
	}
}

// ValidateSettings checks the types map.
func (connector) ValidateSettings(s sdk.Settings) []sdk.Problem {
	return column.CheckTypes(s)
}

func (connector) Open(ctx context.Context, req sdk.OpenRequest) (sdk.Conn, error) {
	s := req.Settings
	if ps := column.CheckTypes(s); len(ps) > 0 {
		return nil, fmt.Errorf("jsonl: %s: %s", ps[0].Summary, ps[0].Detail)
	}
	c := &conn{
		path:    s.String("path"),
		id:      s.String("id"),
		cursor:  s.String("cursor"),
		deleted: s.String("deleted"),
		types:   map[string]column.Type{},
	}
	if c.path == "" {
		return nil, errors.New("jsonl: the path setting is required")
	}
	for col, name := range s.StringMap("types") {
		c.types[col], _ = column.ParseType(name)
	}
	return c, nil
}

// conn is an open jsonl connection: a source reading the file anew for
// the first Discover and each Read, and a sink writing it.
type conn struct {
	path, id, cursor, deleted string
	types                     map[string]column.Type

	mu    sync.Mutex
	table *table // what the first Discover (or Read) found

	// The sink side: the file, open from the first Write to Close.
	wmu sync.Mutex
	f   *os.File
	buf []byte // a batch's lines
}

// Close syncs what was written to disk and closes the file.
func (c *conn) Close() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.f == nil {
		return nil
	}
	err := c.f.Sync()
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	c.f = nil
	if err != nil {
		return fmt.Errorf("jsonl %s: %w", c.path, err)
	}
	return nil
}

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
		return nil, fmt.Errorf("jsonl %s: no stream %q; the file's only stream is %q", c.path, req.Stream, c.streamName())
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
	if c.id == "" {
		return nil, fmt.Errorf("jsonl %s: the id setting is required to read the file", c.path)
	}
	st, err := os.Stat(c.path)
	if err != nil {
		return nil, fmt.Errorf("jsonl: %w", err)
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
