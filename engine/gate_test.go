package engine_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-sync/sluice/connectors/csv"
	"github.com/sluice-sync/sluice/connectors/lists"
	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/engine/schedule/scheduletest"
	"github.com/sluice-sync/sluice/engine/state"
)

// service is a fake SaaS account behind a connector: the key it accepts
// and the account id it reports. Tests revoke the key or move the
// connection to another account.
type service struct {
	mu      sync.Mutex
	key     string
	account string
	writes  int
	// onWrite, when set, runs after each accepted write.
	onWrite func(n int)
}

func (s *service) set(key, account string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key, s.account = key, account
}

func (s *service) check(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if key != s.key {
		return fmt.Errorf("the key was refused: %w", sdk.ErrAuth)
	}
	return nil
}

// gated wraps a built-in connector behind a service: every call fails
// with sdk.ErrAuth unless the connection's key setting is the one the
// service accepts, and the connection reports the service's account.
type gated struct {
	name  string
	inner sdk.Connector
	svc   *service
}

func (g *gated) Info() sdk.Info {
	info := g.inner.Info()
	info.Name = g.name
	info.Settings = append(append([]sdk.Setting(nil), info.Settings...),
		sdk.Setting{Name: "key", Type: sdk.TypeString, Required: true, Sensitive: true, Doc: "The API key."})
	return info
}

func (g *gated) Open(ctx context.Context, req sdk.OpenRequest) (sdk.Conn, error) {
	key := req.Settings.String("key")
	if err := g.svc.check(key); err != nil {
		return nil, err
	}
	settings := sdk.Settings{}
	for k, v := range req.Settings {
		if k != "key" {
			settings[k] = v
		}
	}
	conn, err := g.inner.Open(ctx, sdk.OpenRequest{Settings: settings})
	if err != nil {
		return nil, err
	}
	gc := gatedConn{conn: conn, svc: g.svc, key: key}
	if _, ok := conn.(sdk.Sink); ok {
		return &gatedSink{gc}, nil
	}
	return &gatedSource{gc}, nil
}

type gatedConn struct {
	conn sdk.Conn
	svc  *service
	key  string
}

func (c gatedConn) Close() error { return c.conn.Close() }

func (c gatedConn) Account(ctx context.Context) (string, error) {
	if err := c.svc.check(c.key); err != nil {
		return "", err
	}
	c.svc.mu.Lock()
	defer c.svc.mu.Unlock()
	return c.svc.account, nil
}

type gatedSource struct{ gatedConn }

func (c *gatedSource) Discover(ctx context.Context, req sdk.DiscoverRequest) (*sdk.DiscoverResponse, error) {
	if err := c.svc.check(c.key); err != nil {
		return nil, err
	}
	return c.conn.(sdk.Source).Discover(ctx, req)
}

func (c *gatedSource) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadSink) error {
	if err := c.svc.check(c.key); err != nil {
		return err
	}
	return c.conn.(sdk.Source).Read(ctx, req, out)
}

type gatedSink struct{ gatedConn }

func (c *gatedSink) Describe(ctx context.Context, req sdk.DescribeRequest) (*sdk.SinkInfo, error) {
	if err := c.svc.check(c.key); err != nil {
		return nil, err
	}
	return c.conn.(sdk.Sink).Describe(ctx, req)
}

func (c *gatedSink) Suppressions(ctx context.Context, req sdk.SuppressionsRequest) ([]sdk.Suppression, error) {
	if err := c.svc.check(c.key); err != nil {
		return nil, err
	}
	return c.conn.(sdk.Sink).Suppressions(ctx, req)
}

func (c *gatedSink) Write(ctx context.Context, req sdk.WriteRequest, rec arrow.RecordBatch) (*sdk.WriteResponse, error) {
	if err := c.svc.check(c.key); err != nil {
		return nil, err
	}
	resp, err := c.conn.(sdk.Sink).Write(ctx, req, rec)
	if err == nil {
		c.svc.mu.Lock()
		c.svc.writes++
		n, hook := c.svc.writes, c.svc.onWrite
		c.svc.mu.Unlock()
		if hook != nil {
			hook(n)
		}
	}
	return resp, err
}

// fixture is a directory of pipelines reading people.csv into lists.db
// through gated connections, with a state store on a fake clock.
type fixture struct {
	t        *testing.T
	dir      string
	src, snk *service
	registry *sdk.Registry
	clock    *scheduletest.Clock
	store    state.Store
	logs     *logBuffer
	runner   *engine.Runner
}

