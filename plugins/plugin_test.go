package plugins

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-plugin"

	"github.com/sluice-sync/sluice/connectors/csv"
	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/plugins/wire"
)

// envMode makes the test binary a plugin (or a host) instead of running
// the tests: the helper-process pattern.
const envMode = "SLUICE_TEST_PLUGIN"

func TestMain(m *testing.M) {
	switch os.Getenv(envMode) {
	case "":
		os.Exit(m.Run())
	case "mem":
		serve(memConnector{})
	case "csv":
		serve(csv.New())
	case "env":
		serve(sdk.NewConnector(sdk.Info{Name: "env", Doc: strings.Join(os.Environ(), "\x00"), Kinds: []sdk.Kind{sdk.KindSource}},
			func(ctx context.Context, s sdk.Settings) (sdk.Conn, error) { return nil, errors.New("not for opening") }))
	case "v2":
		// A plugin of a future major only.
		plugin.Serve(&plugin.ServeConfig{
			HandshakeConfig:  wire.Handshake,
			VersionedPlugins: map[int]plugin.PluginSet{2: {wire.PluginName: &wire.Plugin{Impl: wire.UnimplementedConnectorServer{}}}},
			GRPCServer:       plugin.DefaultGRPCServer,
		})
	case "garbage":
		fmt.Fprintln(os.Stderr, "garbage: starting the wrong way")
		fmt.Println("hello, I am not a plugin")
		time.Sleep(10 * time.Second)
	case "exit":
		fmt.Fprintln(os.Stderr, "fatal: cannot start without a license")
		os.Exit(4)
	case "host", "host-watch":
		// A host that starts the mem plugin, says its pid and waits to be
		// killed.
		parentDeathSignal = os.Getenv(envMode) == "host"
		p, err := Start(context.Background(), memConfig())
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("pid", p.Pid())
		select {}
	}
	os.Exit(0)
}

