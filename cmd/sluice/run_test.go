package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/engine/state"
)

// runPipelines declares two pipelines reading people.csv into two lists
// of lists.db, each with schedule (a schedule block's body).
func runPipelines(schedOne, schedTwo string) string {
	p := `
connection "src" {
  connector = "csv"
  settings = {
    path = "people.csv"
    id   = "id"
  }
}
connection "list" {
  connector = "lists"
  settings = { path = "lists.db" }
}
`
	for _, pl := range []struct{ name, list, sched string }{{"one", "One", schedOne}, {"two", "Two", schedTwo}} {
		p += fmt.Sprintf(`
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
  schedule {
    %s
  }
}
`, pl.name, pl.list, pl.sched)
	}
	return p
}

// writeRunPeople writes n people and returns their keys.
func writeRunPeople(t *testing.T, dir string, n int) []string {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,email,name\n")
	keys := make([]string, n)
	for i := 0; i < n; i++ {
		keys[i] = fmt.Sprintf("p%06d@example.com", i)
		fmt.Fprintf(&b, "%d,P%06d@Example.com,Person %d\n", i, i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "people.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	sort.Strings(keys)
	return keys
}

// daemon is a `sluice run` process whose JSON log lines are read as they
// come.
type daemon struct {
	cmd   *exec.Cmd
	lines chan map[string]any
	mu    sync.Mutex
	log   strings.Builder
	done  chan struct{}
	err   error
}

func startDaemon(t *testing.T, bin, dir string, args ...string) *daemon {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-log-format", "json", "run"}, args...)...)
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &daemon{cmd: cmd, lines: make(chan map[string]any, 1024), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			d.mu.Lock()
			d.log.WriteString(sc.Text() + "\n")
			d.mu.Unlock()
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil {
				select {
				case d.lines <- line:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
		d.err = cmd.Wait()
		close(d.lines)
		close(d.done)
	}()
	t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			cmd.Process.Kill()
			<-d.done
		}
	})
	return d
}

func (d *daemon) logs() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.log.String()
}

// waitLine waits for a log line with msg (and pipeline, when not "").
func (d *daemon) waitLine(t *testing.T, msg, pipeline string, timeout time.Duration) map[string]any {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-d.lines:
			if !ok {
				t.Fatalf("sluice run exited before logging %q:\n%s", msg, d.logs())
			}
			if line["msg"] == msg && (pipeline == "" || line["pipeline"] == pipeline) {
				return line
			}
		case <-deadline:
			t.Fatalf("sluice run did not log %q in %s:\n%s", msg, timeout, d.logs())
		}
	}
}

// wait waits for the process to exit and returns its exit code.
func (d *daemon) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-d.done:
	case <-time.After(timeout):
		t.Fatalf("sluice run did not exit in %s:\n%s", timeout, d.logs())
	}
	if d.err == nil {
		return 0
	}
	if ee, ok := d.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	t.Fatal(d.err)
	return -1
}

