package dsl

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// LoadOptions carries what Load needs beyond the files.
type LoadOptions struct {
	// Registry resolves connector types. Required.
	Registry *sdk.Registry
	// Vars are -var name=value assignments, in order.
	Vars []string
	// Getenv reads the environment for env() and SLUICE_VAR_name; nil
	// means os.LookupEnv.
	Getenv func(string) (string, bool)
	// Plugins, when set, starts a `plugin` block's binary and returns the
	// connectors it offers, which join the registry for this load.
	Plugins func(p *Plugin) ([]sdk.Connector, hcl.Diagnostics)
}

// Load reads the .hcl files of each path (a directory's files load
// together) and decodes them. It returns the config decoded so far even
// when there are errors, and every problem found. A file that cannot be
// read, is refused by the bounds checks or has syntax errors stops it
// before decoding: then only those problems are reported, for every file.
func Load(paths []string, opts LoadOptions) (*Config, hcl.Diagnostics) {
	if opts.Getenv == nil {
		opts.Getenv = os.LookupEnv
	}
	cfg := &Config{
		Files:       map[string]*hcl.File{},
		Variables:   map[string]*Variable{},
		Plugins:     map[string]*Plugin{},
		Connections: map[string]*Connection{},
		Pipelines:   map[string]*Pipeline{},
	}
	names, diags := ListFiles(paths)
	var bodies []fileBody
	for _, name := range names {
		src, err := readFile(name)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read file",
				Detail: fmt.Sprintf("%s. Give the path of a readable pipeline file.", err)})
			continue
		}
		f, fd := ParseFile(name, src)
		diags = append(diags, fd...)
		if f == nil {
			continue
		}
		cfg.Files[name] = f
		bodies = append(bodies, fileBody{name: name, body: f.Body})
	}
	if diags.HasErrors() {
		// A file that does not parse declares an unknown set of names:
		// checking the rest against it would only report echoes of the
		// syntax error, so nothing is decoded until the syntax is right.
		cfg.Settings = defaultSettings()
		return cfg, diags
	}
	d := &decoder{cfg: cfg, opts: opts, registry: opts.Registry}
	d.decode(bodies)
	return cfg, append(diags, d.diags...)
}

// readFile reads a file, or its first MaxFileSize+1 bytes: enough for
// checkBounds to refuse it without reading all of a huge one.
func readFile(name string) ([]byte, error) {
	return readAtMost(name, MaxFileSize)
}

// readAtMost reads the first max+1 bytes of a file at most, so a caller
// can tell a file longer than max without reading all of it. It refuses
// what is not a regular file: reading a device or a pipe may never end.
func readAtMost(name string, max int64) ([]byte, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max+1))
}

// ListFiles expands directories to their .hcl files, sorted by name.
func ListFiles(paths []string) ([]string, hcl.Diagnostics) {
	var out []string
	var diags hcl.Diagnostics
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "No such file or directory",
				Detail:   fmt.Sprintf("Cannot read %s: give a directory of .hcl files or one .hcl file.", p),
			})
			continue
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read directory", Detail: err.Error()})
			continue
		}
		n := 0
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".hcl") || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			n++
			if n > MaxFiles {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Too many files",
					Detail: fmt.Sprintf("%s holds more than %d .hcl files; split them into several directories.", p, MaxFiles)})
				break
			}
			out = append(out, filepath.Join(p, e.Name()))
		}
		if n == 0 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "No pipeline files",
				Detail:   fmt.Sprintf("The directory %s holds no .hcl files.", p),
			})
		}
	}
	sort.Strings(out)
	return out, diags
}

// ParseFile checks a file's bounds and parses it as native HCL syntax.
func ParseFile(name string, src []byte) (*hcl.File, hcl.Diagnostics) {
	if diags := checkBounds(name, src); diags.HasErrors() {
		return nil, diags
	}
	f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	for _, d := range diags {
		if d.Summary == "Invalid block definition" {
			// Most often an argument written without its equals sign.
			d.Detail += " An argument is written with an equals sign: name = value."
		}
	}
	return f, dropEchoes(diags)
}

// dropEchoes removes syntax errors that repeat an earlier one: the lexer
// and the parser often both report one mistake at one place (an invalid
// character, then an invalid expression), and an unterminated string is
// reported again on each line it swallows. Keeping the first of each
// leaves one diagnostic per mistake.
func dropEchoes(diags hcl.Diagnostics) hcl.Diagnostics {
	type ending struct {
		summary string
		line    int
	}
	var out hcl.Diagnostics
	starts := map[int]bool{}
	ends := map[ending]bool{}
	for _, d := range diags {
		if d.Subject != nil {
			if starts[d.Subject.Start.Line] || ends[ending{d.Summary, d.Subject.Start.Line}] {
				continue
			}
			starts[d.Subject.Start.Line] = true
			ends[ending{d.Summary, d.Subject.End.Line}] = true
		}
		out = append(out, d)
	}
	return out
}

type fileBody struct {
	name string
	body hcl.Body
}

var topSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "plugin", LabelNames: []string{"name"}},
		{Type: "connection", LabelNames: []string{"name"}},
		{Type: "pipeline", LabelNames: []string{"name"}},
		{Type: "settings"},
	},
}

