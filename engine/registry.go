package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine/state"
)

// The registry's status transitions. The state stores a pipeline's status;
// these functions decide it:
//
//	active ── credentials refused ──▶ stopped: credentials ── a run succeeds ──▶ active
//	active ── another account ──────▶ disabled ── pipelines enable ──▶ active
//	active ── pipelines disable ────▶ disabled
//	any ───── pipelines delete ─────▶ deleted (final)

var (
	// ErrDisabled is wrapped by the error of running a disabled pipeline.
	ErrDisabled = errors.New("pipeline is disabled")
	// ErrDeleted is wrapped by the error of running or enabling a deleted
	// pipeline.
	ErrDeleted = errors.New("pipeline was deleted")
	// ErrAccountChanged is wrapped by an *AccountChangeError.
	ErrAccountChanged = errors.New("connection reports another account")
)

// AccountChangeError says that a connection reported another account than
// the one its pipelines were registered with; those pipelines were
// disabled.
type AccountChangeError struct {
	Connection string
	Registered string // the account the pipeline was registered with
	Reported   string // the account the connection reports now
	Disabled   []string
}

func (e *AccountChangeError) Error() string {
	return fmt.Sprintf("connection %q now reports account %q, but its pipelines were registered with account %q; disabled %s so that nothing is written to the wrong account. Check the connection's settings; if the new account is right, run: sluice pipelines enable NAME",
		e.Connection, e.Reported, e.Registered, plural(len(e.Disabled), "pipeline")+" "+shortList(quoteAll(e.Disabled), 5))
}

// Is reports whether target is ErrAccountChanged.
func (e *AccountChangeError) Is(target error) bool { return target == ErrAccountChanged }

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%q", n)
	}
	return out
}

// connectionsOf returns the names of p's connections, source first.
func connectionsOf(p *dsl.Pipeline) []string {
	var names []string
	if p.Source != nil {
		names = append(names, p.Source.Connection)
	}
	if p.Sink != nil && (len(names) == 0 || names[0] != p.Sink.Connection) {
		names = append(names, p.Sink.Connection)
	}
	return names
}

// Accounts asks each of p's connections that can name its account
// (sdk.AccountReporter) which account it is connected to, by connection
// name. Connections that cannot are left out; the map is nil when none
// can.
func Accounts(ctx context.Context, conns *Conns, p *dsl.Pipeline) (map[string]string, error) {
	if conns == nil {
		return nil, nil
	}
	var out map[string]string
	for _, name := range connectionsOf(p) {
		conn, err := conns.Get(ctx, name)
		if err != nil {
			return nil, err
		}
		ar, ok := conn.(sdk.AccountReporter)
		if !ok {
			continue
		}
		acct, err := ar.Account(ctx)
		if err != nil {
			return nil, fmt.Errorf("asking connection %q for its account: %w", name, err)
		}
		if out == nil {
			out = map[string]string{}
		}
		out[name] = acct
	}
	return out, nil
}

// CheckAccounts compares the accounts p's connections report now with
// those it was registered with. A connection that reports another account
// disables every pipeline registered with the old account on that
// connection, this one included, and the error is an *AccountChangeError.
// Connections the pipeline has no account for yet are not a change.
func CheckAccounts(ctx context.Context, reg state.Registry, p state.Pipeline, reported map[string]string) error {
	conns := make([]string, 0, len(reported))
	for c := range reported {
		conns = append(conns, c)
	}
	sort.Strings(conns)
	for _, conn := range conns {
		was, now := p.Accounts[conn], reported[conn]
		if was == "" || was == now {
			continue
		}
		all, err := reg.Pipelines(ctx)
		if err != nil {
			return err
		}
		e := &AccountChangeError{Connection: conn, Registered: was, Reported: now}
		for _, q := range all {
			uses := q.SourceConnection == conn || q.SinkConnection == conn
			if q.Name != p.Name && (!uses || q.Accounts[conn] != was || !Runnable(q.Status)) {
				continue
			}
			reason := fmt.Sprintf("connection %q reported account %q, but the pipeline was registered with account %q. Check the connection's settings; if the new account is right, run: sluice pipelines enable %s",
				conn, now, was, q.Name)
			if err := reg.SetPipelineStatus(ctx, q.Name, state.PipelineDisabled, reason); err != nil {
				return err
			}
			e.Disabled = append(e.Disabled, q.Name)
		}
		return e
	}
	return nil
}

// MergeAccounts returns the accounts of a registered pipeline completed
// with those reported now for connections it had none for, and whether
// anything was added.
func MergeAccounts(registered, reported map[string]string) (map[string]string, bool) {
	changed := false
	out := map[string]string{}
	for k, v := range registered {
		out[k] = v
	}
	for k, v := range reported {
		if out[k] == "" && v != "" {
			out[k] = v
			changed = true
		}
	}
	if len(out) == 0 {
		out = nil
	}
	return out, changed
}

