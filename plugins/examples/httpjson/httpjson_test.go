package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/sluice-sync/sluice/connectors/connectortest"
	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/plugins"
)

// api serves three pages of people, to requests with the right token.
func api(t *testing.T) *httptest.Server {
	pages := map[string]string{
		"1": `{"records": [
			{"id": "p1", "email": "ann@example.com", "name": "Ann", "age": 31, "tags": ["vip"], "updated_at": "2025-01-01T00:00:00Z"},
			{"id": "p2", "email": "bob@example.com", "name": "Bob", "age": 40, "updated_at": "2025-02-01T00:00:00Z"}
		], "next": "/people?page=2"}`,
		"2": `{"records": [
			{"id": "p3", "email": "cy@example.com", "deleted": true},
			{"id": "p4", "email": "dee@example.com", "name": "Dee", "age": "old", "updated_at": "2025-03-01T00:00:00Z"},
			{"email": "noid@example.com"}
		], "next": "/people?page=3"}`,
		"3": `{"records": [
			{"id": "p5", "email": "Eve@Example.com", "name": "Eve", "age": null, "updated_at": "2025-04-01T00:00:00Z"}
		], "next": null}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "who are you?", http.StatusUnauthorized)
			return
		}
		page, ok := pages[r.URL.Query().Get("page")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, page)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func testSettings(srv *httptest.Server) sdk.Settings {
	return sdk.Settings{
		"url": srv.URL + "/people?page=1", "token": "s3cret", "id": "id", "cursor": "updated_at", "deleted": "deleted",
		"fields": map[string]string{"id": "string", "email": "string", "name": "string", "age": "int", "tags": "[]string", "updated_at": "time"},
	}
}

func conformance(srv *httptest.Server, c sdk.Connector) connectortest.Config {
	s := testSettings(srv)
	bad := func(k string, v any) sdk.Settings {
		out := sdk.Settings{}
		for n, x := range s {
			out[n] = x
		}
		out[k] = v
		return out
	}
	return connectortest.Config{
		Connector: c,
		Settings:  s,
		Invalid: []connectortest.Invalid{
			{Name: "unknown type", Settings: bad("fields", map[string]string{"id": "string", "x": "blob"}), Setting: "fields"},
			{Name: "cursor not a time", Settings: bad("cursor", "name"), Setting: "cursor"},
			{Name: "not a URL", Settings: bad("url", "ftp://x"), Setting: "url"},
			{Name: "no fields", Settings: sdk.Settings{"url": "http://x", "id": "id"}, Setting: "fields"},
		},
		Source: &connectortest.SourceCase{
			IDs: []string{"p1", "p2", "p5"}, Tombstones: []string{"p3"}, Rejects: 2,
			Since: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), SinceIDs: []string{"p2", "p5"},
		},
	}
}

// binDir holds the binaries the tests build, removed by TestMain.
var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// build builds the plugin and sluice into a temporary directory, once per
// test binary.
var build = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "httpjson-test-")
	if err != nil {
		return "", err
	}
	binDir = dir
	for _, b := range [][2]string{{"httpjson", "."}, {"sluice", "github.com/sluice-sync/sluice/cmd/sluice"}} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, b[0]), b[1]).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("building %s: %v\n%s", b[0], err, out)
		}
	}
	return dir, nil
})

func built(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds binaries: skipped with -short")
	}
	dir, err := build()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func sha(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestConformance runs the conformance suite in process and on the built
// plugin.
func TestConformance(t *testing.T) {
	srv := api(t)
	t.Run("in process", func(t *testing.T) { connectortest.Run(t, conformance(srv, New())) })
	t.Run("plugin", func(t *testing.T) {
		bin := filepath.Join(built(t), "httpjson")
		p, err := plugins.Start(context.Background(), plugins.Config{Name: "http_json", Path: bin, SHA256: sha(t, bin)})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		connectortest.Run(t, conformance(srv, p.Connectors()[0]))
	})
}

func TestAuthRefused(t *testing.T) {
	srv := api(t)
	s := testSettings(srv)
	s["token"] = "wrong"
	s, _ = sdk.CheckSettings(New().Info(), s)
	conn, err := New().Open(context.Background(), sdk.OpenRequest{Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	err = conn.(sdk.Source).Read(context.Background(), sdk.ReadRequest{}, nil)
	if err == nil || !strings.Contains(err.Error(), "401 Unauthorized") || !strings.Contains(err.Error(), sdk.ErrAuth.Error()) {
		t.Errorf("got %v", err)
	}
}

const pipeline = `
variable "token" {
  type      = string
  sensitive = true
}

plugin "http_json" {
  path   = %q
  sha256 = %q
}

connection "people" {
  connector = "http_json"
  settings = {
    url     = %q
    token   = var.token
    id      = "id"
    cursor  = "updated_at"
    deleted = "deleted"
    fields = {
      id         = "string"
      email      = "string"
      name       = "string"
      age        = "int"
      tags       = "[]string"
      updated_at = "time"
    }
  }
}

connection "list" {
  connector = "lists"
  settings  = { path = "lists.db" }
}

pipeline "people" {
  source { connection = connection.people }
  criteria = "age == nil || age < 35"
  transform "member" {
    fields = {
      "Email" = "lower(email)"
      "Name"  = "name"
    }
  }
  sink {
    connection = connection.list
    list       = "People"
    create     = true
    key        = "Email"
  }
}
`

// TestPipeline builds the plugin, pins its sha256 in a plugin block and
// runs sluice plan and apply through it.
func TestPipeline(t *testing.T) {
	bins := built(t)
	srv := api(t)
	dir := t.TempDir()
	bin := filepath.Join(bins, "httpjson")
	hcl := fmt.Sprintf(pipeline, bin, sha(t, bin), srv.URL+"/people?page=1")
	if err := os.WriteFile(filepath.Join(dir, "people.hcl"), []byte(hcl), 0o644); err != nil {
		t.Fatal(err)
	}
	sluice := func(wantCode int, args ...string) string {
		t.Helper()
		cmd := exec.Command(filepath.Join(bins, "sluice"), args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "SLUICE_VAR_token=s3cret", "NO_COLOR=1")
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != wantCode {
			t.Fatalf("sluice %s: exit %d, want %d:\n%s", strings.Join(args, " "), code, wantCode, out)
		}
		return string(out)
	}
	out := sluice(2, "plan", "-detailed-exitcode", "people.hcl")
	for _, want := range []string{
		"+ add ann@example.com [source p1]",
		"+ add eve@example.com [source p5]",
		"Plan: 2 to add, 0 to update, 0 to remove, 0 to delete. 0 unchanged, 0 excluded, 2 rejected",
		"page 2 record 2: age: \"old\" is not a int64",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan does not say %q:\n%s", want, out)
		}
	}
	out = sluice(0, "apply", "-auto-approve", "people.hcl")
	if !strings.Contains(out, "Apply complete for people: 2 added") {
		t.Errorf("apply:\n%s", out)
	}
	db, err := sql.Open("sqlite3", filepath.Join(dir, "lists.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var members string
	if err := db.QueryRow(`SELECT group_concat(key || ' ' || fields, '; ') FROM (SELECT * FROM members WHERE list = 'People' ORDER BY key)`).Scan(&members); err != nil {
		t.Fatal(err)
	}
	if members != `ann@example.com {"Name":"Ann"}; eve@example.com {"Name":"Eve"}` {
		t.Errorf("members: %s", members)
	}
	out = sluice(0, "plan", "-detailed-exitcode", "people.hcl")
	if !strings.Contains(out, "No changes.") {
		t.Errorf("second plan:\n%s", out)
	}

	// The binary changes: it no longer runs.
	if err := os.WriteFile(filepath.Join(dir, "people.hcl"), []byte(fmt.Sprintf(pipeline, bin, strings.Repeat("ab", 32), srv.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	out = sluice(1, "plan", "people.hcl")
	if !strings.Contains(out, "Plugin checksum mismatch") {
		t.Errorf("a plan with the wrong sha256:\n%s", out)
	}
}