// pipelineHCL declares a pipeline of the fixture writing list.
func pipelineHCL(name, list, schedule string) string {
	return fmt.Sprintf(`
pipeline %q {
  source { connection = connection.src }
  transform "t" {
    fields = {
      "Email" = "lower(email)"
      "Name"  = "name"
    }
  }
  sink {
    connection = connection.list
    list       = %q
    create     = true
    key        = "Email"
  }
  %s
}
`, name, list, schedule)
}

func newFixture(t *testing.T, now time.Time, rows int, pipelines string) *fixture {
	t.Helper()
	f := &fixture{
		t: t, dir: t.TempDir(),
		src: &service{key: "k1", account: "recruit-1"}, snk: &service{key: "k1", account: "campaigns-1"},
		clock: scheduletest.New(now), logs: &logBuffer{},
	}
	f.registry = sdk.NewRegistry(&gated{"gated_csv", csv.New(), f.src}, &gated{"gated_lists", lists.New(), f.snk})
	f.writePeople(rows)
	f.writeConfig("k1", "k1", pipelines)
	st, err := state.Open(context.Background(), "sqlite:"+filepath.Join(f.dir, "state.db"), state.WithClock(f.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.store = st
	f.runner = &engine.Runner{Store: st, Load: f.load, Clock: f.clock, Log: newTestLogger(f.logs)}
	return f
}

func (f *fixture) load(ctx context.Context) (*dsl.Config, error) {
	cfg, diags := dsl.Load([]string{f.dir}, dsl.LoadOptions{Registry: f.registry})
	if diags.HasErrors() {
		return nil, diags
	}
	return cfg, nil
}

func (f *fixture) writePeople(n int) {
	var b strings.Builder
	b.WriteString("id,email,name\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%d,p%04d@example.com,Person %d\n", i, i, i)
	}
	if err := os.WriteFile(filepath.Join(f.dir, "people.csv"), []byte(b.String()), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// writeConfig writes the connections with their keys, the pipelines, and
// settings (extra is the body of the settings block).
func (f *fixture) writeConfig(srcKey, snkKey, pipelines string, settings ...string) {
	cfg := fmt.Sprintf(`
connection "src" {
  connector = "gated_csv"
  settings = {
    path = %q
    id   = "id"
    key  = %q
  }
}
connection "list" {
  connector = "gated_lists"
  settings = {
    path = %q
    key  = %q
  }
}
settings {
  %s
}
%s`, filepath.Join(f.dir, "people.csv"), srcKey, filepath.Join(f.dir, "lists.db"), snkKey, strings.Join(settings, "\n  "), pipelines)
	if err := os.WriteFile(filepath.Join(f.dir, "p.hcl"), []byte(cfg), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) run(name string) *engine.Report {
	f.t.Helper()
	return f.runner.Run(context.Background(), name)
}

func (f *fixture) status(name string) state.Pipeline {
	f.t.Helper()
	p, err := f.store.Pipeline(context.Background(), name)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// members returns the keys on a list of lists.db, sorted.
func (f *fixture) members(list string) []string {
	f.t.Helper()
	db, err := sql.Open("sqlite3", filepath.Join(f.dir, "lists.db"))
	if err != nil {
		f.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT key FROM members WHERE list = ? ORDER BY key`, list)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil
		}
		f.t.Fatal(err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		rows.Scan(&k)
		keys = append(keys, k)
	}
	return keys
}

// stateMembers returns the keys the state holds for pipeline, sorted, and
// how many of them are pending (sent but not acknowledged).
func (f *fixture) stateMembers(pipeline string) (keys []string, pending int) {
	f.t.Helper()
	err := f.store.EachMember(context.Background(), pipeline, false, func(m state.Member) error {
		keys = append(keys, m.Key)
		if m.Hash == 0 {
			pending++
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	sort.Strings(keys)
	return keys, pending
}

// logBuffer collects log lines; it is safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// ackedMembers returns the keys the state holds for pipeline as written
// and acknowledged by the sink (not pending), sorted.
func (f *fixture) ackedMembers(pipeline string) []string {
	f.t.Helper()
	var keys []string
	err := f.store.EachMember(context.Background(), pipeline, false, func(m state.Member) error {
		if m.Hash != 0 {
			keys = append(keys, m.Key)
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	sort.Strings(keys)
	return keys
}

func wantOutcome(t *testing.T, rep *engine.Report, want engine.RunOutcome) {
	t.Helper()
	if rep.Outcome != want {
		t.Fatalf("run of %s: %s (%v), want %s", rep.Pipeline, rep.Outcome, rep.Err, want)
	}
}

func wantStatus(t *testing.T, f *fixture, name string, want state.PipelineStatus) state.Pipeline {
	t.Helper()
	p := f.status(name)
	if p.Status != want {
		t.Fatalf("pipeline %s is %s (%s), want %s", name, p.Status, p.StatusReason, want)
	}
	return p
}