// StopForCredentials marks the active pipelines using connection conn as
// stopped: credentials, with cause as the reason, and returns their names.
// When conn is "" (which connection refused is not known), only pipeline
// name is stopped. Scheduled runs skip them until a run with working
// credentials succeeds.
func StopForCredentials(ctx context.Context, reg state.Registry, name, conn string, cause error, now time.Time) ([]string, error) {
	all, err := reg.Pipelines(ctx)
	if err != nil {
		return nil, err
	}
	var stopped []string
	for _, q := range all {
		uses := q.Name == name
		if conn != "" {
			uses = q.SourceConnection == conn || q.SinkConnection == conn
		}
		if q.Status != state.PipelineActive || !uses {
			continue
		}
		who := fmt.Sprintf("connection %q", conn)
		if conn == "" {
			who = "a connection"
		}
		reason := fmt.Sprintf("%s refused its credentials at %s: %s. Update the connection's settings; the pipeline resumes by itself once a run with working credentials succeeds",
			who, now.UTC().Format(time.RFC3339), reasonLine(cause.Error()))
		if err := reg.SetPipelineStatus(ctx, q.Name, state.PipelineStoppedCredentials, reason); err != nil {
			return stopped, err
		}
		stopped = append(stopped, q.Name)
	}
	return stopped, nil
}

// Resume makes a pipeline stopped on credentials active again, after a
// run that used its connections succeeded. It reports whether it did.
func Resume(ctx context.Context, reg state.Registry, name string) (bool, error) {
	p, err := reg.Pipeline(ctx, name)
	if err != nil {
		if errors.Is(err, state.ErrNotFound) {
			return false, nil
		}
		return false, err
	}
	if p.Status != state.PipelineStoppedCredentials {
		return false, nil
	}
	return true, reg.SetPipelineStatus(ctx, name, state.PipelineActive, "")
}

// Enable makes a disabled (or stopped) pipeline active again, within
// max_active_pipelines. It forgets the accounts the pipeline was
// registered with: its next run records the accounts its connections
// report then. It reports whether the status changed; enabling an active
// pipeline changes nothing.
func Enable(ctx context.Context, reg state.Registry, lim dsl.Limits, name string) (bool, error) {
	p, err := registered(ctx, reg, name)
	if err != nil {
		return false, err
	}
	switch p.Status {
	case state.PipelineActive:
		return false, nil
	case state.PipelineDeleted:
		return false, fmt.Errorf("pipeline %q was deleted and cannot run again; give the pipeline a new name to sync again: %w", name, ErrDeleted)
	case state.PipelineDisabled:
		if err := CheckActiveLimit(ctx, reg, lim, name); err != nil {
			return false, err
		}
	}
	if len(p.Accounts) > 0 {
		p.Accounts = nil
		if err := reg.UpdatePipeline(ctx, p); err != nil {
			return false, err
		}
	}
	return true, reg.SetPipelineStatus(ctx, name, state.PipelineActive, "")
}

// Disable stops a pipeline's runs until it is enabled. It reports whether
// the status changed.
func Disable(ctx context.Context, reg state.Registry, name, reason string) (bool, error) {
	p, err := registered(ctx, reg, name)
	if err != nil {
		return false, err
	}
	switch p.Status {
	case state.PipelineDisabled:
		return false, nil
	case state.PipelineDeleted:
		return false, fmt.Errorf("pipeline %q was deleted; it no longer runs: %w", name, ErrDeleted)
	}
	return true, reg.SetPipelineStatus(ctx, name, state.PipelineDisabled, reason)
}

// Delete ends a pipeline's runs for good. Nothing else changes: its
// members stay on the list (and in the state, attributed to it), and the
// responses gathered so far stay in the reports. It reports whether the
// status changed.
func Delete(ctx context.Context, reg state.Registry, name, reason string) (bool, error) {
	p, err := registered(ctx, reg, name)
	if err != nil {
		return false, err
	}
	if p.Status == state.PipelineDeleted {
		return false, nil
	}
	return true, reg.SetPipelineStatus(ctx, name, state.PipelineDeleted, reason)
}

func registered(ctx context.Context, reg state.Registry, name string) (state.Pipeline, error) {
	p, err := reg.Pipeline(ctx, name)
	if errors.Is(err, state.ErrNotFound) {
		return p, fmt.Errorf("pipeline %q is not registered (a pipeline registers at its first apply): %w", name, err)
	}
	return p, err
}

// StatusText renders a status for people: "stopped: credentials".
func StatusText(s state.PipelineStatus) string {
	if s == state.PipelineStoppedCredentials {
		return "stopped: credentials"
	}
	return s.String()
}

// orUnknown is a status reason for people.
func orUnknown(reason string) string {
	if reason == "" {
		return "no reason was recorded"
	}
	return reason
}

func reasonLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
