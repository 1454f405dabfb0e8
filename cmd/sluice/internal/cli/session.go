package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/engine/state"
)

// common holds the options most commands share.
type common struct {
	vars     stringsFlag
	stateURL string
	pipeline string
	noColor  bool
}

func (c *common) register(fs *flag.FlagSet, withPipeline bool) {
	fs.Var(&c.vars, "var", "set a variable: -var name=value (repeatable)")
	fs.StringVar(&c.stateURL, "state", "", "the state store: sqlite:PATH (default: SLUICE_STATE, then settings.state, then sqlite:"+state.DefaultPath+")")
	fs.BoolVar(&c.noColor, "no-color", false, "never colour the output")
	if withPipeline {
		fs.StringVar(&c.pipeline, "pipeline", "", "the pipeline to use (default: every pipeline of the files)")
	}
}

// stateURL picks the state store: -state, then SLUICE_STATE, then the
// settings block, then the default.
func (c *common) resolveState(cfg *dsl.Config) string {
	if c.stateURL != "" {
		return c.stateURL
	}
	if v := os.Getenv("SLUICE_STATE"); v != "" {
		return v
	}
	if cfg != nil && cfg.Settings != nil && cfg.Settings.State != "" {
		return cfg.Settings.State
	}
	return "sqlite:" + state.DefaultPath
}

// session is a loaded, resolved configuration with its state store open.
type session struct {
	cfg      *dsl.Config
	conns    *engine.Conns
	store    state.Store
	resolved map[string]*engine.Resolved
	names    []string
	now      time.Time
}

func (s *session) close() {
	if s.conns != nil {
		s.conns.Close()
	}
	if s.store != nil {
		s.store.Close()
	}
}

// open loads paths, resolves the chosen pipelines and opens the state. On
// failure it prints the diagnostics and returns nil.
func (e *env) open(ctx context.Context, c *common, paths []string, color bool) *session {
	now := time.Now().UTC().Truncate(time.Microsecond)
	cfg, diags := dsl.Load(paths, dsl.LoadOptions{Registry: e.registry, Vars: c.vars, Plugins: e.startPlugins()})
	var names []string
	if c.pipeline != "" {
		names = []string{c.pipeline}
	}
	s := &session{cfg: cfg, now: now}
	if !diags.HasErrors() {
		s.conns = engine.NewConns(cfg)
		var rd hcl.Diagnostics
		s.resolved, rd = engine.Resolve(ctx, cfg, s.conns, names, now)
		diags = append(diags, rd...)
	}
	sortDiags(diags)
	writeDiags(e.stderr, cfg.Files, diags, color)
	if diags.HasErrors() {
		s.close()
		return nil
	}
	if len(names) == 0 {
		names = cfg.PipelineNames()
	}
	if len(names) == 0 {
		fmt.Fprintln(e.stderr, "Error: no pipeline is declared in", strings.Join(paths, ", "))
		s.close()
		return nil
	}
	s.names = names
	url := c.resolveState(cfg)
	if p, ok := strings.CutPrefix(url, "sqlite:"); ok && !strings.HasPrefix(p, "//") && p != "" {
		os.MkdirAll(filepath.Dir(p), 0o755)
	}
	store, err := state.Open(ctx, url)
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: cannot open the state: %v\n", err)
		s.close()
		return nil
	}
	s.store = store
	return s
}

func (s *session) sync(name string) *engine.Sync {
	return &engine.Sync{Config: s.cfg, Store: s.store, Conns: s.conns, Resolved: s.resolved[name], Now: s.now}
}
