package cli

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-sync/sluice/connectors"
	"github.com/sluice-sync/sluice/connectors/connectortest"
	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/engine/plan"
	"github.com/sluice-sync/sluice/engine/state"
	"github.com/sluice-sync/sluice/plugins"
)

// envServe makes the test binary run `sluice connectors serve NAME`: the
// plugin side of the tests below.
const envServe = "SLUICE_TEST_SERVE"

// TestHelperServe is not a test: it is the plugin process the tests
// start, running the serve command as a plugin binary would.
func TestHelperServe(t *testing.T) {
	name := os.Getenv(envServe)
	if name == "" {
		t.Skip("requires the plugin-process environment: a helper process, not a test of its own")
	}
	os.Exit(Main([]string{"connectors", "serve", name}, os.Stdin, os.Stdout, os.Stderr))
}

// servePlugin starts `sluice connectors serve name` as a plugin and
// returns its connector.
func servePlugin(t testing.TB, name string) sdk.Connector {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p, err := plugins.Start(context.Background(), plugins.Config{
		Name: name, Path: exe, Args: []string{"-test.run=^TestHelperServe$"}, Env: []string{envServe + "=" + name},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p.Connectors()[0]
}

// builtin returns the built-in connector name, in process or as a plugin.
func builtin(t testing.TB, name string, plugin bool) sdk.Connector {
	if plugin {
		return servePlugin(t, name)
	}
	c, _ := connectors.Builtin().Lookup(name)
	return c
}

func write(t testing.TB, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const peopleCSV = `id,email,name,modified_at,deleted
1,ann@example.com,Ann,2025-01-01T00:00:00Z,
2,bob@example.com,Bob,2025-02-01T00:00:00Z,
3,cy@example.com,Cy,2025-03-01T00:00:00Z,true
4,dee@example.com,"Dee, Jr",2025-04-01T00:00:00Z,
,noid@example.com,No Id,2025-05-01T00:00:00Z,
5,eve@example.com,Eve,,
`

const peopleJSONL = `{"id": "1", "email": "ann@example.com", "name": "Ann", "modified_at": "2025-01-01T00:00:00Z"}
{"id": "2", "email": "bob@example.com", "name": "Bob", "modified_at": "2025-02-01T00:00:00Z", "tags": ["a", "b"]}
{"id": "3", "email": "cy@example.com", "deleted": true, "modified_at": "2025-03-01T00:00:00Z"}
{"id": "4", "email": "dee@example.com", "name": "Dee", "modified_at": "2025-04-01T00:00:00Z"}
{"email": "noid@example.com"}
{"id": "5", "email": "eve@example.com", "name": "Eve"}
`

var since = time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)

// TestConformance runs the connector conformance suite on every built-in
// connector, in process and as a plugin served by `sluice connectors
// serve`.
func TestConformance(t *testing.T) {
	for _, mode := range []string{"in process", "plugin"} {
		plugin := mode == "plugin"
		t.Run(mode, func(t *testing.T) {
			t.Run("csv", func(t *testing.T) {
				dir := t.TempDir()
				path := write(t, filepath.Join(dir, "people.csv"), peopleCSV)
				connectortest.Run(t, connectortest.Config{
					Connector: builtin(t, "csv", plugin),
					Settings:  sdk.Settings{"path": path, "id": "id", "cursor": "modified_at", "deleted": "deleted"},
					Invalid: []connectortest.Invalid{
						{Name: "no path", Settings: sdk.Settings{"id": "id"}, Setting: "path"},
						{Name: "long delimiter", Settings: sdk.Settings{"path": path, "id": "id", "delimiter": ";;"}, Setting: "delimiter"},
						{Name: "bad type", Settings: sdk.Settings{"path": path, "id": "id", "types": map[string]string{"name": "blob"}}, Setting: "types"},
					},
					Source: &connectortest.SourceCase{
						IDs: []string{"1", "2", "4", "5"}, Tombstones: []string{"3"}, Rejects: 1,
						Since: since, SinceIDs: []string{"2", "4", "5"},
					},
				})
			})
			t.Run("jsonl", func(t *testing.T) {
				dir := t.TempDir()
				path := write(t, filepath.Join(dir, "people.jsonl"), peopleJSONL)
				c := builtin(t, "jsonl", plugin)
				t.Run("as source", func(t *testing.T) {
					connectortest.Run(t, connectortest.Config{
						Connector: c,
						Settings:  sdk.Settings{"path": path, "id": "id", "cursor": "modified_at", "deleted": "deleted"},
						Invalid: []connectortest.Invalid{
							{Name: "no path", Settings: sdk.Settings{"id": "id"}, Setting: "path"},
							{Name: "bad type", Settings: sdk.Settings{"path": path, "types": map[string]string{"name": "blob"}}, Setting: "types"},
						},
						Source: &connectortest.SourceCase{
							IDs: []string{"1", "2", "4", "5"}, Tombstones: []string{"3"}, Rejects: 1,
							Since: since, SinceIDs: []string{"2", "4", "5"},
						},
					})
				})
				t.Run("as sink", func(t *testing.T) {
					out := filepath.Join(dir, "out", "members.jsonl")
					connectortest.Run(t, connectortest.Config{
						Connector: c,
						Settings:  sdk.Settings{"path": out},
						Sink: &connectortest.SinkCase{
							Key: "Email", Fields: []string{"Name", "Age", "Tags"},
							Rows: [][]any{
								{"ann@example.com", "Ann", int64(31), []string{"x"}},
								{"", "Nobody", nil, nil},
								{"bob@example.com", nil, int64(40), nil},
							},
							Failed: []int{1},
							Check: func(t *testing.T) {
								b, err := os.ReadFile(out)
								if err != nil {
									t.Fatal(err)
								}
								want := `{"Email":"ann@example.com","Name":"Ann","Age":31,"Tags":["x"]}` + "\n" +
									`{"Email":"bob@example.com","Name":null,"Age":40,"Tags":null}` + "\n"
								if got := string(b); got != want+want {
									t.Errorf("the file holds:\n%s", got)
								}
							},
						},
					})
				})
			})
			t.Run("lists", func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, "lists.db")
				seedLists(t, path)
				connectortest.Run(t, connectortest.Config{
					Connector: builtin(t, "lists", plugin),
					Settings:  sdk.Settings{"path": path},
					Invalid:   []connectortest.Invalid{{Name: "no path", Settings: sdk.Settings{}, Setting: "path"}},
					Sink: &connectortest.SinkCase{
						List: "People", Key: "Email", Fields: []string{"Name"},
						Rows:   [][]any{{"ann@example.com", "Ann"}, {"not an email", "X"}, {"bob@example.com", "Bob"}},
						Failed: []int{1},
						Check: func(t *testing.T) {
							if got := query(t, path, `SELECT group_concat(key || '=' || fields, ' ') FROM members WHERE list = 'People' ORDER BY key`); got != `ann@example.com={"Name":"Ann"} bob@example.com={"Name":"Bob"}` {
								t.Errorf("members: %s", got)
							}
						},
					},
					Events: &connectortest.EventsCase{List: "News", Campaigns: 1, Events: 3},
				})
			})
		})
	}
}

