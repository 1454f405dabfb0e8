package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/engine/plan"
)

func runApply(e *env, args []string) int {
	fs := e.flagSet("apply", "[DIR|FILE|PLAN]")
	var c common
	c.register(fs, true)
	auto := fs.Bool("auto-approve", false, "apply without asking for confirmation")
	allow := fs.Bool("allow-removals", false, "allow more removals than guard.max_removals")
	verbose := fs.Bool("verbose", false, "list every skipped record")
	writeRows := fs.Int("write-batch", engine.DefaultWriteRows, "members per write to the sink; the state is committed after each")
	pos, err := parse(fs, args)
	if err != nil {
		return exitForParse(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	color := e.color && !c.noColor

	// A saved plan: apply exactly it.
	var saved *plan.Plan
	if len(pos) == 1 && isPlanFile(pos[0]) {
		saved, err = plan.ReadFile(pos[0])
		if err != nil {
			fmt.Fprintf(e.stderr, "Error: reading the plan %s: %v\n", pos[0], err)
			return ExitError
		}
		c.pipeline = saved.Pipeline
		pos = saved.Config
		if len(pos) == 0 {
			pos = []string{"."}
		}
	}
	s := e.open(ctx, &c, defaultPaths(pos), color)
	if s == nil {
		return ExitError
	}
	defer s.close()
	for _, name := range s.names {
		if code := e.applyOne(ctx, s, name, saved, applyOptions{*auto, *allow, *verbose, color, *writeRows}); code != ExitOK {
			return code
		}
	}
	return ExitOK
}

type applyOptions struct {
	auto, allow, verbose, color bool
	writeRows                   int
}

func (e *env) applyOne(ctx context.Context, s *session, name string, saved *plan.Plan, o applyOptions) int {
	auto, allow, verbose, color := o.auto, o.allow, o.verbose, o.color
	sy := s.sync(name)
	lease, release, err := sy.Lock(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: %v\n", err)
		return ExitError
	}
	defer release()

	var pr *engine.Prepared
	if saved != nil {
		pr, err = engine.FromSaved(ctx, saved, sy.Resolved, sy.ConfigHash(), s.store)
		if err != nil {
			fmt.Fprintf(e.stderr, "Error: cannot apply the saved plan: %v\n", err)
			return ExitError
		}
	} else {
		prog := newProgress(e.stderr, isTerminal(e.stderr), "Read")
		pr, err = sy.Plan(ctx, func(n int64) { prog.update(n, 0) })
		prog.done()
		if err != nil {
			fmt.Fprintf(e.stderr, "Error: pipeline %q: %v\n", name, err)
			return ExitError
		}
	}
	pl := pr.Plan
	if saved == nil {
		if err := plan.WriteText(e.stdout, pl, plan.TextOptions{Color: color, Verbose: verbose}); err != nil {
			fmt.Fprintf(e.stderr, "Error: %v\n", err)
			return ExitError
		}
	}
	if g := pl.GuardBreach; g != nil && !allow {
		fmt.Fprintf(e.stderr, "Error: pipeline %q: %v\n", name, guardError(g))
		return ExitError
	}
	if pl.HasChanges() && !auto && saved == nil {
		fmt.Fprintf(e.stdout, "\nDo you want to apply this plan to pipeline %q?\n  Only 'yes' will be accepted: ", name)
		if !confirmed(e.stdin) {
			fmt.Fprintln(e.stdout, "\nApply cancelled.")
			return ExitError
		}
	}
	if err := sy.Register(ctx); err != nil {
		fmt.Fprintf(e.stderr, "Error: pipeline %q: %v\n", name, err)
		return ExitError
	}
	prog := newProgress(e.stderr, isTerminal(e.stderr), "Applied")
	res, err := sy.Apply(ctx, pr, lease, engine.ApplyOptions{AllowRemovals: allow, WriteRows: o.writeRows,
		Progress: func(done, total int) { prog.update(int64(done), int64(total)) }})
	prog.done()
	if res != nil && (pl.HasChanges() || err != nil) {
		cnt := res.Counts
		fmt.Fprintf(e.stdout, "\nApply complete for %s: %d added, %d updated, %d removed, %d deleted, %d rejected by the sink.\n",
			name, cnt["add"], cnt["update"], cnt["remove"], cnt["delete"], cnt["rejected"])
		for i, r := range res.Rejected {
			if i == 20 {
				fmt.Fprintf(e.stdout, "  … and %d more\n", len(res.Rejected)-20)
				break
			}
			fmt.Fprintf(e.stdout, "  rejected %q [source %s]: %s\n", r.Key, r.SourceID, r.Reason)
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: pipeline %q: %v\n", name, err)
		return ExitError
	}
	return ExitOK
}

// confirmed reads one line and reports whether it is "yes".
func confirmed(r io.Reader) bool {
	if r == nil {
		return false
	}
	line, _ := bufio.NewReader(r).ReadString('\n')
	return strings.TrimSpace(line) == "yes"
}

// isPlanFile reports whether path is a saved plan rather than pipelines.
func isPlanFile(path string) bool {
	st, err := os.Stat(path)
	if err != nil || st.IsDir() || strings.HasSuffix(path, ".hcl") {
		return false
	}
	return plan.IsPlanFile(path)
}
