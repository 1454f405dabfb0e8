package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sluice-sync/sluice/engine"
)

func runFeedback(e *env, args []string) int {
	fs := e.flagSet("feedback", "[DIR|FILE|PLAN]")
	var c common
	c.register(fs, true)
	out := fs.String("out", "", "save the feedback plan to `FILE` without writing anything; sluice feedback FILE applies it later")
	jsonOut := fs.Bool("json", false, "print the feedback plan as one JSON document (nothing is written without -auto-approve)")
	auto := fs.Bool("auto-approve", false, "write without asking for confirmation")
	verbose := fs.Bool("verbose", false, "list the fields of every write")
	pos, err := parse(fs, args)
	if err != nil {
		return exitForParse(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	color := e.color && !c.noColor && !*jsonOut

	// A saved feedback plan: apply exactly it.
	var saved *engine.FeedbackPlan
	if len(pos) == 1 && !strings.HasSuffix(pos[0], ".hcl") && engine.IsFeedbackPlanFile(pos[0]) {
		saved, err = engine.ReadFeedbackFile(pos[0])
		if err != nil {
			fmt.Fprintf(e.stderr, "Error: reading the feedback plan %s: %v\n", pos[0], err)
			return ExitError
		}
		c.pipeline = saved.Pipeline
		pos = saved.Config
	}
	s := e.open(ctx, &c, defaultPaths(pos), color)
	if s == nil {
		return ExitError
	}
	defer s.close()
	var names []string
	for _, name := range s.names {
		if s.cfg.Pipelines[name].Feedback != nil || c.pipeline != "" {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		fmt.Fprintf(e.stderr, "Error: no pipeline of %s has a feedback block; add feedback { ... } to one.\n", strings.Join(defaultPaths(pos), ", "))
		return ExitError
	}
	if *out != "" && len(names) > 1 {
		fmt.Fprintf(e.stderr, "Error: -out saves one pipeline's feedback plan; name it with -pipeline (one of %s).\n", joinNames(names))
		return ExitError
	}
	o := feedbackOptions{out: *out, json: *jsonOut, auto: *auto, verbose: *verbose, color: color, named: c.pipeline != "", paths: defaultPaths(pos)}
	for _, name := range names {
		if code := e.feedbackOne(ctx, s, name, saved, o); code != ExitOK {
			return code
		}
	}
	return ExitOK
}

type feedbackOptions struct {
	out                               string
	json, auto, verbose, color, named bool
	paths                             []string
}

func (e *env) feedbackOne(ctx context.Context, s *session, name string, saved *engine.FeedbackPlan, o feedbackOptions) int {
	sy := s.sync(name)
	prog, diags := engine.ResolveFeedback(sy.Resolved, s.now)
	if diags.HasErrors() {
		sortDiags(diags)
		writeDiags(e.stderr, s.cfg.Files, diags, o.color)
		return ExitError
	}
	fs := &engine.FeedbackSync{Sync: sy, Program: prog}
	if err := fs.CheckRegistered(ctx); err != nil {
		if errors.Is(err, engine.ErrNotApplied) && !o.named {
			// Of every pipeline of the files, one not applied yet has
			// nothing to write back; the others go on.
			fmt.Fprintf(e.stderr, "Skipping pipeline %q: it was never applied, so no member of its list came from it.\n", name)
			return ExitOK
		}
		fmt.Fprintf(e.stderr, "Error: %v\n", err)
		return ExitError
	}
	lease, release, err := sy.Lock(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: %v\n", err)
		return ExitError
	}
	defer release()

	pl := saved
	if saved != nil {
		if err := fs.CheckSavedFeedback(ctx, saved); err != nil {
			fmt.Fprintf(e.stderr, "Error: cannot apply the saved feedback plan: %v\n", err)
			return ExitError
		}
	} else {
		in, err := fs.Ingest(ctx)
		if err != nil {
			fmt.Fprintf(e.stderr, "Error: pipeline %q: %v\n", name, err)
			return ExitError
		}
		if pl, err = fs.Plan(ctx, in); err != nil {
			fmt.Fprintf(e.stderr, "Error: pipeline %q: %v\n", name, err)
			return ExitError
		}
		if o.json {
			err = engine.WriteFeedbackJSON(e.stdout, pl)
		} else {
			err = engine.WriteFeedbackText(e.stdout, pl, engine.FeedbackTextOptions{Color: o.color, Verbose: o.verbose})
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "Error: %v\n", err)
			return ExitError
		}
	}
	if o.out != "" {
		pl.Config = o.paths
		if err := engine.WriteFeedbackFile(o.out, pl); err != nil {
			fmt.Fprintf(e.stderr, "Error: saving the feedback plan: %v\n", err)
			return ExitError
		}
		if !o.json {
			fmt.Fprintf(e.stdout, "\nSaved the feedback plan to %s. Write exactly this plan with:\n  sluice feedback %s\n", o.out, o.out)
		}
		return ExitOK
	}
	if o.json && !o.auto {
		return ExitOK
	}
	if pl.HasChanges() && !o.auto && saved == nil {
		fmt.Fprintf(e.stdout, "\nDo you want to write this feedback into the source of pipeline %q?\n  Only 'yes' will be accepted: ", name)
		if !confirmed(e.stdin) {
			fmt.Fprintln(e.stdout, "\nFeedback cancelled.")
			return ExitError
		}
	}
	prog2 := newProgress(e.stderr, isTerminal(e.stderr), "Written")
	res, err := fs.Apply(ctx, pl, lease, engine.FeedbackApplyOptions{
		Progress: func(done, total int) { prog2.update(int64(done), int64(total)) }})
	prog2.done()
	if res != nil && (pl.HasChanges() || err != nil) {
		w := e.stdout
		if o.json {
			w = e.stderr
		}
		writeFeedbackResult(w, name, res)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: pipeline %q: %v\n", name, err)
		return ExitError
	}
	return ExitOK
}

func writeFeedbackResult(w io.Writer, name string, res *engine.FeedbackResult) {
	n := res.Counts
	fmt.Fprintf(w, "\nFeedback complete for %s: %s created, %s and %s written, %s pushed; %d rejected by the source.\n",
		name, countOf(n[engine.CreateCampaign.String()], "campaign", "campaigns"),
		countOf(n[engine.SetMemberStatus.String()], "member status", "member statuses"),
		countOf(n[engine.SetStatusField.String()], "status field", "status fields"),
		countOf(n[engine.PushRecipient.String()], "recipient", "recipients"), n["rejected"])
	for i, r := range res.Rejected {
		if i == 20 {
			fmt.Fprintf(w, "  … and %d more\n", len(res.Rejected)-20)
			break
		}
		what := r.Write.Key
		if r.Write.SourceID != "" {
			what = "source " + r.Write.SourceID
		}
		if what == "" {
			what = "campaign " + r.Write.Campaign
		}
		fmt.Fprintf(w, "  rejected %s %q: %s\n", r.Write.Action, what, r.Reason)
	}
	if len(res.Rejected) > 0 {
		fmt.Fprintln(w, "  The rejected writes are planned again by the next run.")
	}
}

func countOf(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
