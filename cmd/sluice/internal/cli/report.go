package cli

import (
	"context"
	"fmt"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine/report"
	"github.com/sluice-sync/sluice/engine/state"
)

const reportUsage = `Usage:
  sluice report campaigns [-connection NAME] [-list NAME]
  sluice report campaign KEY [-response R] [-module M] [-connection NAME]
  sluice report record ID [-pipeline NAME] [-module M]

Each takes -json or -csv, and -state.`

func runReport(e *env, args []string) int {
	if len(args) == 0 || (args[0] != "campaigns" && args[0] != "campaign" && args[0] != "record") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, reportUsage)
			return ExitOK
		}
		if len(args) > 0 {
			fmt.Fprintf(e.stderr, "sluice report: unknown report %q.%s\n", args[0], dsl.DidYouMean(args[0], []string{"campaigns", "campaign", "record"}))
		}
		fmt.Fprintln(e.stderr, reportUsage)
		return ExitError
	}
	sub := args[0]
	argName := map[string]string{"campaigns": "", "campaign": "KEY", "record": "ID"}[sub]
	fs := e.flagSet("report "+sub, argName)
	stateURL := fs.String("state", "", "the state store: sqlite:PATH (default: SLUICE_STATE, then sqlite:"+state.DefaultPath+")")
	jsonOut := fs.Bool("json", false, "print the report as one JSON document")
	csvOut := fs.Bool("csv", false, "print the report as CSV")
	var conn, list, response, module, pipeline *string
	switch sub {
	case "campaigns":
		conn = fs.String("connection", "", "only the campaigns of this sink connection")
		list = fs.String("list", "", "only the campaigns sent to this list")
	case "campaign":
		conn = fs.String("connection", "", "the sink connection, when several sent a campaign with this key")
		response = fs.String("response", "", "list the recipients who gave this response: delivered, unopened, opened, clicked, bounced, unsubscribed or complained")
		module = fs.String("module", "", "with -response, only the recipients from records of this source module")
	case "record":
		pipeline = fs.String("pipeline", "", "only what this pipeline wrote the record as")
		module = fs.String("module", "", "only records of this source module")
	}
	pos, err := parse(fs, args[1:])
	if err != nil {
		return exitForParse(err)
	}
	if *jsonOut && *csvOut {
		fmt.Fprintln(e.stderr, "Error: choose one of -json and -csv.")
		return ExitError
	}
	want := 0
	if argName != "" {
		want = 1
	}
	if len(pos) != want {
		fmt.Fprintln(e.stderr, reportUsage)
		return ExitError
	}
	format := report.Text
	switch {
	case *jsonOut:
		format = report.JSON
	case *csvOut:
		format = report.CSV
	}
	ctx := context.Background()
	c := common{stateURL: *stateURL}
	st, err := state.Open(ctx, c.resolveState(nil))
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: cannot open the state: %v\n", err)
		return ExitError
	}
	defer st.Close()
	rs, err := report.AsStore(st)
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: %v\n", err)
		return ExitError
	}
	switch sub {
	case "campaigns":
		var cs []report.Campaign
		if cs, err = report.Campaigns(ctx, rs, report.Filter{Connection: *conn, List: *list}); err == nil {
			err = report.WriteCampaigns(e.stdout, cs, format)
		}
	case "campaign":
		q := report.CampaignQuery{Connection: *conn, Module: *module}
		if *response != "" {
			t, ok := sdk.ParseEventType(*response)
			if !ok {
				fmt.Fprintf(e.stderr, "Error: %q is not a response.%s Use delivered, unopened, opened, clicked, bounced, unsubscribed or complained.\n",
					*response, dsl.DidYouMean(*response, responseNames()))
				return ExitError
			}
			q.Response = t
		} else if *module != "" {
			fmt.Fprintln(e.stderr, "Error: -module selects among the recipients of a response; add -response.")
			return ExitError
		}
		var rep *report.CampaignReport
		if rep, err = report.CampaignDetail(ctx, rs, pos[0], q); err == nil {
			err = report.WriteCampaign(e.stdout, rep, format)
		}
	case "record":
		var rep *report.RecordReport
		if rep, err = report.Record(ctx, rs, pos[0], report.RecordQuery{Pipeline: *pipeline, Module: *module}); err == nil {
			err = report.WriteRecord(e.stdout, rep, format)
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: %v\n", err)
		return ExitError
	}
	return ExitOK
}

func responseNames() []string {
	out := make([]string, len(report.Responses))
	for i, r := range report.Responses {
		out[i] = r.String()
	}
	return out
}
