package cli

import (
	"fmt"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
)

// runServe serves a built-in connector as a plugin: `sluice connectors
// serve NAME` is what a plugin block's binary runs to have a built-in
// connector work out of process. It is started by sluice, not by hand.
func runServe(e *env, args []string) int {
	fs := e.flagSet("connectors serve", "NAME")
	as := fs.String("as", "", "serve the connector under this name (a plugin's connector cannot take a built-in's name)")
	pos, err := parse(fs, args)
	if err != nil {
		return exitForParse(err)
	}
	if len(pos) != 1 {
		fs.Usage()
		return ExitError
	}
	c, ok := e.registry.Lookup(pos[0])
	if !ok {
		fmt.Fprintf(e.stderr, "sluice: no connector is named %q.%s\n", pos[0], dsl.DidYouMean(pos[0], e.registry.Names()))
		return ExitError
	}
	if *as != "" {
		c = rename(c, *as)
	}
	if err := sdk.Serve(c); err != nil {
		fmt.Fprintf(e.stderr, "sluice connectors serve: %v\n", err)
		return ExitError
	}
	return ExitOK
}

// rename returns c under another name, keeping its settings checks.
func rename(c sdk.Connector, name string) sdk.Connector {
	r := renamed{Connector: c, name: name}
	if v, ok := c.(sdk.SettingsValidator); ok {
		return renamedValidator{r, v}
	}
	return r
}

type renamed struct {
	sdk.Connector
	name string
}

func (r renamed) Info() sdk.Info {
	info := r.Connector.Info()
	info.Name = r.name
	return info
}

type renamedValidator struct {
	renamed
	sdk.SettingsValidator
}
