package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/sluice-sync/sluice/dsl"
)

// ConfigHash identifies what a plan of p depends on in the configuration:
// the pipeline's decoded declaration and its connections' connectors and
// non-sensitive settings. Source positions do not count (moving a block
// changes nothing); sensitive values are left out, so the hash reveals
// nothing of them.
func ConfigHash(cfg *dsl.Config, p *dsl.Pipeline) string {
	type fieldExpr struct{ Name, Expr string }
	exprs := func(fs []*dsl.FieldExpr) []fieldExpr {
		out := make([]fieldExpr, len(fs))
		for i, f := range fs {
			out[i] = fieldExpr{f.Name, f.Expr.Text}
		}
		return out
	}
	doc := map[string]any{"name": p.Name, "mode": p.Mode.String(),
		"on_source_delete": p.OnSourceDelete.String(), "on_unsubscribe": p.OnUnsubscribe.String()}
	if s := p.Source; s != nil {
		doc["source"] = []any{s.Connection, s.Module, s.View, s.Since.UTC().String(), s.LookBack.String()}
	}
	if p.Criteria != nil {
		doc["criteria"] = p.Criteria.Text
	}
	var ts []any
	for _, t := range p.Transforms {
		ts = append(ts, []any{t.Name, t.HasFields, exprs(t.Fields), exprs(t.Set), t.Drop})
	}
	doc["transforms"] = ts
	if s := p.Sink; s != nil {
		doc["sink"] = []any{s.Connection, s.List, s.Create, s.Key}
	}
	if q := p.Quota; q != nil {
		doc["quota"] = q.MaxRecords
	}
	if g := p.Guard; g != nil {
		doc["guard"] = []any{g.MaxRemovals, g.Percent}
	}
	conns := map[string]any{}
	for _, name := range []string{sourceConn(p), sinkConn(p)} {
		c := cfg.Connections[name]
		if c == nil {
			continue
		}
		settings := map[string]string{}
		for _, k := range c.Settings.Names() {
			if s, ok := c.Info.Setting(k); ok && s.Sensitive {
				continue
			}
			settings[k] = fmt.Sprint(c.Settings[k])
		}
		conns[name] = []any{c.Connector, settings}
	}
	doc["connections"] = conns
	b, _ := json.Marshal(doc) // maps marshal with sorted keys
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func sourceConn(p *dsl.Pipeline) string {
	if p.Source == nil {
		return ""
	}
	return p.Source.Connection
}

func sinkConn(p *dsl.Pipeline) string {
	if p.Sink == nil {
		return ""
	}
	return p.Sink.Connection
}
