package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/dsl/rowexpr"
)

// Resolved is a pipeline bound to its connectors and compiled.
type Resolved struct {
	Pipeline *dsl.Pipeline
	Stream   sdk.Stream
	Sink     *sdk.SinkInfo
	Program  *rowexpr.Pipeline
}

// Conns opens connections on first use and closes them all at the end.
type Conns struct {
	cfg  *dsl.Config
	open map[string]sdk.Conn
	errs map[string]error
}

// NewConns returns an empty set of connections of cfg.
func NewConns(cfg *dsl.Config) *Conns {
	return &Conns{cfg: cfg, open: map[string]sdk.Conn{}, errs: map[string]error{}}
}

// Get opens the named connection, or returns it when already open.
func (c *Conns) Get(ctx context.Context, name string) (sdk.Conn, error) {
	if conn, ok := c.open[name]; ok {
		return conn, nil
	}
	if err, ok := c.errs[name]; ok {
		return nil, err
	}
	decl, ok := c.cfg.Connections[name]
	if !ok || decl.Impl == nil {
		return nil, fmt.Errorf("connection %q is not usable", name)
	}
	conn, err := decl.Impl.Open(ctx, sdk.OpenRequest{Settings: decl.Settings})
	if err != nil {
		err = fmt.Errorf("connection %q (%s): %w", name, decl.Connector, err)
		c.errs[name] = err
		return nil, err
	}
	c.open[name] = conn
	return conn, nil
}

// Close closes every open connection.
func (c *Conns) Close() error {
	var first error
	for name, conn := range c.open {
		if err := conn.Close(); err != nil && first == nil {
			first = fmt.Errorf("closing connection %q: %w", name, err)
		}
		delete(c.open, name)
	}
	return first
}

// Resolve binds and compiles the named pipelines (all when names is
// empty). Pipelines whose connections failed to load are skipped: their
// problems were reported by dsl.Load.
func Resolve(ctx context.Context, cfg *dsl.Config, conns *Conns, names []string, now time.Time) (map[string]*Resolved, hcl.Diagnostics) {
	if len(names) == 0 {
		names = cfg.PipelineNames()
	}
	out := map[string]*Resolved{}
	var diags hcl.Diagnostics
	for _, name := range names {
		p := cfg.Pipelines[name]
		if p == nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown pipeline",
				Detail: fmt.Sprintf("No pipeline is named %q.%s", name, dsl.DidYouMean(name, cfg.PipelineNames()))})
			continue
		}
		r, ds := resolveOne(ctx, cfg, conns, p, now)
		diags = append(diags, ds...)
		if r != nil {
			out[name] = r
		}
	}
	return out, diags
}

func diag(rng hcl.Range, summary, detail string, args ...any) *hcl.Diagnostic {
	r := rng
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: &r}
}

func resolveOne(ctx context.Context, cfg *dsl.Config, conns *Conns, p *dsl.Pipeline, now time.Time) (*Resolved, hcl.Diagnostics) {
	if p.Source == nil || p.Sink == nil {
		return nil, nil
	}
	srcDecl, snkDecl := cfg.Connections[p.Source.Connection], cfg.Connections[p.Sink.Connection]
	if srcDecl == nil || srcDecl.Impl == nil || snkDecl == nil || snkDecl.Impl == nil ||
		!srcDecl.Info.Offers(sdk.KindSource) || !snkDecl.Info.Offers(sdk.KindSink) {
		return nil, nil
	}
	var diags hcl.Diagnostics
	r := &Resolved{Pipeline: p}

	conn, err := conns.Get(ctx, p.Source.Connection)
	if err != nil {
		return nil, append(diags, diag(p.Source.ConnectionRange, "Cannot open the source", "%s. Check the connection's settings.", err))
	}
	src, ok := conn.(sdk.Source)
	if !ok {
		return nil, append(diags, diag(p.Source.ConnectionRange, "Connector cannot be a source", "The connector %q does not read records.", srcDecl.Connector))
	}
	disc, err := src.Discover(ctx, sdk.DiscoverRequest{Stream: p.Source.Module})
	if err != nil {
		return nil, append(diags, diag(p.Source.DeclRange, "Cannot read the source schema", "%s. The criteria and transforms are checked against it.", err))
	}
	stream, d := pickStream(p, disc.Streams)
	if d != nil {
		return nil, append(diags, d)
	}
	r.Stream = stream
	if p.Source.View != "" && len(stream.Views) > 0 && !containsStr(stream.Views, p.Source.View) {
		diags = append(diags, diag(p.Source.DeclRange, "Unknown view", "The stream %q has no view named %q.%s", stream.Name, p.Source.View, dsl.DidYouMean(p.Source.View, stream.Views)))
	}
	if !p.Source.Since.IsZero() && stream.CursorField == "" {
		diags = append(diags, diag(p.Source.DeclRange, "Source has no cursor", "since reads records modified after a time, but the stream %q has no cursor (modified-time) field. Configure one, or remove since.", stream.Name))
	}

	sconn, err := conns.Get(ctx, p.Sink.Connection)
	if err != nil {
		return nil, append(diags, diag(p.Sink.ConnectionRange, "Cannot open the sink", "%s. Check the connection's settings.", err))
	}
	sink, ok := sconn.(sdk.Sink)
	if !ok {
		return nil, append(diags, diag(p.Sink.ConnectionRange, "Connector cannot be a sink", "The connector %q does not write members.", snkDecl.Connector))
	}
	info, err := sink.Describe(ctx, sdk.DescribeRequest{List: p.Sink.List})
	if err != nil {
		return nil, append(diags, diag(p.Sink.DeclRange, "Cannot describe the sink", "%s.", err))
	}
	r.Sink = info

	prog, cd := rowexpr.Compile(p, rowexpr.SchemaFields(stream.Schema), rowexpr.Options{Sink: info, Now: now})
	diags = append(diags, cd...)
	r.Program = prog
	if p.Feedback != nil && !p.Feedback.Incomplete && !cd.HasErrors() {
		// The feedback block's modules and push_recipients expressions are
		// checked now too, not only when feedback first runs.
		_, fd := ResolveFeedback(r, now)
		diags = append(diags, fd...)
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return r, diags
}

func pickStream(p *dsl.Pipeline, streams []sdk.Stream) (sdk.Stream, *hcl.Diagnostic) {
	var names []string
	for _, s := range streams {
		names = append(names, s.Name)
		if p.Source.Module != "" && s.Name == p.Source.Module {
			return s, nil
		}
	}
	if p.Source.Module == "" {
		if len(streams) == 1 {
			return streams[0], nil
		}
		return sdk.Stream{}, diag(p.Source.DeclRange, "Missing module", "The source offers several streams (%s); name one with module = \"...\".", joinQuoted(names))
	}
	return sdk.Stream{}, diag(p.Source.ModuleRange, "Unknown module", "The source has no module named %q.%s It offers %s.", p.Source.Module, dsl.DidYouMean(p.Source.Module, names), joinQuoted(names))
}

func joinQuoted(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%q", n)
	}
	return s
}

func containsStr(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
