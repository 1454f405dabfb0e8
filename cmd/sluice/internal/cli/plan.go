package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/engine/plan"
)

func runPlan(e *env, args []string) int {
	fs := e.flagSet("plan", "[DIR|FILE]")
	var c common
	c.register(fs, true)
	out := fs.String("out", "", "save the plan to this file, for `sluice apply PLAN`")
	jsonOut := fs.Bool("json", false, "print the plan as one JSON document")
	detailed := fs.Bool("detailed-exitcode", false, "exit 0 for no changes, 2 for changes, 1 for an error")
	allow := fs.Bool("allow-removals", false, "allow more removals than guard.max_removals")
	verbose := fs.Bool("verbose", false, "list every skipped record")
	pos, err := parse(fs, args)
	if err != nil {
		return exitForParse(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	color := e.color && !c.noColor
	s := e.open(ctx, &c, defaultPaths(pos), color)
	if s == nil {
		return ExitError
	}
	defer s.close()
	if *out != "" && len(s.names) > 1 {
		fmt.Fprintf(e.stderr, "Error: -out saves one pipeline's plan; name it with -pipeline (one of %s).\n", joinNames(s.names))
		return ExitError
	}
	changes, failed := false, false
	for _, name := range s.names {
		sy := s.sync(name)
		prog := newProgress(e.stderr, isTerminal(e.stderr), "Read")
		pr, err := sy.Plan(ctx, func(n int64) { prog.update(n, 0) })
		prog.done()
		if err != nil {
			fmt.Fprintf(e.stderr, "Error: pipeline %q: %v\n", name, err)
			failed = true
			continue
		}
		pl := pr.Plan
		if *jsonOut {
			err = plan.WriteJSON(e.stdout, pl)
		} else {
			err = plan.WriteText(e.stdout, pl, plan.TextOptions{Color: color, Verbose: *verbose})
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "Error: %v\n", err)
			return ExitError
		}
		if pl.HasChanges() {
			changes = true
		}
		if g := pl.GuardBreach; g != nil && !*allow {
			fmt.Fprintf(e.stderr, "Error: pipeline %q: %v\n", name, guardError(g))
			failed = true
			continue
		}
		if *out != "" {
			pl.Config = defaultPaths(pos)
			if err := plan.WriteFile(*out, pl); err != nil {
				fmt.Fprintf(e.stderr, "Error: saving the plan: %v\n", err)
				return ExitError
			}
			if !*jsonOut {
				fmt.Fprintf(e.stdout, "\nSaved the plan to %s. Apply exactly this plan with:\n  sluice apply %s\n", *out, *out)
			}
		}
	}
	switch {
	case failed:
		return ExitError
	case *detailed && changes:
		return ExitChanges
	}
	return ExitOK
}

func guardError(g *plan.GuardBreach) error {
	return fmt.Errorf("%w: it removes or deletes %d of %d members, over the limit of %d. Review the plan, then run again with -allow-removals if it is right", engine.ErrGuard, g.Removals, g.ListSize, g.Limit)
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%q", n)
	}
	return s
}
