package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/engine/schedule"
	"github.com/sluice-sync/sluice/engine/state"
)

const pipelinesUsage = `Usage: sluice pipelines list [DIR|FILE...]
       sluice pipelines show NAME [DIR|FILE...]
       sluice pipelines enable NAME [DIR|FILE...]
       sluice pipelines disable NAME [DIR|FILE...]
       sluice pipelines delete NAME [DIR|FILE...]

The registry holds every pipeline that was applied at least once, with its
status: active, disabled, stopped: credentials, or deleted. The pipeline
files give the state store, the schedules and settings.limits.`

func runPipelines(e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, pipelinesUsage)
		return ExitError
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "list", "show", "enable", "disable", "delete":
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(e.stdout, pipelinesUsage)
		return ExitOK
	default:
		fmt.Fprintf(e.stderr, "sluice pipelines: unknown subcommand %q.%s\n\n%s\n", sub,
			dsl.DidYouMean(sub, []string{"list", "show", "enable", "disable", "delete"}), pipelinesUsage)
		return ExitError
	}
	argsDoc := "NAME [DIR|FILE...]"
	if sub == "list" {
		argsDoc = "[DIR|FILE...]"
	}
	fs := e.flagSet("pipelines "+sub, argsDoc)
	var c common
	c.register(fs, false)
	var asJSON, auto *bool
	var runs *int
	var reason *string
	switch sub {
	case "list":
		asJSON = fs.Bool("json", false, "print the list as one JSON document")
	case "show":
		runs = fs.Int("runs", 10, "how many of the latest runs to show")
	case "disable":
		reason = fs.String("reason", "", "why, shown when scheduled runs skip the pipeline")
	case "delete":
		auto = fs.Bool("auto-approve", false, "delete without asking for confirmation")
	}
	pos, err := parse(fs, args)
	if err != nil {
		return exitForParse(err)
	}
	var name string
	if sub != "list" {
		if len(pos) == 0 {
			fmt.Fprintf(e.stderr, "Usage: sluice pipelines %s %s\n", sub, argsDoc)
			return ExitError
		}
		name, pos = pos[0], pos[1:]
	}

	// The files give the state store, schedules and limits. Listing and
	// showing work with files that have errors (what loaded is used);
	// enabling needs the limits, so it needs files that load.
	cfg, diags := load(e, defaultPaths(pos), c.vars)
	if diags.HasErrors() {
		if sub == "enable" {
			sortDiags(diags)
			writeDiags(e.stderr, cfg.Files, diags, e.color && !c.noColor)
			return ExitError
		}
		fmt.Fprintf(e.stderr, "Warning: the pipeline files have errors (sluice validate shows them); schedules and limits may be missing below.\n")
	}
	ctx := context.Background()
	store, err := state.Open(ctx, c.resolveState(cfg))
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: cannot open the state: %v\n", err)
		return ExitError
	}
	defer store.Close()

	r := &registryView{cfg: cfg, store: store, now: time.Now()}
	switch sub {
	case "list":
		err = r.list(ctx, e.stdout, *asJSON)
	case "show":
		err = r.show(ctx, e.stdout, name, *runs)
	case "enable":
		err = r.enable(ctx, e.stdout, name)
	case "disable":
		err = r.disable(ctx, e.stdout, name, *reason)
	case "delete":
		err = r.delete(ctx, e, name, *auto)
	}
	if err != nil {
		if errors.Is(err, errCancelled) {
			return ExitError
		}
		fmt.Fprintf(e.stderr, "Error: %v\n", err)
		return ExitError
	}
	return ExitOK
}

var errCancelled = errors.New("cancelled")

// registryView renders the registry with what the files add: schedules.
type registryView struct {
	cfg   *dsl.Config
	store state.Store
	now   time.Time
}

// entry is one pipeline as list and show present it.
type entry struct {
	Name string `json:"name"`
	// Status is the state's name of the status (stopped_credentials),
	// or not_registered; StatusText is for people (stopped: credentials).
	Status       string     `json:"status"`
	StatusText   string     `json:"-"`
	StatusReason string     `json:"status_reason,omitempty"`
	Schedule     string     `json:"schedule"`
	NextRun      *time.Time `json:"next_run,omitempty"`
	Next         string     `json:"next"`
	LastRun      *lastRun   `json:"last_run,omitempty"`

	reg        *state.Pipeline
	registered bool
	loc        *time.Location
}

type lastRun struct {
	ID       int64            `json:"id"`
	Started  time.Time        `json:"started"`
	Finished *time.Time       `json:"finished,omitempty"`
	Outcome  string           `json:"outcome"`
	Error    string           `json:"error,omitempty"`
	Counts   map[string]int64 `json:"counts,omitempty"`
}

