package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/engine/state"
)

// exitNow ends the process at once; a second stop signal calls it.
var exitNow = os.Exit

func runRun(e *env, args []string) int {
	fs := e.flagSet("run", "[DIR|FILE...]")
	var c common
	c.register(fs, false)
	var only stringsFlag
	fs.Var(&only, "pipeline", "schedule only this pipeline (repeatable; default: every pipeline with a schedule)")
	logFormat := fs.String("log-format", orDefault(e.logFormat, logText), "the log format: text or json")
	metricsAddr := fs.String("metrics-addr", "", "serve Prometheus metrics on /metrics and a health check on /healthz at this address, e.g. :9464")
	writeRows := fs.Int("write-batch", engine.DefaultWriteRows, "members per write to the sink; the state is committed after each")
	allow := fs.Bool("allow-removals", false, "apply plans that remove more members than guard.max_removals")
	parallel := fs.Int("parallel", 1, "pipelines run at once")
	pos, err := parse(fs, args)
	if err != nil {
		return exitForParse(err)
	}
	log, err := newLogger(e.stderr, *logFormat)
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: %v\n", err)
		return ExitError
	}
	paths := defaultPaths(pos)

	// The pipelines and their schedules are read once; each run reads the
	// files again (see engine.Runner.Load).
	cfg, diags := load(e, paths, c.vars)
	sortDiags(diags)
	writeDiags(e.stderr, cfg.Files, diags, e.color && !c.noColor)
	if diags.HasErrors() {
		return ExitError
	}
	jobs, err := scheduledJobs(cfg, only, log)
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: %v\n", err)
		return ExitError
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	store, err := state.Open(ctx, c.resolveState(cfg))
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: cannot open the state: %v\n", err)
		return ExitError
	}
	defer store.Close()

	// The first SIGTERM or SIGINT stops the schedule: runs in flight
	// commit their batch in flight and end. A second one exits at once;
	// the state is safe at any point, and the next start resumes.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var stopping atomic.Bool
	go func() {
		sig, ok := <-sigs
		if !ok {
			return
		}
		stopping.Store(true)
		log.Info("stop requested: finishing the batch in flight, then exiting; a second signal exits at once", "signal", sig.String())
		stop()
		if sig, ok = <-sigs; ok {
			log.Warn("second stop signal: exiting at once", "signal", sig.String())
			exitNow(ExitError)
		}
	}()

	var m *metrics
	if *metricsAddr != "" {
		m = newMetrics()
		for _, j := range jobs {
			status := state.PipelineStatus(0)
			if p, err := store.Pipeline(ctx, j.Name); err == nil {
				status = p.Status
			}
			last, _ := lastSuccess(ctx, store, j.Name)
			m.known(j.Name, status, last)
		}
		srv, err := serveMetrics(*metricsAddr, m, func() bool { return !stopping.Load() })
		if err != nil {
			fmt.Fprintf(e.stderr, "Error: -metrics-addr %s: %v\n", *metricsAddr, err)
			return ExitError
		}
		defer srv.close()
		log.Info("serving metrics", "addr", srv.Addr(), "metrics", "/metrics", "health", "/healthz")
	}

	runner := &engine.Runner{
		Store: store, Log: log, WriteRows: *writeRows, AllowRemovals: *allow,
		Load: func(ctx context.Context) (*dsl.Config, error) {
			cfg, diags := load(e, paths, c.vars)
			if diags.HasErrors() {
				var b bytes.Buffer
				sortDiags(diags)
				writeDiags(&b, cfg.Files, diags, false)
				return nil, errors.New(strings.TrimSpace(b.String()))
			}
			return cfg, nil
		},
	}
	d := &engine.Daemon{Runs: store, Run: runner.Run, Log: log, Parallel: *parallel}
	if m != nil {
		runner.Observer = m
		d.Scheduled = m.scheduled
	}
	log.Info("scheduler started", "pipelines", len(jobs), "state", redactState(c.resolveState(cfg)))
	if err := d.Serve(ctx, jobs); err != nil {
		log.Error("scheduler stopped", "error", err.Error())
		return ExitError
	}
	return ExitOK
}

// scheduledJobs returns the pipelines of cfg that have a schedule (those
// named by only, when given), logging the others.
func scheduledJobs(cfg *dsl.Config, only []string, log *slog.Logger) ([]engine.Job, error) {
	names := cfg.PipelineNames()
	if len(only) > 0 {
		for _, n := range only {
			if cfg.Pipelines[n] == nil {
				return nil, fmt.Errorf("no pipeline is named %q.%s", n, dsl.DidYouMean(n, names))
			}
		}
		names = only
	}
	var jobs []engine.Job
	for _, n := range names {
		p := cfg.Pipelines[n]
		if p.Schedule == nil {
			log.Info("not scheduled: the pipeline has no schedule block; it runs only with sluice apply", "pipeline", n)
			continue
		}
		jobs = append(jobs, engine.Job{Name: n, Schedule: p.Schedule})
	}
	if len(jobs) == 0 {
		return nil, errors.New("no pipeline has a schedule block, so there is nothing to run. Add one (schedule { repeat = \"daily\" at = \"09:00\" }), or use sluice apply")
	}
	return jobs, nil
}

// lastSuccess returns when the last successful apply of pipeline started;
// the zero time when there is none among its latest runs.
func lastSuccess(ctx context.Context, store state.RunLog, pipeline string) (time.Time, error) {
	runs, err := store.Runs(ctx, pipeline, 200)
	if err != nil {
		return time.Time{}, err
	}
	for _, r := range runs {
		if r.Kind == state.RunApply && r.Outcome == state.OutcomeSucceeded {
			return r.StartedAt, nil
		}
	}
	return time.Time{}, nil
}

// redactState hides a password a state URL may carry.
func redactState(url string) string {
	if i := strings.Index(url, "@"); i >= 0 && strings.Contains(url[:i], "://") {
		return url[:strings.Index(url, "://")+3] + "…" + url[i:]
	}
	return url
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
