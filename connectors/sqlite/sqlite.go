package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // the database/sql driver "sqlite3"

	"github.com/sluice-sync/sluice/connectors/internal/column"
	"github.com/sluice-sync/sluice/connectors/sdk"
)

// Name is the connector type name.
const Name = "sqlite"

// DefaultBatchRows is the batch size when ReadRequest.BatchRows is 0.
const DefaultBatchRows = 16384

// DefaultQueryStream is the stream name of a query when the stream
// setting is not set.
const DefaultQueryStream = "query"

// Modules that feedback writes into besides the source's own tables: the
// campaign records and the campaign-member statuses. A feedback request
// for one of them goes to the table the campaigns_table or
// campaign_members_table setting names.
const (
	CampaignsModule       = "Campaigns"
	CampaignMembersModule = "CampaignMembers"
)

// busyTimeout is how long a write waits for a lock held by someone else
// (a person in the sqlite3 shell) before failing.
const busyTimeout = 10 * time.Second

var settings = []sdk.Setting{
	{Name: "path", Type: sdk.TypeString, Required: true,
		Doc: "The SQLite database file. A relative path is taken as given, relative to the working directory of the sluice process; the file and its directory are created when missing."},
	{Name: "table", Type: sdk.TypeString,
		Doc: "The table read as the source's one stream, named after the table. Without table or query, every table of the file is a stream and the pipeline's module names one."},
	{Name: "query", Type: sdk.TypeString,
		Doc: "A SELECT statement read as the source's one stream instead of a table, named by the stream setting. Its result columns are the stream's columns."},
	{Name: "stream", Type: sdk.TypeString, Default: DefaultQueryStream,
		Doc: "The name of the query's stream."},
	{Name: "id", Type: sdk.TypeString, Default: "id",
		Doc: "The column holding each record's source id. A row whose id is NULL or empty is rejected."},
	{Name: "cursor", Type: sdk.TypeString,
		Doc: "A column holding each record's modified time (RFC 3339, 2006-01-02 15:04:05 read as UTC, or whole Unix seconds); it is typed as a time and lets a pipeline use since."},
	{Name: "deleted", Type: sdk.TypeString,
		Doc: "A column marking deleted records: a row whose value is true, 1 or yes (in any case) is reported as a tombstone, not as a record."},
	{Name: "types", Type: sdk.TypeStringMap,
		Doc: "Column types overriding the declared and observed ones, column name to string, int, float, bool, time or []string. A []string column splits its values at semicolons."},
	{Name: "seed", Type: sdk.TypeString,
		Doc: "A file of SQL statements run when the database has no table yet, to create and fill it: a demo or test database kept as text. A relative path is taken as given, relative to the working directory of the sluice process."},
	{Name: "campaigns_table", Type: sdk.TypeString, Default: "campaigns",
		Doc: "The table feedback writes campaign records into (create_campaigns); created when missing."},
	{Name: "campaign_members_table", Type: sdk.TypeString, Default: "campaign_members",
		Doc: "The table feedback writes campaign-member statuses into (member_status); created when missing."},
}

var sinkInfo = sdk.SinkInfo{KeyKind: sdk.KeyString, OpenFields: true, CanRemove: true, CanDelete: true}

// New returns the sqlite connector.
func New() sdk.Connector { return connector{} }

type connector struct{}

func (connector) Info() sdk.Info {
	si := sinkInfo
	return sdk.Info{
		Name: Name,
		Doc: "Reads and writes a SQLite database file: a table or a query as a source (with id, cursor and deleted columns), " +
			"the target of feedback (campaign records, campaign-member statuses, status fields and pushed recipients), " +
			"and a sink upserting members into a table by key.",
		Kinds:    []sdk.Kind{sdk.KindSource, sdk.KindSink, sdk.KindFeedback},
		Settings: settings,
		Sink:     &si,
	}
}

