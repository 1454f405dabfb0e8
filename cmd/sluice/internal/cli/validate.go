package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine"
)

func runValidate(e *env, args []string) int {
	fs := e.flagSet("validate", "[DIR|FILE...]")
	jsonOut := fs.Bool("json", false, "print the diagnostics as one JSON document")
	var vars stringsFlag
	fs.Var(&vars, "var", "set a variable: -var name=value (repeatable)")
	noColor := fs.Bool("no-color", false, "never colour the output")
	pos, err := parse(fs, args)
	if err != nil {
		return exitForParse(err)
	}
	cfg, diags := load(e, defaultPaths(pos), vars)
	if !diags.HasErrors() || cfg != nil {
		conns := engine.NewConns(cfg)
		_, rd := engine.Resolve(context.Background(), cfg, conns, nil, time.Now().UTC())
		conns.Close()
		diags = append(diags, rd...)
	}
	sortDiags(diags)
	if *jsonOut {
		writeJSONDiags(e.stdout, cfg.Files, diags)
	} else {
		writeDiags(e.stderr, cfg.Files, diags, e.color && !*noColor)
		if !diags.HasErrors() {
			fmt.Fprintf(e.stdout, "Valid: %d pipeline(s), %d connection(s).\n", len(cfg.Pipelines), len(cfg.Connections))
		}
	}
	if diags.HasErrors() {
		return ExitError
	}
	return ExitOK
}

// load loads the configuration with the registry and -var values.
func load(e *env, paths []string, vars []string) (*dsl.Config, hcl.Diagnostics) {
	return dsl.Load(paths, dsl.LoadOptions{Registry: e.registry, Vars: vars, Plugins: e.startPlugins()})
}