// entries returns the registered pipelines and those the files declare
// that were never applied, by name.
func (r *registryView) entries(ctx context.Context) ([]*entry, error) {
	regs, err := r.store.Pipelines(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]*entry{}
	for i := range regs {
		byName[regs[i].Name] = &entry{Name: regs[i].Name, reg: &regs[i], registered: true}
	}
	for name := range r.cfg.Pipelines {
		if byName[name] == nil {
			byName[name] = &entry{Name: name}
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*entry, 0, len(names))
	for _, n := range names {
		en := byName[n]
		if err := r.fill(ctx, en); err != nil {
			return nil, err
		}
		out = append(out, en)
	}
	return out, nil
}

func (r *registryView) entry(ctx context.Context, name string) (*entry, error) {
	en := &entry{Name: name}
	reg, err := r.store.Pipeline(ctx, name)
	switch {
	case err == nil:
		en.reg, en.registered = &reg, true
	case !errors.Is(err, state.ErrNotFound):
		return nil, err
	case r.cfg.Pipelines[name] == nil:
		var names []string
		if regs, err := r.store.Pipelines(ctx); err == nil {
			for _, p := range regs {
				names = append(names, p.Name)
			}
		}
		names = append(names, r.cfg.PipelineNames()...)
		return nil, fmt.Errorf("no pipeline is named %q, in the registry or the files.%s", name, dsl.DidYouMean(name, names))
	}
	return en, r.fill(ctx, en)
}

// fill computes an entry's status, schedule, next and last run.
func (r *registryView) fill(ctx context.Context, en *entry) error {
	decl := r.cfg.Pipelines[en.Name]
	var sched *dsl.Schedule
	if decl != nil {
		sched = decl.Schedule
	}
	en.loc = time.UTC
	if sched != nil && sched.Location != nil {
		en.loc = sched.Location
	}
	switch {
	case decl == nil:
		en.Schedule = "(not in the files)"
	default:
		en.Schedule = schedule.Describe(sched)
	}
	status := state.PipelineActive
	if en.registered {
		status = en.reg.Status
		en.Status, en.StatusText, en.StatusReason = status.String(), engine.StatusText(status), en.reg.StatusReason
	} else {
		en.Status, en.StatusText = "not_registered", "not registered"
	}

	runs, err := r.store.Runs(ctx, en.Name, 20)
	if err != nil {
		return err
	}
	for _, run := range runs {
		if run.Kind != state.RunApply {
			continue
		}
		lr := &lastRun{ID: run.ID, Started: run.StartedAt, Outcome: run.Outcome.String(), Error: run.Error, Counts: run.Counts}
		if !run.FinishedAt.IsZero() {
			f := run.FinishedAt
			lr.Finished = &f
		}
		en.LastRun = lr
		break
	}

	switch {
	case status == state.PipelineDeleted:
		en.Next = "never (deleted)"
	case status == state.PipelineDisabled:
		en.Next = "none while disabled"
	case decl == nil:
		en.Next = "none (not in the files)"
	case sched == nil:
		en.Next = "when applied by hand"
	default:
		last, err := engine.LastScheduledRun(ctx, r.store, en.Name, sched)
		if err != nil {
			return err
		}
		next := schedule.Next(sched, last, r.now)
		switch {
		case next.IsZero():
			en.Next = "never (ran once)"
		case sched.Repeat == dsl.RepeatOnce:
			en.Next = "at the next start of sluice run"
		case !next.After(r.now):
			en.Next = "due now (a slot was missed): at the next start of sluice run"
		default:
			t := next
			en.NextRun = &t
			en.Next = formatTime(next, en.loc)
		}
		if status == state.PipelineStoppedCredentials {
			en.Next += "; skipped while the credentials are refused"
		}
	}
	return nil
}

func formatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// describe renders a run's outcome and counts on one line.
func (lr *lastRun) describe(loc *time.Location) string {
	s := formatTime(lr.Started, loc) + " " + lr.Outcome
	if lr.Outcome == state.OutcomeRunning.String() {
		return formatTime(lr.Started, loc) + " running"
	}
	if c := lr.Counts; c != nil {
		s += fmt.Sprintf(": %d added, %d updated, %d removed, %d deleted, %d rejected", c["add"], c["update"], c["remove"], c["delete"], c["rejected"])
	}
	return s
}

func (r *registryView) list(ctx context.Context, w io.Writer, asJSON bool) error {
	ens, err := r.entries(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		if ens == nil {
			ens = []*entry{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"pipelines": ens})
	}
	if len(ens) == 0 {
		fmt.Fprintln(w, "No pipelines: none is registered, and the files declare none.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATUS\tSCHEDULE\tNEXT RUN\tLAST RUN")
	for _, en := range ens {
		last := "never"
		if en.LastRun != nil {
			last = en.LastRun.describe(en.loc)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", en.Name, en.StatusText, en.Schedule, en.Next, last)
	}
	return tw.Flush()
}

func (r *registryView) show(ctx context.Context, w io.Writer, name string, nruns int) error {
	en, err := r.entry(ctx, name)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	fmt.Fprintf(tw, "Pipeline:\t%s\n", en.Name)
	fmt.Fprintf(tw, "Status:\t%s\n", en.StatusText)
	if en.StatusReason != "" {
		fmt.Fprintf(tw, "Reason:\t%s\n", en.StatusReason)
	}
	fmt.Fprintf(tw, "Schedule:\t%s\n", en.Schedule)
	fmt.Fprintf(tw, "Next run:\t%s\n", en.Next)
	if en.registered {
		p := en.reg
		fmt.Fprintf(tw, "Registered:\t%s\n", formatTime(p.RegisteredAt, en.loc))
		src := fmt.Sprintf("connection %q", p.SourceConnection)
		if p.SourceModule != "" {
			src += fmt.Sprintf(", module %q", p.SourceModule)
		}
		fmt.Fprintf(tw, "Source:\t%s\n", src)
		fmt.Fprintf(tw, "Sink:\tconnection %q, list %q\n", p.SinkConnection, p.SinkList)
		if len(p.Accounts) > 0 {
			var accts []string
			for _, k := range sortedKeys(p.Accounts) {
				accts = append(accts, fmt.Sprintf("%s=%s", k, p.Accounts[k]))
			}
			fmt.Fprintf(tw, "Accounts:\t%s\n", strings.Join(accts, ", "))
		}
		if n, err := r.store.CountMembers(ctx, name); err == nil {
			fmt.Fprintf(tw, "Members:\t%d\n", n)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	runs, err := r.store.Runs(ctx, name, nruns)
	if err != nil {
		return err
	}
	fmt.Fprintln(w)
	if len(runs) == 0 {
		fmt.Fprintln(w, "No runs yet.")
		return nil
	}
	fmt.Fprintln(w, "Runs, newest first:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tKIND\tSTARTED\tDURATION\tOUTCOME\tCOUNTS\tERROR")
	for _, run := range runs {
		dur := "-"
		if !run.FinishedAt.IsZero() {
			dur = run.FinishedAt.Sub(run.StartedAt).Round(time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", run.ID, run.Kind, formatTime(run.StartedAt, en.loc), dur,
			run.Outcome, formatCounts(run.Counts), oneLine(run.Error, 100))
	}
	return tw.Flush()
}

// formatCounts renders counts in a fixed order, the zero ones left out.
func formatCounts(c map[string]int64) string {
	order := []string{"read", "selected", "unmatched", "add", "update", "unchanged", "remove", "delete", "rejected", "duplicate", "excluded", "over_quota"}
	var parts []string
	seen := map[string]bool{}
	for _, k := range order {
		seen[k] = true
		if c[k] != 0 {
			parts = append(parts, k+"="+strconv.FormatInt(c[k], 10))
		}
	}
	for _, k := range sortedKeys(c) {
		if !seen[k] && c[k] != 0 {
			parts = append(parts, k+"="+strconv.FormatInt(c[k], 10))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func oneLine(s string, max int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return s
}

func (r *registryView) enable(ctx context.Context, w io.Writer, name string) error {
	changed, err := engine.Enable(ctx, r.store, r.cfg.Settings.Limits, name)
	if err != nil {
		return err
	}
	if !changed {
		fmt.Fprintf(w, "Pipeline %q is already active.\n", name)
		return nil
	}
	en, err := r.entry(ctx, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Enabled pipeline %q. Next run: %s.\n", name, en.Next)
	return nil
}

func (r *registryView) disable(ctx context.Context, w io.Writer, name, reason string) error {
	if reason == "" {
		reason = "disabled by hand on " + r.now.UTC().Format("2006-01-02 15:04 MST")
	}
	changed, err := engine.Disable(ctx, r.store, name, reason)
	if err != nil {
		return err
	}
	if !changed {
		fmt.Fprintf(w, "Pipeline %q is already disabled.\n", name)
		return nil
	}
	fmt.Fprintf(w, "Disabled pipeline %q: scheduled runs skip it until sluice pipelines enable %s.\n", name, name)
	return nil
}

func (r *registryView) delete(ctx context.Context, e *env, name string, auto bool) error {
	p, err := r.store.Pipeline(ctx, name)
	if err != nil {
		if errors.Is(err, state.ErrNotFound) {
			return fmt.Errorf("pipeline %q is not registered (a pipeline registers at its first apply)", name)
		}
		return err
	}
	if p.Status == state.PipelineDeleted {
		fmt.Fprintf(e.stdout, "Pipeline %q is already deleted.\n", name)
		return nil
	}
	members, err := r.store.CountMembers(ctx, name)
	if err != nil {
		return err
	}
	keeps := fmt.Sprintf("its %d %s stay on list %q (connection %q), and the responses gathered so far stay in the reports",
		members, pluralWord(members, "member", "members"), p.SinkList, p.SinkConnection)
	if !auto {
		fmt.Fprintf(e.stdout, "Delete pipeline %q? It will never run again (the name cannot be reused); %s.\n  Only 'yes' will be accepted: ", name, keeps)
		if !confirmed(e.stdin) {
			fmt.Fprintln(e.stdout, "\nDelete cancelled.")
			return errCancelled
		}
		fmt.Fprintln(e.stdout)
	}
	if _, err := engine.Delete(ctx, r.store, name, "deleted by hand on "+r.now.UTC().Format("2006-01-02 15:04 MST")); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Deleted pipeline %q: it has no more runs; %s.\n", name, keeps)
	return nil
}

func pluralWord(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
