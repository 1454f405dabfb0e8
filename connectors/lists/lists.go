package lists

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // the database/sql driver "sqlite3"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// Name is the connector type name.
const Name = "lists"

// Schema is the SQL creating the store's tables, as doc.go documents it.
// Open runs it on every connection; it changes nothing in an existing
// file. The two indexes only speed up deletes by key and events by list.
const Schema = `
CREATE TABLE IF NOT EXISTS lists(name TEXT PRIMARY KEY, created_at TEXT);
CREATE TABLE IF NOT EXISTS members(list TEXT, key TEXT, status TEXT, fields TEXT, updated_at TEXT, PRIMARY KEY(list, key));
CREATE TABLE IF NOT EXISTS do_not_mail(key TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS campaigns(key TEXT PRIMARY KEY, name TEXT, type TEXT, list TEXT, subject TEXT, sender TEXT, sent_at TEXT);
CREATE TABLE IF NOT EXISTS events(campaign TEXT, key TEXT, event TEXT, at TEXT);
CREATE INDEX IF NOT EXISTS members_by_key ON members(key);
CREATE INDEX IF NOT EXISTS campaigns_by_list ON campaigns(list);
`

// Member statuses, as stored in members.status.
const (
	StatusActive       = "active"
	StatusUnsubscribed = "unsubscribed"
	StatusBounced      = "bounced"
	StatusComplained   = "complained"
)

// busyTimeout is how long a write waits for a lock held by someone else
// (a person in the sqlite3 shell) before failing.
const busyTimeout = 10 * time.Second

var settings = []sdk.Setting{
	{Name: "path", Type: sdk.TypeString, Required: true,
		Doc: "The SQLite file holding the lists; it and its directory are created when missing. A relative path is taken as given, relative to the working directory of the sluice process."},
}

var sinkInfo = sdk.SinkInfo{KeyKind: sdk.KeyEmail, OpenFields: true, CanRemove: true, CanDelete: true}

// New returns the lists connector.
func New() sdk.Connector { return connector{} }

type connector struct{}

func (connector) Info() sdk.Info {
	si := sinkInfo
	return sdk.Info{
		Name: Name,
		Doc: "A local mailing-list store in one SQLite file, behaving like an email-marketing tool: members keyed by email address, " +
			"unsubscribes and complaints that stick, an org-wide do-not-mail list, and campaign events for feedback.",
		Kinds:    []sdk.Kind{sdk.KindSink, sdk.KindEvents},
		Settings: settings,
		Sink:     &si,
	}
}

// Open opens (creating when missing) the store and its tables.
func (connector) Open(ctx context.Context, req sdk.OpenRequest) (sdk.Conn, error) {
	path := req.Settings.String("path")
	if path == "" {
		return nil, errors.New("lists: the path setting is required")
	}
	return open(ctx, path)
}

// conn is an open store. Its methods are safe for concurrent use.
type conn struct {
	path string
	db   *sql.DB
	now  func() time.Time
}

func open(ctx context.Context, path string) (*conn, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("lists: %w", err)
		}
	}
	db, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("lists %s: %w", path, err)
	}
	// Writes serialise on SQLite's lock anyway; a few connections let
	// reads (suppressions, events) proceed meanwhile.
	db.SetMaxOpenConns(4)
	if _, err := db.ExecContext(ctx, Schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("lists %s: creating the tables: %w", path, err)
	}
	return &conn{path: path, db: db, now: time.Now}, nil
}

// dsn is the go-sqlite3 data source of path: WAL, so that readers (a
// person with sqlite3, another process) do not block writes nor are
// blocked by them; a busy timeout, so that a write waits for a lock
// someone holds; synchronous=FULL, so that a committed Write survives a
// power loss; and write transactions that take the lock when they begin.
func dsn(path string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return fmt.Sprintf("file:%s?_journal_mode=WAL&_busy_timeout=%d&_synchronous=FULL&_txlock=immediate",
		esc, busyTimeout.Milliseconds())
}

// Close closes the store.
func (c *conn) Close() error {
	if err := c.db.Close(); err != nil {
		return fmt.Errorf("lists %s: %w", c.path, err)
	}
	return nil
}

// stamp is how the store writes times: RFC 3339 in UTC.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