// listKeys returns the keys of a list in lists.db, sorted, failing on a
// key held twice.
func listKeys(t *testing.T, dir, list string) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", filepath.Join(dir, "lists.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT key FROM members WHERE list = ? ORDER BY key`, list)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		rows.Scan(&k)
		if len(keys) > 0 && keys[len(keys)-1] == k {
			t.Errorf("list %s holds %s twice", list, k)
		}
		keys = append(keys, k)
	}
	return keys
}

// stateKeys returns the members the state holds for pipeline, sorted,
// and how many of them are pending (sent, not acknowledged).
func stateKeys(t *testing.T, st state.Store, pipeline string) ([]string, int) {
	t.Helper()
	var keys []string
	pending := 0
	err := st.EachMember(context.Background(), pipeline, false, func(m state.Member) error {
		keys = append(keys, m.Key)
		if m.Hash == 0 {
			pending++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(keys)
	return keys, pending
}

func sameKeys(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func openState(t *testing.T, dir string) state.Store {
	t.Helper()
	st, err := state.Open(context.Background(), "sqlite:"+filepath.Join(dir, ".sluice/state.db"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestRun drives `sluice run` processes: stopped by a signal and resumed,
// stopped at once by a second signal, and scraped for metrics.
func TestRun(t *testing.T) {
	bin := buildSluice(t)
	t.Run("StopAndResume", func(t *testing.T) { testRunStopAndResume(t, bin) })
	t.Run("SecondSignal", func(t *testing.T) { testRunSecondSignal(t, bin) })
	t.Run("Metrics", func(t *testing.T) { testRunMetrics(t, bin) })
}

// testRunStopAndResume starts `sluice run` on two pipelines with once
// schedules, sends SIGTERM during the first one's apply, and checks that
// it commits the batch in flight and exits, with the list and the state in
// agreement; started again, it resumes the interrupted pipeline, runs the
// other, and stops by itself, leaving both lists complete: nothing lost,
// nothing duplicated.
func testRunStopAndResume(t *testing.T, bin string) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "p.hcl"), []byte(runPipelines(`repeat = "once"`, `repeat = "once"`)), 0o644)
	want := writeRunPeople(t, dir, 20000)

	d := startDaemon(t, bin, dir, "-write-batch", "20", ".")
	d.waitLine(t, "applying", "one", time.Minute)
	time.Sleep(300 * time.Millisecond)
	d.cmd.Process.Signal(syscall.SIGTERM)
	if code := d.wait(t, time.Minute); code != 0 {
		t.Fatalf("sluice run exited with %d after SIGTERM:\n%s", code, d.logs())
	}
	logs := d.logs()
	for _, want := range []string{`"msg":"stop requested`, `"msg":"run interrupted","pipeline":"one"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log does not say %s:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, `"pipeline":"two","outcome"`) {
		t.Errorf("pipeline two ran after the stop request:\n%s", logs)
	}

	st := openState(t, dir)
	one := listKeys(t, dir, "One")
	inState, pending := stateKeys(t, st, "one")
	if len(one) == 0 || len(one) >= len(want) {
		t.Fatalf("the stop did not come during the apply: list One holds %d of %d members", len(one), len(want))
	}
	if !sameKeys(one, inState) || pending != 0 {
		t.Fatalf("after the stop, list One holds %d members, the state %d (%d pending): the batch in flight was not committed", len(one), len(inState), pending)
	}
	runs, err := st.Runs(context.Background(), "one", 0)
	if err != nil || len(runs) != 1 || runs[0].Outcome != state.OutcomeInterrupted || runs[0].Counts["add"] != int64(len(one)) {
		t.Fatalf("the run log after the stop: %+v %v", runs, err)
	}
	st.Close()
	t.Logf("stopped with %d of %d members of One written", len(one), len(want))

	// Started again, it resumes and stops by itself: no run is ahead.
	d = startDaemon(t, bin, dir, "-write-batch", "500", ".")
	if code := d.wait(t, 2*time.Minute); code != 0 {
		t.Fatalf("the second sluice run exited with %d:\n%s", code, d.logs())
	}
	if !strings.Contains(d.logs(), "no pipeline has a run ahead") {
		t.Errorf("the second run did not stop by itself:\n%s", d.logs())
	}
	st = openState(t, dir)
	defer st.Close()
	for _, p := range []struct{ name, list string }{{"one", "One"}, {"two", "Two"}} {
		got := listKeys(t, dir, p.list)
		inState, pending := stateKeys(t, st, p.name)
		if !sameKeys(got, want) {
			t.Errorf("list %s holds %d members, want %d", p.list, len(got), len(want))
		}
		if !sameKeys(inState, got) || pending != 0 {
			t.Errorf("pipeline %s: the state holds %d members (%d pending), the list %d", p.name, len(inState), pending, len(got))
		}
	}
	runs, _ = st.Runs(context.Background(), "one", 0)
	if len(runs) != 2 || runs[0].Outcome != state.OutcomeSucceeded || runs[0].Counts["add"]+runs[1].Counts["add"] != int64(len(want)) {
		t.Errorf("runs of one: %+v", runs)
	}
	// A third start has nothing to do.
	d = startDaemon(t, bin, dir, ".")
	if code := d.wait(t, time.Minute); code != 0 || strings.Contains(d.logs(), `"msg":"applying"`) {
		t.Errorf("a third start ran again (exit %d):\n%s", code, d.logs())
	}
}