// ValidateSettings checks that table and query are not both set, the
// types map, and that the special tables are named.
func (connector) ValidateSettings(s sdk.Settings) []sdk.Problem {
	var ps []sdk.Problem
	if s.String("table") != "" && s.String("query") != "" {
		ps = append(ps, sdk.Problem{Setting: "query", Summary: "Both table and query are set",
			Detail: "The source reads either a table or a query. Remove one of the two settings."})
	}
	if q := s.String("query"); q != "" && !isSelect(q) {
		ps = append(ps, sdk.Problem{Setting: "query", Summary: "Query is not a SELECT",
			Detail: fmt.Sprintf("The query %q must be one SELECT (or WITH ... SELECT) statement, without a trailing semicolon.", shorten(q))})
	}
	for _, name := range []string{"campaigns_table", "campaign_members_table", "id"} {
		if v, ok := s[name].(string); ok && strings.TrimSpace(v) == "" {
			ps = append(ps, sdk.Problem{Setting: name, Summary: "Empty setting",
				Detail: fmt.Sprintf("The %s setting is empty; name a column or table, or remove the setting for its default.", name)})
		}
	}
	return append(ps, column.CheckTypes(s)...)
}

// isSelect reports whether q looks like one query statement.
func isSelect(q string) bool {
	t := strings.ToUpper(strings.TrimSpace(q))
	if strings.HasSuffix(t, ";") {
		return false
	}
	return strings.HasPrefix(t, "SELECT") || strings.HasPrefix(t, "WITH") || strings.HasPrefix(t, "VALUES")
}

func shorten(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// Open checks the settings and opens the database, creating the file when
// missing.
func (connector) Open(ctx context.Context, req sdk.OpenRequest) (sdk.Conn, error) {
	s := req.Settings
	if ps := (connector{}).ValidateSettings(s); len(ps) > 0 {
		return nil, fmt.Errorf("sqlite: %s: %s", ps[0].Summary, ps[0].Detail)
	}
	path := s.String("path")
	if path == "" {
		return nil, errors.New("sqlite: the path setting is required")
	}
	c := &conn{
		path:           path,
		table:          s.String("table"),
		query:          s.String("query"),
		stream:         orDefault(s.String("stream"), DefaultQueryStream),
		id:             orDefault(s.String("id"), "id"),
		cursor:         s.String("cursor"),
		deleted:        s.String("deleted"),
		types:          map[string]column.Type{},
		campaigns:      orDefault(s.String("campaigns_table"), "campaigns"),
		campaignMember: orDefault(s.String("campaign_members_table"), "campaign_members"),
		shapes:         map[string]*shape{},
	}
	for col, name := range s.StringMap("types") {
		c.types[col], _ = column.ParseType(name)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	db, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	c.db = db
	if seed := s.String("seed"); seed != "" {
		if err := c.seed(ctx, seed); err != nil {
			db.Close()
			return nil, err
		}
	}
	return c, nil
}

// seed runs the SQL file at path when the database has no table, in one
// transaction.
func (c *conn) seed(ctx context.Context, path string) error {
	var n int
	if err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table'`).Scan(&n); err != nil {
		return fmt.Errorf("sqlite %s: %w", c.path, err)
	}
	if n > 0 {
		return nil
	}
	script, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("sqlite %s: seed: %w", c.path, err)
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite %s: %w", c.path, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, string(script)); err != nil {
		return fmt.Errorf("sqlite %s: seed %s: %w", c.path, path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite %s: seed %s: %w", c.path, path, err)
	}
	return nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// dsn is the go-sqlite3 data source of path: WAL, so that a person
// reading the file meanwhile neither blocks nor is blocked; a busy
// timeout, so that a write waits for a lock someone holds;
// synchronous=FULL, so that an accepted write survives a power loss; and
// write transactions that take the lock when they begin.
func dsn(path string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return fmt.Sprintf("file:%s?_journal_mode=WAL&_busy_timeout=%d&_synchronous=FULL&_txlock=immediate",
		esc, busyTimeout.Milliseconds())
}

// conn is an open database. Its methods are safe for concurrent use.
type conn struct {
	path                      string
	db                        *sql.DB
	table, query, stream      string
	id, cursor, deleted       string
	types                     map[string]column.Type
	campaigns, campaignMember string

	mu     sync.Mutex
	shapes map[string]*shape // by stream name, as Discover found them
}

// Close closes the database.
func (c *conn) Close() error {
	if err := c.db.Close(); err != nil {
		return fmt.Errorf("sqlite %s: %w", c.path, err)
	}
	return nil
}

// quoteIdent quotes a table or column name for SQL.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
