package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/sluice-sync/sluice/engine/state"
)

func runSuppress(e *env, args []string) int {
	if len(args) == 0 || (args[0] != "list" && args[0] != "add" && args[0] != "remove") {
		fmt.Fprintln(e.stderr, "Usage: sluice suppress list|add|remove [-connection NAME] [KEY...]")
		return ExitError
	}
	sub := args[0]
	fs := e.flagSet("suppress "+sub, "[KEY...]")
	stateURL := fs.String("state", "", "the state store: sqlite:PATH (default: SLUICE_STATE, then sqlite:"+state.DefaultPath+")")
	conn := fs.String("connection", "", "the sink connection the entries belong to")
	keys, err := parse(fs, args[1:])
	if err != nil {
		return exitForParse(err)
	}
	ctx := context.Background()
	c := common{stateURL: *stateURL}
	store, err := state.Open(ctx, c.resolveState(nil))
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: cannot open the state: %v\n", err)
		return ExitError
	}
	defer store.Close()
	switch sub {
	case "list":
		entries, err := store.Suppressions(ctx, *conn)
		if err != nil {
			fmt.Fprintf(e.stderr, "Error: %v\n", err)
			return ExitError
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CONNECTION\tKEY\tREASON\tLIST\tSINCE")
		for _, s := range entries {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Connection, s.Key, s.Reason, s.List, s.AddedAt.Format(time.RFC3339))
		}
		tw.Flush()
		return ExitOK
	case "add":
		if *conn == "" || len(keys) == 0 {
			fmt.Fprintln(e.stderr, "Usage: sluice suppress add -connection NAME KEY...")
			return ExitError
		}
		var entries []state.Suppression
		for _, k := range keys {
			entries = append(entries, state.Suppression{Connection: *conn, Key: k, Reason: state.SuppressManual, AddedAt: time.Now().UTC()})
		}
		n, err := store.AddSuppressions(ctx, entries)
		if err != nil {
			fmt.Fprintf(e.stderr, "Error: %v\n", err)
			return ExitError
		}
		fmt.Fprintf(e.stdout, "Suppressed %d key(s) of connection %q; they are excluded from every later run.\n", n, *conn)
		return ExitOK
	}
	if len(keys) == 0 {
		fmt.Fprintln(e.stderr, "Usage: sluice suppress remove [-connection NAME] KEY...")
		return ExitError
	}
	code := ExitOK
	for _, k := range keys {
		conns := []string{*conn}
		if *conn == "" {
			conns = connectionsOf(ctx, store, k)
		}
		removed := false
		for _, cn := range conns {
			ok, err := store.RemoveSuppression(ctx, cn, k)
			if err != nil {
				fmt.Fprintf(e.stderr, "Error: %v\n", err)
				return ExitError
			}
			if ok {
				removed = true
				fmt.Fprintf(e.stdout, "Lifted the suppression of %q on connection %q. If the sink still reports it unsubscribed, the next run suppresses it again.\n", k, cn)
			}
		}
		if !removed {
			fmt.Fprintf(e.stderr, "Error: %q is not suppressed.\n", k)
			code = ExitError
		}
	}
	return code
}

// connectionsOf lists the connections that suppress key.
func connectionsOf(ctx context.Context, store state.Store, key string) []string {
	all, _ := store.Suppressions(ctx, "")
	var out []string
	for _, s := range all {
		if s.Key == key {
			out = append(out, s.Connection)
		}
	}
	return out
}
