package cli

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/engine/state"
)

// metrics is the Prometheus view of the scheduler's runs. It implements
// engine.Observer.
type metrics struct {
	reg         *prometheus.Registry
	runs        *prometheus.CounterVec
	records     *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	lastSuccess *prometheus.GaugeVec
	lastRun     *prometheus.GaugeVec
	nextRun     *prometheus.GaugeVec
	inProgress  *prometheus.GaugeVec
	status      *prometheus.GaugeVec
	feedback    *prometheus.CounterVec
	feedbackErr *prometheus.CounterVec
}

var _ engine.Observer = (*metrics)(nil)

// statuses are the values of the status label, as the state names them.
var statuses = []state.PipelineStatus{state.PipelineActive, state.PipelineDisabled, state.PipelineStoppedCredentials, state.PipelineDeleted}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_runs_total",
			Help: "Scheduled runs by pipeline and outcome (succeeded, failed, interrupted, skipped, busy).",
		}, []string{"pipeline", "outcome"}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_records_total",
			Help: "Records by pipeline and outcome: read, unmatched, rejected, duplicate, excluded, unchanged and over_quota as planned; add, update, remove and delete as applied.",
		}, []string{"pipeline", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluice_run_duration_seconds",
			Help:    "How long scheduled runs took, by pipeline and outcome.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 17), // 50ms to about 55 minutes
		}, []string{"pipeline", "outcome"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_last_success_timestamp_seconds",
			Help: "When the last successful run of each pipeline started, in Unix seconds.",
		}, []string{"pipeline"}),
		lastRun: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_last_run_timestamp_seconds",
			Help: "When the last run of each pipeline started, whatever its outcome, in Unix seconds.",
		}, []string{"pipeline"}),
		nextRun: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_next_run_timestamp_seconds",
			Help: "When each pipeline runs next, in Unix seconds; 0 when it has no run ahead.",
		}, []string{"pipeline"}),
		inProgress: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_runs_in_progress",
			Help: "Runs in progress, by pipeline.",
		}, []string{"pipeline"}),
		status: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_pipeline_status",
			Help: "1 for each pipeline's status in the registry: active, disabled, stopped_credentials or deleted.",
		}, []string{"pipeline", "status"}),
		feedback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_feedback_writes_total",
			Help: "Writes of the feedback runs that follow successful syncs, by pipeline and action (create_campaign, member_status, status_field, push_recipient; rejected for writes the source refused).",
		}, []string{"pipeline", "action"}),
		feedbackErr: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_feedback_failures_total",
			Help: "Feedback runs that failed after a successful sync, by pipeline.",
		}, []string{"pipeline"}),
	}
	m.reg.MustRegister(m.runs, m.records, m.duration, m.lastSuccess, m.lastRun, m.nextRun, m.inProgress, m.status, m.feedback, m.feedbackErr,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// known sets a pipeline's series before its first run, so that dashboards
// and alerts see it from the start.
func (m *metrics) known(name string, status state.PipelineStatus, lastSuccess time.Time) {
	m.inProgress.WithLabelValues(name).Set(0)
	m.setStatus(name, status)
	if !lastSuccess.IsZero() {
		m.lastSuccess.WithLabelValues(name).Set(unixSeconds(lastSuccess))
	}
}

func (m *metrics) scheduled(name string, next time.Time) {
	v := 0.0
	if !next.IsZero() {
		v = unixSeconds(next)
	}
	m.nextRun.WithLabelValues(name).Set(v)
}

func (m *metrics) setStatus(name string, status state.PipelineStatus) {
	if status == 0 {
		return
	}
	for _, s := range statuses {
		v := 0.0
		if s == status {
			v = 1
		}
		m.status.WithLabelValues(name, s.String()).Set(v)
	}
}

// RunStarted implements engine.Observer.
func (m *metrics) RunStarted(name string) {
	m.inProgress.WithLabelValues(name).Inc()
}

// RunFinished implements engine.Observer.
func (m *metrics) RunFinished(r *engine.Report) {
	outcome := r.Outcome.String()
	m.inProgress.WithLabelValues(r.Pipeline).Dec()
	m.runs.WithLabelValues(r.Pipeline, outcome).Inc()
	m.duration.WithLabelValues(r.Pipeline, outcome).Observe(r.Duration.Seconds())
	m.setStatus(r.Pipeline, r.Status)
	if r.Outcome == engine.RunSkipped || r.Outcome == engine.RunBusy {
		return
	}
	m.lastRun.WithLabelValues(r.Pipeline).Set(unixSeconds(r.Started))
	if r.Outcome == engine.RunSucceeded {
		m.lastSuccess.WithLabelValues(r.Pipeline).Set(unixSeconds(r.Started))
	}
	add := func(outcome string, n int64) {
		if n > 0 {
			m.records.WithLabelValues(r.Pipeline, outcome).Add(float64(n))
		}
	}
	rejected := int64(0)
	if r.Planned {
		s := r.Summary
		add("read", int64(s.Read))
		add("unmatched", int64(s.Unmatched))
		add("duplicate", int64(s.Duplicate))
		add("excluded", int64(s.Excluded))
		add("unchanged", int64(s.Unchanged))
		add("over_quota", int64(s.OverQuota))
		rejected += int64(s.Rejected)
	}
	if c := r.Counts; c != nil {
		for _, k := range []string{"add", "update", "remove", "delete"} {
			add(k, c[k])
		}
		rejected += c["rejected"]
	}
	add("rejected", rejected)
	for action, n := range r.Feedback {
		if n > 0 {
			m.feedback.WithLabelValues(r.Pipeline, action).Add(float64(n))
		}
	}
	if r.FeedbackErr != nil {
		m.feedbackErr.WithLabelValues(r.Pipeline).Inc()
	}
}

func unixSeconds(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e9
}

// metricsServer serves /metrics and /healthz on addr.
type metricsServer struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
	mu   sync.Mutex
	err  error
}

// serveMetrics starts serving m on addr ("host:port"; ":0" picks a free
// port). healthy reports whether the daemon is serving.
func serveMetrics(addr string, m *metrics, healthy func() bool) (*metricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !healthy() {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("stopping\n"))
			return
		}
		w.Write([]byte("ok\n"))
	})
	s := &metricsServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, ln: ln, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
		}
	}()
	return s, nil
}

// Addr is the address the server listens on.
func (s *metricsServer) Addr() string { return s.ln.Addr().String() }

func (s *metricsServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
	<-s.done
}