// decoder accumulates diagnostics while decoding one configuration.
type decoder struct {
	cfg      *Config
	opts     LoadOptions
	registry *sdk.Registry
	extra    map[string]sdk.Connector // plugin connectors
	ctx      *hcl.EvalContext
	diags    hcl.Diagnostics
	errors   int // errors among diags
	// unknown counts the values left unknown by an error reported earlier
	// (a variable without a value), which are skipped without another.
	unknown int
}

func (d *decoder) add(ds ...*hcl.Diagnostic) {
	for _, dg := range ds {
		if dg.Severity == hcl.DiagError {
			d.errors++
		}
	}
	d.diags = append(d.diags, ds...)
}

// problems returns the number of errors reported and unknown values met
// so far, so a caller can tell whether a part decoded in full.
func (d *decoder) problems() int { return d.errors + d.unknown }

func (d *decoder) errorf(rng hcl.Range, summary, detail string, args ...any) {
	r := rng
	d.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: &r})
}

func (d *decoder) decode(files []fileBody) {
	type blk struct {
		file  string
		block *hcl.Block
	}
	var blocks []blk
	for _, f := range files {
		content, diags := d.content(f.body, topSchema)
		d.add(diags...)
		for _, b := range content.Blocks {
			blocks = append(blocks, blk{f.name, b})
		}
	}
	// Variables first: everything else may refer to them.
	for _, b := range blocks {
		if b.block.Type == "variable" {
			d.decodeVariable(b.block)
		}
	}
	d.checkUnknownVars()
	d.ctx = d.evalContext()
	for _, b := range blocks {
		if b.block.Type == "plugin" {
			d.decodePlugin(b.block)
		}
	}
	d.startPlugins()
	for _, b := range blocks {
		switch b.block.Type {
		case "connection":
			d.decodeConnection(b.block)
		case "settings":
			d.decodeSettings(b.block)
		}
	}
	for _, b := range blocks {
		if b.block.Type == "pipeline" {
			d.decodePipeline(b.file, b.block)
		}
	}
	if d.cfg.Settings == nil {
		d.cfg.Settings = defaultSettings()
	}
}

// content decodes a body against its schema, completing HCL's details so
// that each says how to fix the problem: the names expected where an
// unknown one was found (when HCL has no suggestion), the form of a
// missing argument or label.
func (d *decoder) content(body hcl.Body, schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Diagnostics) {
	content, diags := body.Content(schema)
	var attrs, blocks []string
	for _, a := range schema.Attributes {
		attrs = append(attrs, a.Name)
	}
	for _, b := range schema.Blocks {
		blocks = append(blocks, b.Type)
	}
	for _, dg := range diags {
		switch dg.Summary {
		case "Unsupported argument":
			if !strings.Contains(dg.Detail, "Did you mean") {
				dg.Detail += expected("arguments", attrs)
			}
		case "Unsupported block type":
			if !strings.Contains(dg.Detail, "Did you mean") {
				dg.Detail += expected("blocks", blocks)
			}
		case "Missing required argument":
			if m := requiredArg.FindStringSubmatch(dg.Detail); m != nil {
				dg.Detail = fmt.Sprintf("This block needs the argument %q: add %s = ... to it.", m[1], m[1])
			}
		}

		if kind, ok := strings.CutPrefix(dg.Summary, "Missing name for "); ok {
			dg.Detail = fmt.Sprintf("A %s block is named by a quoted label: %s \"NAME\" { ... }. Names are unique per kind.", kind, kind)
		}
		if kind, ok := strings.CutPrefix(dg.Summary, "Extraneous label for "); ok {
			if strings.HasPrefix(dg.Detail, "Only") {
				dg.Detail = fmt.Sprintf("A %s block has one name: %s \"NAME\" { ... }. Remove the other labels.", kind, kind)
			} else {
				dg.Detail = fmt.Sprintf("A %s block has no name: %s { ... }. Remove the label.", kind, kind)
			}
		}
	}
	return content, diags
}

var requiredArg = regexp.MustCompile(`^The argument "([^"]+)" is required`)

// expected lists the names accepted in a body, for a detail.
func expected(what string, names []string) string {
	if len(names) == 0 {
		return fmt.Sprintf(" No %s are expected here; remove it.", what)
	}
	return fmt.Sprintf(" Use %s, or remove it.", quoteList(names))
}

// duplicate reports a second declaration of a name.
func (d *decoder) duplicate(kind, name string, prev, this hcl.Range) {
	d.errorf(this, "Duplicate "+kind, "A %s named %q was already declared at %s. Names are unique per kind across the files of a directory; rename one of them.", kind, name, prev)
}

// connector looks a connector type up in the registry and the plugins.
func (d *decoder) connector(name string) (sdk.Connector, bool) {
	if c, ok := d.extra[name]; ok {
		return c, true
	}
	if d.registry == nil {
		return nil, false
	}
	return d.registry.Lookup(name)
}

func (d *decoder) connectorNames() []string {
	var names []string
	if d.registry != nil {
		names = d.registry.Names()
	}
	for n := range d.extra {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (d *decoder) startPlugins() {
	if d.opts.Plugins == nil {
		return
	}
	d.extra = map[string]sdk.Connector{}
	for _, name := range sortedKeys(d.cfg.Plugins) {
		p := d.cfg.Plugins[name]
		cs, diags := d.opts.Plugins(p)
		d.add(diags...)
		for _, c := range cs {
			d.extra[c.Info().Name] = c
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
