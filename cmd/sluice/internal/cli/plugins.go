package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/plugins"
)

// startPlugins returns the dsl.LoadOptions.Plugins function of one load:
// it starts each plugin block's binary, verified against its sha256, and
// offers the plugin's connectors. A relative path is taken from the
// directory of the file declaring the plugin. A connector may not take
// the name of a built-in connector or of another plugin's: names mean one
// thing in a configuration.
//
// A plugin process serves every load that names the same binary with the
// same sha256 (`sluice run` loads the files again for each run), and runs
// until sluice exits: it ends with sluice however sluice ends.
func (e *env) startPlugins() func(p *dsl.Plugin) ([]sdk.Connector, hcl.Diagnostics) {
	taken := map[string]string{} // connector name → plugin name
	return func(p *dsl.Plugin) ([]sdk.Connector, hcl.Diagnostics) {
		rng := p.DeclRange
		if p.Path == "" || len(p.SHA256) != 64 {
			return nil, nil // the block's own problems are reported already
		}
		path := p.Path
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(rng.Filename), path)
		}
		pl, err := running.start(plugins.Config{Name: p.Name, Path: path, SHA256: p.SHA256})
		if err != nil {
			summary := "Cannot start plugin"
			if errors.Is(err, plugins.ErrChecksum) {
				summary = "Plugin checksum mismatch"
			}
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: err.Error() + ".", Subject: &rng}}
		}
		var out []sdk.Connector
		var diags hcl.Diagnostics
		for _, c := range pl.Connectors() {
			name := c.Info().Name
			if _, builtin := e.registry.Lookup(name); builtin {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Connector name taken", Subject: &rng,
					Detail: fmt.Sprintf("The plugin %q offers a connector named %q, the name of a built-in connector. A plugin's connectors need names of their own; a built-in connector is served out of process under another name with `sluice connectors serve -as NAME %s`.", p.Name, name, name)})
				continue
			}
			if other, dup := taken[name]; dup {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate connector", Subject: &rng,
					Detail: fmt.Sprintf("The plugins %q and %q both offer a connector named %q; remove one of the plugin blocks.", other, p.Name, name)})
				continue
			}
			taken[name] = p.Name
			out = append(out, c)
		}
		return out, diags
	}
}

// running holds the plugin processes started, by name, binary and sha256.
var running = &pluginSet{byKey: map[string]*plugins.Plugin{}}

type pluginSet struct {
	mu    sync.Mutex
	byKey map[string]*plugins.Plugin
}

// start returns the running plugin of cfg, starting it when there is none
// (or it ended).
func (s *pluginSet) start(cfg plugins.Config) (*plugins.Plugin, error) {
	abs, _ := filepath.Abs(cfg.Path)
	key := cfg.Name + "\x00" + abs + "\x00" + cfg.SHA256
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.byKey[key]; p != nil && !p.Exited() {
		return p, nil
	}
	p, err := plugins.Start(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	s.byKey[key] = p
	return p, nil
}
