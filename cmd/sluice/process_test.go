package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/engine/state"
)

// buildSluice builds the sluice binary once per test run.
func buildSluice(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sluice")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("building sluice: %v\n%s", err, out)
	}
	return bin
}

const crashPipeline = `
connection "src" {
  connector = "csv"
  settings = {
    path   = "people.csv"
    id     = "id"
    cursor = "modified_at"
  }
}
connection "list" {
  connector = "lists"
  settings = { path = "lists.db" }
}
pipeline "crash" {
  source { connection = connection.src }
  criteria = "status != 'Hired'"
  transform "t" {
    fields = {
      "Email" = "lower(email)"
      "Name"  = "name"
    }
  }
  sink {
    connection = connection.list
    list       = "Crash"
    create     = true
    key        = "Email"
  }
  mode             = "mirror"
  on_source_delete = "remove_from_list"
}
`

// writePeople writes n people; generation g changes some names, statuses
// and removes a few, so successive runs add, update and remove.
func writePeople(t *testing.T, dir string, n, g int) map[string]string {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,email,name,status,modified_at\n")
	want := map[string]string{}
	for i := 0; i < n; i++ {
		if g > 0 && i%(7+g) == 0 {
			continue // deleted at the source
		}
		name := fmt.Sprintf("Person %d", i)
		if g > 0 && i%(3+g) == 0 {
			name = fmt.Sprintf("Person %d gen %d", i, g)
		}
		status := "New"
		if i%(11+g) == 0 {
			status = "Hired"
		}
		email := fmt.Sprintf("p%05d@Example.com", i)
		fmt.Fprintf(&b, "%d,%s,%s,%s,2026-01-01T00:00:%02dZ\n", i, email, name, status, g)
		if status != "Hired" {
			want[strings.ToLower(email)] = name
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "people.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return want
}

// TestKillApply kills `sluice apply` with SIGKILL at random points, many
// times, changing the source between some of the runs. Afterwards a run
// to completion must leave the list and the state in agreement: every
// selected key present exactly once with its latest fields, nothing else.
func TestKillApply(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: process crash loop (skipped with -short)")
	}
	bin := buildSluice(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "p.hcl"), []byte(crashPipeline), 0o644)
	const n = 20000
	rng := rand.New(rand.NewPCG(1, 2))
	want := writePeople(t, dir, n, 0)
	kills := 0
	for iter := 0; iter < 24; iter++ {
		if iter%4 == 3 {
			want = writePeople(t, dir, n, iter/4+1)
		}
		cmd := exec.Command(bin, "apply", "-auto-approve", "-allow-removals", "-write-batch", "100", "p.hcl")
		cmd.Dir = dir
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(time.Duration(20+rng.IntN(700)) * time.Millisecond):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			kills++
		}
	}
	if kills < 12 {
		t.Logf("only %d of the runs were killed before they finished", kills)
	}
	cmd := exec.Command(bin, "apply", "-auto-approve", "-allow-removals", "p.hcl")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("final apply: %v\n%s", err, out)
	}

	// The list: every wanted key once, with its latest name, nothing else.
	db, err := sql.Open("sqlite3", filepath.Join(dir, "lists.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT key, json_extract(fields, '$.Name') FROM members WHERE list = 'Crash'`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for rows.Next() {
		var k, name string
		rows.Scan(&k, &name)
		if _, dup := got[k]; dup {
			t.Errorf("key %s twice on the list", k)
		}
		got[k] = name
	}
	rows.Close()
	if len(got) != len(want) {
		t.Errorf("the list holds %d members, want %d", len(got), len(want))
	}
	for k, name := range want {
		if got[k] != name {
			t.Errorf("member %s: name %q, want %q", k, got[k], name)
			break
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("member %s should not be on the list", k)
			break
		}
	}

	// The state agrees with the list.
	st, err := state.Open(context.Background(), "sqlite:"+filepath.Join(dir, ".sluice/state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	inState := 0
	err = st.EachMember(context.Background(), "crash", false, func(m state.Member) error {
		inState++
		if _, ok := got[m.Key]; !ok {
			return fmt.Errorf("state holds %s, which is not on the list", m.Key)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	if inState != len(got) {
		t.Errorf("state holds %d members, the list %d", inState, len(got))
	}
	t.Logf("%d runs killed; %d members agree", kills, len(got))
}

// TestSecondRunRefused holds a pipeline's lease as a running apply would,
// and checks that another apply is refused, naming who holds it and since
// when, and that it changes nothing.
func TestSecondRunRefused(t *testing.T) {
	bin := buildSluice(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "p.hcl"), []byte(crashPipeline), 0o644)
	writePeople(t, dir, 10, 0)
	st, err := state.Open(context.Background(), "sqlite:"+filepath.Join(dir, ".sluice/state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lease, err := st.AcquireLease(context.Background(), "crash", state.CurrentHolder(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "apply", "-auto-approve", "p.hcl")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("a second run was not refused:\n%s", out)
	}
	for _, want := range []string{`pipeline "crash" is already running`, state.CurrentHolder(), lease.Since.UTC().Format("2006-01-02")} {
		if !strings.Contains(string(out), want) {
			t.Errorf("refusal does not say %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "lists.db")); err == nil {
		db, _ := sql.Open("sqlite3", filepath.Join(dir, "lists.db"))
		var n int
		db.QueryRow(`SELECT count(*) FROM members`).Scan(&n)
		db.Close()
		if n != 0 {
			t.Errorf("the refused run wrote %d members", n)
		}
	}
}