// testRunSecondSignal: a second SIGTERM ends the process at once, while
// the batch in flight is still waiting for the sink (the test holds the
// list store's write lock); the next start resumes safely.
func testRunSecondSignal(t *testing.T, bin string) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "p.hcl"), []byte(runPipelines(`repeat = "once"`, `repeat = "once"`)), 0o644)
	want := writeRunPeople(t, dir, 20000)

	d := startDaemon(t, bin, dir, "-write-batch", "10", ".")
	d.waitLine(t, "applying", "one", time.Minute)
	// Hold the write lock of lists.db: the sink's writes wait for it (for
	// up to its busy timeout, ten seconds).
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "lists.db")+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	lock, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.waitLine(t, "stop requested: finishing the batch in flight, then exiting; a second signal exits at once", "", 10*time.Second)
	start := time.Now()
	d.cmd.Process.Signal(syscall.SIGTERM)
	if code := d.wait(t, 10*time.Second); code != 1 {
		t.Errorf("after a second signal: exit %d, want 1:\n%s", code, d.logs())
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("the second signal took %s to end the process", el)
	}
	if !strings.Contains(d.logs(), "second stop signal: exiting at once") {
		t.Errorf("the log does not say why it exited:\n%s", d.logs())
	}
	lock.ExecContext(ctx, "ROLLBACK")
	lock.Close()

	d = startDaemon(t, bin, dir, ".")
	if code := d.wait(t, 2*time.Minute); code != 0 {
		t.Fatalf("the next start exited with %d:\n%s", code, d.logs())
	}
	st := openState(t, dir)
	defer st.Close()
	for _, p := range []struct{ name, list string }{{"one", "One"}, {"two", "Two"}} {
		got := listKeys(t, dir, p.list)
		inState, pending := stateKeys(t, st, p.name)
		if !sameKeys(got, want) || !sameKeys(inState, got) || pending != 0 {
			t.Errorf("pipeline %s: list %d, state %d (%d pending), want %d", p.name, len(got), len(inState), pending, len(want))
		}
	}
}

// testRunMetrics scrapes the metrics endpoint of a running scheduler and
// checks its series after a run.
func testRunMetrics(t *testing.T, bin string) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "p.hcl"), []byte(runPipelines(`repeat = "once"`, "repeat = \"daily\"\n    at = \"04:00\"\n    timezone = \"Asia/Tokyo\"")), 0o644)
	writeRunPeople(t, dir, 25)

	d := startDaemon(t, bin, dir, "-metrics-addr", "127.0.0.1:0", ".")
	addr, _ := d.waitLine(t, "serving metrics", "", time.Minute)["addr"].(string)
	d.waitLine(t, "run finished", "one", time.Minute)
	d.waitLine(t, "no run ahead", "one", 10*time.Second)

	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "ok" {
		t.Errorf("/healthz: %d %q", resp.StatusCode, body)
	}

	series := scrape(t, "http://"+addr+"/metrics")
	now := float64(time.Now().Unix())
	checks := []struct {
		series string
		ok     func(v float64) bool
		want   string
	}{
		{`sluice_runs_total{outcome="succeeded",pipeline="one"}`, eq(1), "1"},
		{`sluice_records_total{outcome="read",pipeline="one"}`, eq(25), "25"},
		{`sluice_records_total{outcome="add",pipeline="one"}`, eq(25), "25"},
		{`sluice_run_duration_seconds_count{outcome="succeeded",pipeline="one"}`, eq(1), "1"},
		{`sluice_last_success_timestamp_seconds{pipeline="one"}`, func(v float64) bool { return v > now-120 && v <= now+1 }, "about now"},
		{`sluice_last_run_timestamp_seconds{pipeline="one"}`, func(v float64) bool { return v > now-120 && v <= now+1 }, "about now"},
		{`sluice_next_run_timestamp_seconds{pipeline="one"}`, eq(0), "0 (a once schedule that ran)"},
		{`sluice_next_run_timestamp_seconds{pipeline="two"}`, func(v float64) bool { return v > now && v <= now+86400 }, "within a day"},
		{`sluice_runs_in_progress{pipeline="one"}`, eq(0), "0"},
		{`sluice_pipeline_status{pipeline="one",status="active"}`, eq(1), "1"},
		{`sluice_pipeline_status{pipeline="one",status="stopped_credentials"}`, eq(0), "0"},
	}
	for _, c := range checks {
		v, ok := series[c.series]
		if !ok {
			t.Errorf("no series %s", c.series)
			continue
		}
		if !c.ok(v) {
			t.Errorf("%s = %v, want %s", c.series, v, c.want)
		}
	}
	if _, ok := series["go_goroutines"]; !ok {
		t.Error("no Go runtime series")
	}

	d.cmd.Process.Signal(syscall.SIGINT)
	if code := d.wait(t, time.Minute); code != 0 {
		t.Errorf("exit %d after SIGINT:\n%s", code, d.logs())
	}
}

func eq(want float64) func(float64) bool { return func(v float64) bool { return v == want } }

// scrape reads a Prometheus text exposition: series (name and labels, as
// written) to value.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %s", url, resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}
