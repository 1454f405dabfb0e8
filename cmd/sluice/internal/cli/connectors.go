package cli

import (
	"fmt"
	"strings"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
)

func runConnectors(e *env, args []string) int {
	if len(args) == 0 {
		args = []string{"list"}
	}
	switch args[0] {
	case "list":
		for _, name := range e.registry.Names() {
			c, _ := e.registry.Lookup(name)
			info := c.Info()
			fmt.Fprintf(e.stdout, "%-16s %-28s %s\n", name, sdk.KindList(info.Kinds), firstSentence(info.Doc))
		}
		return ExitOK
	case "doc":
		if len(args) != 2 {
			fmt.Fprintln(e.stderr, "Usage: sluice connectors doc NAME")
			return ExitError
		}
		c, ok := e.registry.Lookup(args[1])
		if !ok {
			fmt.Fprintf(e.stderr, "sluice: no connector is named %q.%s\n", args[1], dsl.DidYouMean(args[1], e.registry.Names()))
			return ExitError
		}
		fmt.Fprint(e.stdout, ConnectorDoc(c.Info()))
		return ExitOK
	case "serve":
		return runServe(e, args[1:])
	}
	fmt.Fprintf(e.stderr, "sluice connectors: unknown subcommand %q; use list, doc or serve.\n", args[0])
	return ExitError
}

// ConnectorDoc renders a connector's reference in Markdown.
func ConnectorDoc(info sdk.Info) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n\nKinds: %s.\n\n", info.Name, info.Doc, sdk.KindList(info.Kinds))
	if len(info.Settings) > 0 {
		b.WriteString("| setting | type | required | default | description |\n|---|---|---|---|---|\n")
		for _, s := range info.Settings {
			req := "no"
			if s.Required {
				req = "yes"
			}
			def := ""
			if s.Default != nil {
				def = fmt.Sprintf("`%v`", s.Default)
			}
			doc := s.Doc
			if len(s.Enum) > 0 {
				doc += " One of: " + strings.Join(s.Enum, ", ") + "."
			}
			if s.Sensitive {
				doc += " Sensitive: never printed, logged or stored."
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", s.Name, s.Type, req, def, doc)
		}
	}
	if si := info.Sink; si != nil {
		fmt.Fprintf(&b, "\nSink: members keyed by %s", si.KeyKind)
		if si.OpenFields {
			b.WriteString("; any field name is accepted")
		}
		fmt.Fprintf(&b, "; remove: %v; delete: %v.\n", yesNo(si.CanRemove), yesNo(si.CanDelete))
	}
	return b.String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}
