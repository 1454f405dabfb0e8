package cli

import (
	"bytes"
	"fmt"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/sluice-sync/sluice/dsl"
)

func runFmt(e *env, args []string) int {
	fs := e.flagSet("fmt", "[DIR|FILE...]")
	check := fs.Bool("check", false, "change nothing; list the files not formatted and exit 1 if there are any")
	jsonOut := fs.Bool("json", false, "print syntax diagnostics as one JSON document")
	noColor := fs.Bool("no-color", false, "never colour the output")
	pos, err := parse(fs, args)
	if err != nil {
		return exitForParse(err)
	}
	names, diags := dsl.ListFiles(defaultPaths(pos))
	files := map[string]*hcl.File{}
	unformatted := 0
	for _, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read file", Detail: err.Error()})
			continue
		}
		f, pd := dsl.ParseFile(name, src)
		if f != nil {
			files[name] = f
		}
		if pd.HasErrors() {
			diags = append(diags, pd...)
			continue
		}
		out := hclwrite.Format(src)
		if bytes.Equal(out, src) {
			continue
		}
		unformatted++
		fmt.Fprintln(e.stdout, name)
		if *check {
			continue
		}
		st, _ := os.Stat(name)
		if err := os.WriteFile(name, out, st.Mode().Perm()); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot write file", Detail: err.Error()})
		}
	}
	sortDiags(diags)
	if *jsonOut {
		writeJSONDiags(e.stdout, files, diags)
	} else {
		writeDiags(e.stderr, files, diags, e.color && !*noColor)
	}
	if diags.HasErrors() || (*check && unformatted > 0) {
		return ExitError
	}
	return ExitOK
}
