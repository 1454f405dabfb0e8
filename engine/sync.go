package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine/state"
)

// Sync is one pipeline bound to its configuration, connections and state:
// what `sluice plan` and `sluice apply` drive.
type Sync struct {
	Config   *dsl.Config
	Store    state.Store
	Conns    *Conns
	Resolved *Resolved
	Now      time.Time
}

// LeaseTTL is how long a lease lasts without renewal; a running apply
// renews it well before.
const LeaseTTL = 2 * time.Minute

func (s *Sync) pipeline() *dsl.Pipeline { return s.Resolved.Pipeline }

func (s *Sync) source(ctx context.Context) (sdk.Source, error) {
	conn, err := s.Conns.Get(ctx, s.pipeline().Source.Connection)
	if err != nil {
		return nil, err
	}
	return conn.(sdk.Source), nil
}

func (s *Sync) sink(ctx context.Context) (sdk.Sink, error) {
	conn, err := s.Conns.Get(ctx, s.pipeline().Sink.Connection)
	if err != nil {
		return nil, err
	}
	return conn.(sdk.Sink), nil
}

// ConfigHash is the hash of the pipeline's configuration.
func (s *Sync) ConfigHash() string { return ConfigHash(s.Config, s.pipeline()) }

// Plan computes the pipeline's plan.
func (s *Sync) Plan(ctx context.Context, progress func(read int64)) (*Prepared, error) {
	src, err := s.source(ctx)
	if err != nil {
		return nil, err
	}
	snk, err := s.sink(ctx)
	if err != nil {
		return nil, err
	}
	return Plan(ctx, PlanRequest{
		Resolved: s.Resolved, Store: s.Store, Source: src, Sink: snk,
		SinkConnection: s.pipeline().Sink.Connection, MaxContacts: s.Config.Settings.Limits.MaxContacts,
		ConfigHash: s.ConfigHash(), Now: s.Now, Progress: progress,
	})
}

// Lock takes the pipeline's lease and keeps renewing it until the returned
// release function is called. A second run of the pipeline is refused
// with a *state.LockedError naming who holds it and since when.
func (s *Sync) Lock(ctx context.Context) (state.Lease, func(), error) {
	name := s.pipeline().Name
	lease, err := s.Store.AcquireLease(ctx, name, state.CurrentHolder(), LeaseTTL)
	if err != nil {
		var locked *state.LockedError
		if errors.As(err, &locked) {
			return state.Lease{}, nil, fmt.Errorf("pipeline %q is already running: %w. Wait for it to finish; if that process is gone, the lease expires by itself within %s", name, err, LeaseTTL)
		}
		return state.Lease{}, nil, err
	}
	// Runs of a runner that died holding the lease end as interrupted.
	if runs, err := s.Store.Runs(ctx, name, 50); err == nil {
		for _, r := range runs {
			if r.Outcome == state.OutcomeRunning {
				s.Store.FinishRun(ctx, r.ID, state.RunResult{Outcome: state.OutcomeInterrupted, Error: "the process running it stopped", Counts: r.Counts})
			}
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(LeaseTTL / 4)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				s.Store.RenewLease(context.WithoutCancel(ctx), name, lease.Token, LeaseTTL)
			}
		}
	}()
	var once sync.Once
	release := func() {
		once.Do(func() {
			close(stop)
			wg.Wait()
			s.Store.ReleaseLease(context.WithoutCancel(ctx), name, lease.Token)
		})
	}
	return lease, release, nil
}

// Register records the pipeline in the registry on its first apply, and
// refreshes its configuration hash on later ones.
//
// A new pipeline is refused, before anything is written, when it would
// breach settings.limits (a *LimitError). Each connection that can name its
// account (sdk.AccountReporter) has it recorded at registration; when one
// later reports another account, the pipelines registered with the old one
// are disabled and Register returns an *AccountChangeError. A disabled or
// deleted pipeline is refused. A pipeline stopped on credentials is made
// active again: Register comes after a plan, which read the source and
// the sink's suppressions, so both connections accepted their credentials.
func (s *Sync) Register(ctx context.Context) error {
	p := s.pipeline()
	reg := state.Pipeline{
		Name: p.Name, ConfigHash: s.ConfigHash(),
		SourceConnection: p.Source.Connection, SourceModule: s.Resolved.Stream.Name,
		SinkConnection: p.Sink.Connection, SinkList: p.Sink.List,
	}
	existing, err := s.Store.Pipeline(ctx, p.Name)
	switch {
	case errors.Is(err, state.ErrNotFound):
		if err := CheckRegisterLimits(ctx, s.Store, s.Config.Settings, p.Name, s.now()); err != nil {
			return err
		}
		if reg.Accounts, err = Accounts(ctx, s.Conns, p); err != nil {
			return err
		}
		_, err = s.Store.RegisterPipeline(ctx, reg)
		return err
	case err != nil:
		return err
	}
	switch existing.Status {
	case state.PipelineDeleted:
		return fmt.Errorf("pipeline %q was deleted; it no longer runs. Give the pipeline a new name to sync again: %w", p.Name, ErrDeleted)
	case state.PipelineDisabled:
		return fmt.Errorf("pipeline %q is disabled: %s. Run sluice pipelines enable %s to run it again: %w", p.Name, orUnknown(existing.StatusReason), p.Name, ErrDisabled)
	}
	accounts, err := Accounts(ctx, s.Conns, p)
	if err != nil {
		return err
	}
	if err := CheckAccounts(ctx, s.Store, existing, accounts); err != nil {
		return err
	}
	if _, err := Resume(ctx, s.Store, p.Name); err != nil {
		return err
	}
	merged, added := MergeAccounts(existing.Accounts, accounts)
	if existing.ConfigHash != reg.ConfigHash || existing.SinkList != reg.SinkList || added {
		existing.ConfigHash, existing.SinkList = reg.ConfigHash, reg.SinkList
		existing.SourceConnection, existing.SourceModule, existing.SinkConnection = reg.SourceConnection, reg.SourceModule, reg.SinkConnection
		existing.Accounts = merged
		return s.Store.UpdatePipeline(ctx, existing)
	}
	return nil
}

// now is the run's time, for the limits' calendar days and months.
func (s *Sync) now() time.Time {
	if s.Now.IsZero() {
		return time.Now()
	}
	return s.Now
}

// ApplyOptions tune an apply.
type ApplyOptions struct {
	AllowRemovals bool
	WriteRows     int // members per write; 0 for DefaultWriteRows
	Progress      func(done, total int)
}

// Apply applies a prepared plan under the lease.
func (s *Sync) Apply(ctx context.Context, pr *Prepared, lease state.Lease, o ApplyOptions) (*ApplyResult, error) {
	snk, err := s.sink(ctx)
	if err != nil {
		return nil, err
	}
	return Apply(ctx, ApplyRequest{
		Prepared: pr, Store: s.Store, Sink: snk, SinkConnection: s.pipeline().Sink.Connection,
		Token: lease.Token, AllowRemovals: o.AllowRemovals, WriteRows: o.WriteRows, Progress: o.Progress,
	})
}
