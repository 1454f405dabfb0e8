package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/sluice-sync/sluice/connectors"
	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitChanges = 2
)

// env is what a command runs with.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	registry       *sdk.Registry
	color          bool   // stdout is a terminal and colour is wanted
	logFormat      string // -log-format before the command: text or json
}

type command struct {
	name    string
	summary string
	run     func(e *env, args []string) int
}

var commands []command

func init() {
	commands = []command{
		{"validate", "Check pipeline files: syntax, references, settings, criteria and transform types", runValidate},
		{"plan", "Show what a sync would change, without writing anything", runPlan},
		{"apply", "Plan and apply a sync, or apply a saved plan", runApply},
		{"fields", "List the fields a mapping can use: source, each transform, sink", runFields},
		{"feedback", "Write campaign responses back into the source: plan, then apply", runFeedback},
		{"report", "Report campaigns and responses from the state", runReport},
		{"suppress", "List, add or lift suppressed keys", runSuppress},
		{"fmt", "Rewrite pipeline files in the canonical format", runFmt},
		{"connectors", "List connectors, show one's reference, or serve one as a plugin", runConnectors},
		{"run", "Run the scheduler: each pipeline at its schedule, until stopped", runRun},
		{"pipelines", "List the registered pipelines; show, enable, disable or delete one", runPipelines},
		{"version", "Print the version", runVersion},
	}
}

// Version is the sluice version, set at build time.
var Version = "0.1.0-dev"

// Main runs the command line args and returns the exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, registry: connectors.Builtin()}
	e.color = isTerminal(stdout) && os.Getenv("NO_COLOR") == ""
	args, err := e.globalFlags(args)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return ExitError
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return ExitError
		}
		return ExitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(e, args[1:])
		}
	}
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	fmt.Fprintf(stderr, "sluice: unknown command %q.%s Run 'sluice help' for the list.\n", args[0], dsl.DidYouMean(args[0], names))
	return ExitError
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: sluice [-log-format text|json] COMMAND [options] [DIR|FILE...]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'sluice COMMAND -h' for a command's options.")
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// flagSet returns a flag set writing its errors and usage to e.stderr.
func (e *env) flagSet(name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: sluice %s [options] %s\n\nOptions:\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags that may come before, between or after positional
// arguments, and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// exitForParse maps a flag parse error to an exit code.
func exitForParse(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	return ExitError
}

// stringsFlag collects a repeatable flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

func runVersion(e *env, args []string) int {
	fmt.Fprintf(e.stdout, "sluice %s\n", Version)
	return ExitOK
}

// defaultPaths is the current directory when no path is given.
func defaultPaths(pos []string) []string {
	if len(pos) == 0 {
		return []string{"."}
	}
	return pos
}

func sortedNames(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
