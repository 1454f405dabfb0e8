package dsl

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Plugin is a `plugin` block: an external connector binary, verified by
// its sha256 before every start.
type Plugin struct {
	Name      string
	Path      string
	SHA256    string // lower-case hex
	DeclRange hcl.Range
}

var pluginSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "path", Required: true},
		{Name: "sha256", Required: true},
	},
}

func (d *decoder) decodePlugin(b *hcl.Block) {
	name := b.Labels[0]
	if prev, dup := d.cfg.Plugins[name]; dup {
		d.duplicate("plugin", name, prev.DeclRange, b.DefRange)
		return
	}
	content, diags := d.content(b.Body, pluginSchema)
	d.add(diags...)
	p := &Plugin{Name: name, DeclRange: b.DefRange}
	if a := content.Attributes["path"]; a != nil {
		p.Path, _ = d.str(a)
	}
	if a := content.Attributes["sha256"]; a != nil {
		if s, ok := d.str(a); ok {
			s = strings.ToLower(strings.TrimSpace(s))
			if len(s) != 64 || strings.Trim(s, "0123456789abcdef") != "" {
				d.errorf(a.Expr.Range(), "Invalid sha256", "The sha256 of a plugin is 64 hexadecimal digits, as printed by `sha256sum PATH`.")
			}
			p.SHA256 = s
		}
	}
	d.cfg.Plugins[name] = p
}