// seedLists creates a lists store with a campaign and its events.
func seedLists(t testing.TB, path string) {
	t.Helper()
	c, _ := connectors.Builtin().Lookup("lists")
	conn, err := c.Open(context.Background(), sdk.OpenRequest{Settings: sdk.Settings{"path": path}})
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{
		`INSERT INTO lists VALUES ('News', '2025-01-01T00:00:00Z')`,
		`INSERT INTO members VALUES ('News', 'ann@example.com', 'active', '{"Name":"Ann"}', '2025-01-01T00:00:00Z')`,
		`INSERT INTO members VALUES ('News', 'zed@example.com', 'unsubscribed', '{}', '2025-01-01T00:00:00Z')`,
		`INSERT INTO do_not_mail VALUES ('dnm@example.com')`,
		`INSERT INTO campaigns VALUES ('c1', 'Spring', 'email', 'News', 'Hello', 'us@example.com', '2025-03-01T10:00:00Z')`,
		`INSERT INTO events VALUES ('c1', 'ann@example.com', 'opened', '2025-03-01T11:00:00Z')`,
		`INSERT INTO events VALUES ('c1', 'ann@example.com', 'clicked', '2025-03-01T11:05:00Z')`,
		`INSERT INTO events VALUES ('c1', 'zed@example.com', 'unsubscribed', '2025-03-02 09:00:00')`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
}

func query(t testing.TB, path, q string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var s sql.NullString
	if err := db.QueryRow(q).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s.String
}

const identityPipeline = `
connection "people" {
  connector = "csv"
  settings = {
    path    = "people.csv"
    id      = "id"
    cursor  = "modified_at"
    deleted = "deleted"
  }
}
connection "export" {
  connector = "jsonl"
  settings = {
    path   = "people.jsonl"
    id     = "id"
    cursor = "modified_at"
  }
}
connection "list" {
  connector = "lists"
  settings = { path = "lists.db" }
}
pipeline "from_csv" {
  source { connection = connection.people }
  criteria = "name != 'Bob'"
  transform "member" {
    fields = {
      "Email" = "lower(email)"
      "Name"  = "name"
      "Since" = "modified_at"
    }
  }
  sink {
    connection = connection.list
    list       = "People"
    create     = true
    key        = "Email"
  }
  on_source_delete = "remove_from_list"
}
pipeline "from_jsonl" {
  source { connection = connection.export }
  transform "member" {
    fields = {
      "Email" = "email"
      "Name"  = "name"
    }
  }
  sink {
    connection = connection.list
    list       = "Other"
    create     = true
    key        = "Email"
  }
}
`

// TestPlanInAndOutOfProcess: a pipeline's plan is byte for byte the same
// with the built-in connectors in process and as plugins, and so is what
// applying it writes.
func TestPlanInAndOutOfProcess(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	run := func(t *testing.T, plugin bool) (plans []byte, members string) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "people.csv"), peopleCSV)
		write(t, filepath.Join(dir, "people.jsonl"), peopleJSONL)
		write(t, filepath.Join(dir, "p.hcl"), identityPipeline)
		seedLists(t, filepath.Join(dir, "lists.db"))
		t.Chdir(dir)
		// Plugins start in the host's working directory, where relative
		// paths are taken from.
		reg := sdk.NewRegistry(builtin(t, "csv", plugin), builtin(t, "jsonl", plugin), builtin(t, "lists", plugin))
		ctx := context.Background()
		cfg, diags := dsl.Load([]string{"p.hcl"}, dsl.LoadOptions{Registry: reg})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		conns := engine.NewConns(cfg)
		defer conns.Close()
		resolved, diags := engine.Resolve(ctx, cfg, conns, nil, now)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		store, err := state.Open(ctx, "sqlite:state.db")
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		var out bytes.Buffer
		for _, name := range cfg.PipelineNames() {
			sy := &engine.Sync{Config: cfg, Store: store, Conns: conns, Resolved: resolved[name], Now: now}
			pr, err := sy.Plan(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := plan.WriteJSON(&out, pr.Plan); err != nil {
				t.Fatal(err)
			}
			if err := plan.WriteText(&out, pr.Plan, plan.TextOptions{Verbose: true}); err != nil {
				t.Fatal(err)
			}
			lease, release, err := sy.Lock(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := sy.Register(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := sy.Apply(ctx, pr, lease, engine.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			release()
		}
		conns.Close()
		return out.Bytes(), query(t, "lists.db", `SELECT group_concat(list || ' ' || key || ' ' || status || ' ' || fields, '; ') FROM (SELECT * FROM members ORDER BY list, key)`)
	}
	var inPlans, outPlans []byte
	var inMembers, outMembers string
	t.Run("in process", func(t *testing.T) { inPlans, inMembers = run(t, false) })
	t.Run("plugins", func(t *testing.T) { outPlans, outMembers = run(t, true) })
	if !bytes.Equal(inPlans, outPlans) {
		t.Errorf("the plans differ (-in process +plugins):\n%s", cmp.Diff(lines(inPlans), lines(outPlans)))
	}
	if !strings.Contains(string(inPlans), `"add":3`) {
		t.Errorf("the plan is not the one expected:\n%s", inPlans)
	}
	if inMembers != outMembers || !strings.Contains(inMembers, "People dee@example.com active") {
		t.Errorf("the members differ:\nin process: %s\nplugins:    %s", inMembers, outMembers)
	}
}

func lines(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}
