package plugins

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-sync/sluice/connectors/csv"
	"github.com/sluice-sync/sluice/connectors/sdk"
)

// counter is a ReadSink counting rows, as cheap as a sink can be.
type counter struct{ rows int64 }

func (c *counter) Batch(rec arrow.RecordBatch) error { c.rows += rec.NumRows(); return nil }
func (c *counter) Tombstones([]string) error         { return nil }
func (c *counter) Reject(sdk.RejectedRow) error      { return nil }

const benchRows = 1_000_000

func benchRead(b *testing.B, c sdk.Connector, s sdk.Settings, req sdk.ReadRequest, want int64, pid int) {
	conn := open(b, c, s)
	b.ReportAllocs()
	host, plugin := cpuTime(0), cpuTime(pid)
	b.ResetTimer()
	for b.Loop() {
		var n counter
		if err := conn.(sdk.Source).Read(context.Background(), req, &n); err != nil {
			b.Fatal(err)
		}
		if n.rows != want {
			b.Fatalf("read %d rows, want %d", n.rows, want)
		}
	}
	b.ReportMetric(float64(want)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	// CPU time says more than the wall clock on a busy machine.
	if host >= 0 {
		b.ReportMetric((cpuTime(0)-host).Seconds()*1000/float64(b.N), "host-cpu-ms/op")
	}
	if pid != 0 && plugin >= 0 {
		b.ReportMetric((cpuTime(pid)-plugin).Seconds()*1000/float64(b.N), "plugin-cpu-ms/op")
	}
}

// cpuTime returns the user and system time process pid (0: this one) has
// used, or -1 where /proc cannot tell.
func cpuTime(pid int) time.Duration {
	name := "self"
	if pid != 0 {
		name = strconv.Itoa(pid)
	}
	b, err := os.ReadFile("/proc/" + name + "/stat")
	if err != nil {
		return -1
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(fields) < 13 {
		return -1
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond // USER_HZ is 100
}

// BenchmarkRead reads 1M rows in batches of 16k rows, in process and
// through a plugin process: prebuilt batches (the boundary alone: IPC
// encoding, gRPC over a Unix socket with TLS, decoding) and the csv
// connector reading a file.
func BenchmarkRead(b *testing.B) {
	req := sdk.ReadRequest{Stream: "numbers", BatchRows: 16384}
	mem := sdk.Settings{"rows": int64(benchRows), "pad": int64(24), "prebuilt": true}
	b.Run("prebuilt/in-process", func(b *testing.B) { benchRead(b, memConnector{}, mem, req, benchRows, 0) })
	b.Run("prebuilt/plugin", func(b *testing.B) {
		p := start(b, memConfig())
		benchRead(b, p.Connectors()[0], mem, req, benchRows, p.Pid())
	})

	path := filepath.Join(b.TempDir(), "people.csv")
	var sb strings.Builder
	sb.WriteString("id,email,first_name,last_name,status,city,experience_years,modified_at\n")
	for i := 0; i < benchRows; i++ {
		fmt.Fprintf(&sb, "%d,person%d@example.com,First%d,Last%d,New,Tokyo,%d,2025-01-%02dT10:00:00Z\n", i, i, i%1000, i%777, i%20, 1+i%28)
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	cs := sdk.Settings{"path": path, "id": "id", "cursor": "modified_at"}
	creq := sdk.ReadRequest{BatchRows: 16384}
	b.Run("csv/in-process", func(b *testing.B) { benchRead(b, csv.New(), cs, creq, benchRows, 0) })
	b.Run("csv/plugin", func(b *testing.B) {
		cfg := memConfig()
		cfg.Env = []string{envMode + "=csv"}
		p := start(b, cfg)
		benchRead(b, p.Connectors()[0], cs, creq, benchRows, p.Pid())
	})
}