func serve(c sdk.Connector) {
	if err := sdk.Serve(c); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func self(t testing.TB) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

func memConfig() Config {
	exe, _ := os.Executable()
	return Config{Name: "mem-plugin", Path: exe, Env: []string{envMode + "=mem"}}
}

func start(t testing.TB, cfg Config) *Plugin {
	t.Helper()
	p, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func open(t testing.TB, c sdk.Connector, s sdk.Settings) sdk.Conn {
	t.Helper()
	s, ps := sdk.CheckSettings(c.Info(), s)
	if len(ps) > 0 {
		t.Fatalf("settings: %v", ps)
	}
	conn, err := c.Open(context.Background(), sdk.OpenRequest{Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// recorder is a ReadSink writing down what it receives, in order.
type recorder struct {
	log     []string
	rows    int64
	batches int
	schema  *arrow.Schema
	failAt  int // fail the batch with this index (1-based); 0 never
}

var errStop = errors.New("the sink had enough")

func (r *recorder) Batch(rec arrow.RecordBatch) error {
	r.batches++
	if r.batches == r.failAt {
		return errStop
	}
	r.schema = rec.Schema()
	r.rows += rec.NumRows()
	ids := rec.Column(0).(*array.String)
	ns := rec.Column(1).(*array.Int64)
	if rec.NumRows() <= 20 {
		var parts []string
		for i := 0; i < ids.Len(); i++ {
			parts = append(parts, fmt.Sprintf("%s=%d", ids.Value(i), ns.Value(i)))
		}
		r.log = append(r.log, "batch "+strings.Join(parts, " "))
	} else {
		r.log = append(r.log, fmt.Sprintf("batch of %d from %s", rec.NumRows(), ids.Value(0)))
	}
	return nil
}

func (r *recorder) Tombstones(ids []string) error {
	r.log = append(r.log, "tombstones "+strings.Join(ids, " "))
	return nil
}

func (r *recorder) Reject(row sdk.RejectedRow) error {
	r.log = append(r.log, fmt.Sprintf("reject %s at %s: %s", row.ID, row.Position, row.Reason))
	return nil
}

// TestInAndOutOfProcess checks that every method answers the same through
// the plugin as in process.
func TestInAndOutOfProcess(t *testing.T) {
	p := start(t, memConfig())
	if len(p.Connectors()) != 1 {
		t.Fatalf("%d connectors", len(p.Connectors()))
	}
	remote, local := p.Connectors()[0], sdk.Connector(memConnector{})
	if diff := cmp.Diff(local.Info(), remote.Info()); diff != "" {
		t.Errorf("Info (-in process +plugin):\n%s", diff)
	}
	settings := sdk.Settings{"rows": int64(7), "token": "s3cret"}
	rc, lc := open(t, remote, settings), open(t, local, settings)
	for _, iface := range []struct {
		name string
		ok   func(sdk.Conn) bool
	}{
		{"Source", func(c sdk.Conn) bool { _, ok := c.(sdk.Source); return ok }},
		{"Sink", func(c sdk.Conn) bool { _, ok := c.(sdk.Sink); return ok }},
		{"EventSource", func(c sdk.Conn) bool { _, ok := c.(sdk.EventSource); return ok }},
		{"FeedbackTarget", func(c sdk.Conn) bool { _, ok := c.(sdk.FeedbackTarget); return ok }},
		{"AccountReporter", func(c sdk.Conn) bool { _, ok := c.(sdk.AccountReporter); return ok }},
	} {
		if iface.ok(rc) != iface.ok(lc) {
			t.Errorf("%s: plugin %v, in process %v", iface.name, iface.ok(rc), iface.ok(lc))
		}
	}
	ctx := context.Background()

	t.Run("settings", func(t *testing.T) {
		strict := sdk.Settings{"mode": "strict", "token": "ab"}
		got := remote.(sdk.SettingsValidator).ValidateSettings(strict)
		want := local.(sdk.SettingsValidator).ValidateSettings(strict)
		if diff := cmp.Diff(want, got); diff != "" || len(got) != 1 {
			t.Errorf("problems (-in process +plugin):\n%s", diff)
		}
		_, err := remote.Open(ctx, sdk.OpenRequest{Settings: sdk.Settings{"token": "revoked"}})
		if !errors.Is(err, sdk.ErrAuth) || err.Error() != "mem: the token was refused: authentication failed" {
			t.Errorf("Open with a revoked token: %v", err)
		}
		_, err = remote.Open(ctx, sdk.OpenRequest{Settings: sdk.Settings{"rows": "many"}})
		if err == nil || !strings.Contains(err.Error(), "rows: Invalid setting type") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open with a bad setting: %v", err)
		}
	})

	t.Run("discover", func(t *testing.T) {
		want, _ := lc.(sdk.Source).Discover(ctx, sdk.DiscoverRequest{})
		got, err := rc.(sdk.Source).Discover(ctx, sdk.DiscoverRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if !got.Streams[0].Schema.Equal(want.Streams[0].Schema) || !got.Streams[0].Schema.Metadata().Equal(want.Streams[0].Schema.Metadata()) {
			t.Errorf("schema %s, want %s", got.Streams[0].Schema, want.Streams[0].Schema)
		}
		got.Streams[0].Schema, want.Streams[0].Schema = nil, nil
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("streams (-in process +plugin):\n%s", diff)
		}
	})

	t.Run("read", func(t *testing.T) {
		for _, req := range []sdk.ReadRequest{
			{Stream: "numbers", BatchRows: 3},
			{Stream: "numbers", BatchRows: 1},
			{Stream: "numbers"},
			{Stream: "numbers", View: "even", BatchRows: 2},
			{Stream: "numbers", Since: memBase.Add(4 * time.Hour), BatchRows: 2},
		} {
			var want, got recorder
			if err := lc.(sdk.Source).Read(ctx, req, &want); err != nil {
				t.Fatal(err)
			}
			if err := rc.(sdk.Source).Read(ctx, req, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.log, got.log); diff != "" {
				t.Errorf("%+v (-in process +plugin):\n%s", req, diff)
			}
			if !got.schema.Equal(memSchema) {
				t.Errorf("batch schema %s", got.schema)
			}
		}
	})

	t.Run("read errors", func(t *testing.T) {
		stop := &recorder{failAt: 2}
		if err := rc.(sdk.Source).Read(ctx, sdk.ReadRequest{Stream: "numbers", BatchRows: 2}, stop); err != errStop {
			t.Errorf("a sink's error: got %v, want it as is", err)
		}
		err := rc.(sdk.Source).Read(ctx, sdk.ReadRequest{Stream: "nope"}, &recorder{})
		if err == nil || err.Error() != `mem: no stream "nope"` {
			t.Errorf("unknown stream: %v", err)
		}
		var ra *sdk.RetryAfterError
		err = rc.(sdk.Source).Read(ctx, sdk.ReadRequest{Stream: "numbers", View: "limited"}, &recorder{})
		if !errors.As(err, &ra) || ra.After != 1500*time.Millisecond || ra.Op != "GET /numbers" ||
			err.Error() != "GET /numbers: rate limited, retry after 1.5s: 429 Too Many Requests" {
			t.Errorf("rate limit: %v", err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := rc.(sdk.Source).Read(cctx, sdk.ReadRequest{Stream: "numbers"}, &recorder{}); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled read: %v", err)
		}
	})

	t.Run("sink", func(t *testing.T) {
		si, err := rc.(sdk.Sink).Describe(ctx, sdk.DescribeRequest{List: "L"})
		want, _ := lc.(sdk.Sink).Describe(ctx, sdk.DescribeRequest{List: "L"})
		if err != nil || !cmp.Equal(want, si) {
			t.Errorf("Describe: %+v, %v", si, err)
		}
		if _, err := rc.(sdk.Sink).Describe(ctx, sdk.DescribeRequest{List: "missing"}); !errors.Is(err, sdk.ErrListNotFound) {
			t.Errorf("Describe of a missing list: %v", err)
		}
		gs, err := rc.(sdk.Sink).Suppressions(ctx, sdk.SuppressionsRequest{List: "L"})
		ws, _ := lc.(sdk.Sink).Suppressions(ctx, sdk.SuppressionsRequest{List: "L"})
		if err != nil || !cmp.Equal(ws, gs) {
			t.Errorf("Suppressions: %v, %v", gs, err)
		}
		rec := keys("a", "bad", "c", "bad")
		defer rec.Release()
		resp, err := rc.(sdk.Sink).Write(ctx, sdk.WriteRequest{List: "L", Key: "key", Op: sdk.OpUpsert}, rec)
		wantResp, _ := lc.(sdk.Sink).Write(ctx, sdk.WriteRequest{List: "L", Key: "key", Op: sdk.OpUpsert}, rec)
		if err != nil || !cmp.Equal(wantResp, resp) {
			t.Errorf("Write: %+v, %v; want %+v", resp, err, wantResp)
		}
		if _, err := rc.(sdk.Sink).Write(ctx, sdk.WriteRequest{List: "L", Key: "key", Op: sdk.OpDelete}, rec); !errors.Is(err, sdk.ErrUnsupported) {
			t.Errorf("Write delete: %v", err)
		}
		if _, err := rc.(sdk.Sink).Write(ctx, sdk.WriteRequest{List: "L", Key: "nokey", Op: sdk.OpUpsert}, rec); err == nil || err.Error() != `mem: no key column "nokey"` {
			t.Errorf("Write without key: %v", err)
		}
	})

	t.Run("concurrent writes", func(t *testing.T) {
		rec := keys("a", "b")
		defer rec.Release()
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := rc.(sdk.Sink).Write(ctx, sdk.WriteRequest{List: "L", Key: "key", Op: sdk.OpUpsert}, rec)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("events and feedback", func(t *testing.T) {
		want, _ := lc.(sdk.EventSource).Events(ctx, sdk.EventsRequest{List: "L"})
		got, err := rc.(sdk.EventSource).Events(ctx, sdk.EventsRequest{List: "L"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Events (-in process +plugin):\n%s", diff)
		}
		fr := sdk.FeedbackRequest{Module: "Candidates", Match: "Email", Records: []map[string]any{
			{"Email": "a@example.com", "Score": int64(3), "At": memBase, "Tags": []string{"x"}},
			{"Name": "no email", "Ratio": 0.5, "Ok": true, "Gone": nil},
		}}
		wantFb, _ := lc.(sdk.FeedbackTarget).WriteFeedback(ctx, fr)
		gotFb, err := rc.(sdk.FeedbackTarget).WriteFeedback(ctx, fr)
		if err != nil || !cmp.Equal(wantFb, gotFb) {
			t.Errorf("WriteFeedback: %+v, %v; want %+v", gotFb, err, wantFb)
		}
	})

	if err := rc.Close(); err != nil {
		t.Error(err)
	}
	if err := rc.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// keys returns a batch of one string column, "key".
func keys(ks ...string) arrow.RecordBatch {
	return padded(ks, 0, -1, 0)
}

// padded returns a batch of keys with a "pad" column of pad bytes, and of
// bigPad bytes in row big.
func padded(ks []string, pad, big, bigPad int) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{{Name: "key", Type: arrow.BinaryTypes.String}, {Name: "pad", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	p, bp := strings.Repeat("p", pad), strings.Repeat("P", bigPad)
	for i, k := range ks {
		b.Field(0).(*array.StringBuilder).Append(k)
		if i == big {
			b.Field(1).(*array.StringBuilder).Append(bp)
		} else {
			b.Field(1).(*array.StringBuilder).Append(p)
		}
	}
	return b.NewRecordBatch()
}

func numbered(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "k" + strconv.Itoa(i)
	}
	return out
}

// TestLargeBatches: a batch of 64k rows (over gRPC's default limit of 4
// MiB) crosses in both directions as one batch.
func TestLargeBatches(t *testing.T) {
	p := start(t, memConfig())
	conn := open(t, p.Connectors()[0], sdk.Settings{"rows": int64(65536), "pad": int64(100)})
	ctx := context.Background()
	var r recorder
	if err := conn.(sdk.Source).Read(ctx, sdk.ReadRequest{Stream: "numbers", BatchRows: 65536}, &r); err != nil {
		t.Fatal(err)
	}
	if r.rows != 65536 || r.batches != 1 {
		t.Errorf("read %d rows in %d batches, want 65536 in 1", r.rows, r.batches)
	}
	rec := padded(numbered(65536), 100, -1, 0)
	defer rec.Release()
	if _, err := conn.(sdk.Sink).Write(ctx, sdk.WriteRequest{List: "L", Key: "key", Op: sdk.OpUpsert}, rec); err != nil {
		t.Fatal(err)
	}
	if got, _ := conn.(sdk.AccountReporter).Account(ctx); got != "[65536]" {
		t.Errorf("the sink got writes of %s rows, want [65536]", got)
	}
}

// TestOversize: with a small limit, batches too large for one message are
// split on the way, and a single row over the limit is an error (on a
// read) or a refused record (on a write), never dropped.
func TestOversize(t *testing.T) {
	cfg := memConfig()
	cfg.MaxMessageBytes = 1 << 20
	p := start(t, cfg)
	ctx := context.Background()

	conn := open(t, p.Connectors()[0], sdk.Settings{"rows": int64(2000), "pad": int64(2000)})
	var r recorder
	if err := conn.(sdk.Source).Read(ctx, sdk.ReadRequest{Stream: "numbers", BatchRows: 2000}, &r); err != nil {
		t.Fatal(err)
	}
	if r.rows != 2000 || r.batches < 4 {
		t.Errorf("read %d rows in %d batches, want 2000 in several", r.rows, r.batches)
	}

	big := open(t, p.Connectors()[0], sdk.Settings{"rows": int64(10), "big_row": int64(6), "big_pad": int64(2 << 20)})
	err := big.(sdk.Source).Read(ctx, sdk.ReadRequest{Stream: "numbers"}, &recorder{})
	if err == nil || !strings.Contains(err.Error(), "record 7 of the read: a record of 2.0 MiB is over the limit of 1.0 MiB") {
		t.Errorf("reading an oversize row: %v", err)
	}

	rec := padded(numbered(1000), 3000, 500, 2<<20)
	defer rec.Release()
	resp, err := conn.(sdk.Sink).Write(ctx, sdk.WriteRequest{List: "L", Key: "key", Op: sdk.OpUpsert}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Failed) != 1 || resp.Failed[0].Row != 500 || !strings.Contains(resp.Failed[0].Reason, "over the limit") {
		t.Errorf("writing an oversize row: %+v", resp.Failed)
	}
	rec2 := padded([]string{"a", "bad", "c", "d", "bad"}, 10, 2, 2<<20)
	defer rec2.Release()
	resp, err = conn.(sdk.Sink).Write(ctx, sdk.WriteRequest{List: "L", Key: "key", Op: sdk.OpUpsert}, rec2)
	if err != nil {
		t.Fatal(err)
	}
	var rows []int
	for _, f := range resp.Failed {
		rows = append(rows, f.Row)
	}
	if !cmp.Equal(rows, []int{1, 2, 4}) {
		t.Errorf("failed rows %v, want [1 2 4] (the sink's, mapped past the one not sent)", rows)
	}
	got, _ := conn.(sdk.AccountReporter).Account(ctx)
	var total int
	for _, f := range strings.Fields(strings.Trim(got, "[]")) {
		n, _ := strconv.Atoi(f)
		total += n
	}
	if total != 999+4 {
		t.Errorf("the sink got %d rows (%s), want 1003", total, got)
	}
}

func TestEventsInChunks(t *testing.T) {
	cfg := memConfig()
	cfg.MaxMessageBytes = 1 << 20
	p := start(t, cfg)
	conn := open(t, p.Connectors()[0], sdk.Settings{"rows": int64(50000)})
	resp, err := conn.(sdk.EventSource).Events(context.Background(), sdk.EventsRequest{List: "L"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Events) != 50000 || resp.Checkpoint != "1" || resp.Events[49999].Key != "k49999@example.com" {
		t.Errorf("%d events, checkpoint %q", len(resp.Events), resp.Checkpoint)
	}
	sup, err := conn.(sdk.Sink).Suppressions(context.Background(), sdk.SuppressionsRequest{List: "L"})
	if err != nil || len(sup) != 50001 {
		t.Errorf("%d suppressions, %v", len(sup), err)
	}
}

func TestVersionMismatch(t *testing.T) {
	cfg := memConfig()
	cfg.Env = []string{envMode + "=v2"}
	_, err := Start(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "speaks protocol version 2 (sluice.connector.v2) and this sluice speaks version 1 (sluice.connector.v1)") {
		t.Errorf("got %v", err)
	}
}

func TestChecksum(t *testing.T) {
	exe := self(t)
	sum, err := fileSHA256(exe)
	if err != nil {
		t.Fatal(err)
	}
	cfg := memConfig()
	cfg.SHA256 = sum
	p := start(t, cfg)
	if p.Connectors()[0].Info().Name != "mem" {
		t.Error("the verified copy did not run")
	}

	wrong := strings.Repeat("0", 64)
	cfg.SHA256 = wrong
	_, err = Start(context.Background(), cfg)
	if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), sum) || !strings.Contains(err.Error(), wrong) {
		t.Errorf("got %v", err)
	}
}

// TestSwappedBinary: the binary is swapped after its check, before its
// start: the checked copy runs, not the swapped file; the next start
// refuses the swapped file.
func TestSwappedBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "plugin")
	src, _ := os.ReadFile(self(t))
	if err := os.WriteFile(bin, src, 0o755); err != nil {
		t.Fatal(err)
	}
	sum, _ := fileSHA256(bin)
	evil := []byte("#!/bin/sh\necho pwned > " + filepath.Join(t.TempDir(), "pwned") + "\n")
	afterVerify = func() { os.WriteFile(bin, evil, 0o755) }
	defer func() { afterVerify = nil }()
	cfg := Config{Name: "swap", Path: bin, SHA256: sum, Env: []string{envMode + "=mem"}}
	p := start(t, cfg)
	if p.Connectors()[0].Info().Name != "mem" {
		t.Error("the swapped binary ran")
	}
	afterVerify = nil
	if _, err := Start(context.Background(), cfg); !errors.Is(err, ErrChecksum) {
		t.Errorf("starting the swapped binary: %v", err)
	}
}

func TestCrashMidStream(t *testing.T) {
	p := start(t, memConfig())
	conn := open(t, p.Connectors()[0], sdk.Settings{"rows": int64(100), "crash_after": int64(2)})
	var r recorder
	err := conn.(sdk.Source).Read(context.Background(), sdk.ReadRequest{Stream: "numbers", BatchRows: 10}, &r)
	t.Log(err)
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want a plugin *Error", err)
	}
	for _, want := range []string{`connector "mem" (plugin "mem-plugin") crashed while reading: it exited with status 2`,
		"The last lines of its standard error:", "mem: about to crash", "panic: mem: crashing on purpose"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
	if r.batches > 2 {
		t.Errorf("%d batches before the crash, want at most 2", r.batches)
	}
	if !p.Exited() {
		t.Error("the plugin has not exited")
	}
}

func TestBadStarts(t *testing.T) {
	for _, tt := range []struct {
		mode string
		want []string
	}{
		{"garbage", []string{`plugin "mem-plugin"`, `it wrote "hello, I am not a plugin" to its standard output before the plugin handshake`, "garbage: starting the wrong way"}},
		{"exit", []string{`plugin "mem-plugin"`, "it ended before the plugin handshake; it exited with status 4", "fatal: cannot start without a license"}},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			cfg := memConfig()
			cfg.Env = []string{envMode + "=" + tt.mode}
			cfg.StartTimeout = 5 * time.Second
			_, err := Start(context.Background(), cfg)
			if err == nil {
				t.Fatal("it started")
			}
			t.Log(err)
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q:\n%v", w, err)
				}
			}
		})
	}
	if _, err := Start(context.Background(), Config{Name: "none", Path: filepath.Join(t.TempDir(), "nothing")}); err == nil {
		t.Error("a missing binary started")
	}
}

// TestEnvironment: the plugin gets the minimal environment, not the
// host's.
func TestEnvironment(t *testing.T) {
	t.Setenv("SLUICE_TEST_SECRET", "hunter2")
	cfg := memConfig()
	cfg.Env = []string{envMode + "=env", "EXTRA=1"}
	p := start(t, cfg)
	env := strings.Split(p.Connectors()[0].Info().Doc, "\x00")
	names := map[string]bool{}
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		names[name] = true
	}
	if names["SLUICE_TEST_SECRET"] || strings.Contains(strings.Join(env, "\n"), "hunter2") {
		t.Error("the plugin got the host's environment")
	}
	for _, want := range []string{"PATH", "EXTRA", wire.Handshake.MagicCookieKey, wire.EnvMaxMessageBytes, wire.EnvParentPipe, "PLUGIN_CLIENT_CERT"} {
		if !names[want] {
			t.Errorf("the plugin has no %s", want)
		}
	}
	allowed := map[string]bool{"EXTRA": true, envMode: true, wire.Handshake.MagicCookieKey: true,
		wire.EnvMaxMessageBytes: true, wire.EnvParentPipe: true}
	for _, n := range PassEnv {
		allowed[n] = true
	}
	for n := range names {
		if !allowed[n] && !strings.HasPrefix(n, "PLUGIN_") {
			t.Errorf("the plugin got %s", n)
		}
	}
}

func TestServeByHand(t *testing.T) {
	cmd := exec.Command(self(t))
	cmd.Env = []string{envMode + "=mem"}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "not run by hand") {
		t.Errorf("got %v: %s", err, out)
	}
}
