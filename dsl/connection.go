package dsl

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// Connection is a `connection` block: a connector type and its settings.
type Connection struct {
	Name      string
	Connector string
	// Settings are checked against the connector's spec, with defaults
	// filled in. Sensitive values are present here (the connector needs
	// them) and must be redacted with Info.Redacted before being shown.
	Settings sdk.Settings
	// Info is the connector's description from the registry.
	Info sdk.Info
	// Impl is the connector itself, nil when the type is unknown.
	Impl sdk.Connector

	DeclRange      hcl.Range
	ConnectorRange hcl.Range
	// SettingRanges locates each setting's value.
	SettingRanges map[string]hcl.Range
}

var connectionSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "connector", Required: true},
		{Name: "settings"},
	},
}

func (d *decoder) decodeConnection(b *hcl.Block) {
	name := b.Labels[0]
	if prev, dup := d.cfg.Connections[name]; dup {
		d.duplicate("connection", name, prev.DeclRange, b.DefRange)
		return
	}
	content, diags := d.content(b.Body, connectionSchema)
	d.add(diags...)
	c := &Connection{Name: name, DeclRange: b.DefRange, SettingRanges: map[string]hcl.Range{}, Settings: sdk.Settings{}}
	d.cfg.Connections[name] = c
	a := content.Attributes["connector"]
	if a == nil {
		return
	}
	c.ConnectorRange = a.Expr.Range()
	typ, ok := d.str(a)
	if !ok {
		return
	}
	c.Connector = typ
	conn, ok := d.connector(typ)
	if !ok {
		detail := fmt.Sprintf("No connector is named %q.%s", typ, DidYouMean(typ, d.connectorNames()))
		detail += " Built-in connectors are listed by `sluice connectors list`; a plugin's connectors need a plugin block naming its binary."
		d.errorf(a.Expr.Range(), "Unknown connector type", "%s", detail)
		return
	}
	c.Info = conn.Info()
	c.Impl = conn
	settings := content.Attributes["settings"]
	if settings == nil && diags.HasErrors() {
		// An unsupported argument was reported: most likely the settings,
		// misspelled. Their absence is not a second problem.
		return
	}
	d.decodeSettingsMap(c, settings, b.DefRange)
}

// decodeSettingsMap checks a connection's settings against its connector's
// spec. A sensitive value never appears in a diagnostic.
func (d *decoder) decodeSettingsMap(c *Connection, a *hcl.Attribute, blockRange hcl.Range) {
	info := c.Info
	var names []string
	for _, s := range info.Settings {
		names = append(names, s.Name)
	}
	given := map[string]bool{}
	if a != nil {
		items, ok := objectItems(a.Expr)
		if !ok {
			d.errorf(a.Expr.Range(), "Invalid settings", "The settings of a connection are an object: settings = { name = value, ... }.")
			return
		}
		for _, it := range items {
			key, ok := d.itemKey(it)
			if !ok {
				continue
			}
			keyRange := it.KeyExpr.Range()
			spec, known := info.Setting(key)
			if !known {
				d.errorf(keyRange, "Unsupported setting", "The connector %q has no setting named %q.%s Its settings are listed by `sluice connectors doc %s`.", info.Name, key, DidYouMean(key, names), info.Name)
				continue
			}
			if given[key] {
				d.errorf(keyRange, "Duplicate setting", "The setting %q is given twice; remove one of them.", key)
				continue
			}
			given[key] = true
			c.SettingRanges[key] = it.ValueExpr.Range()
			if v, ok := d.settingValue(spec, it.ValueExpr); ok {
				c.Settings[key] = v
			}
		}
	}
	for _, s := range info.Settings {
		if given[s.Name] {
			continue
		}
		if s.Required {
			rng := blockRange
			if a != nil {
				rng = a.Expr.Range()
			}
			d.errorf(rng, "Missing required setting", "The connector %q needs the setting %q; add %s = ... to the settings. %s", info.Name, s.Name, s.Name, s.Doc)
			continue
		}
		if s.Default != nil {
			c.Settings[s.Name] = s.Default
		}
	}
	if v, ok := d.connector(info.Name); ok {
		if sv, ok := v.(sdk.SettingsValidator); ok {
			for _, p := range sv.ValidateSettings(c.Settings) {
				rng := blockRange
				if r, ok := c.SettingRanges[p.Setting]; ok {
					rng = r
				}
				d.errorf(rng, p.Summary, "%s", p.Detail)
			}
		}
	}
}

// settingValue converts one setting to the Go value its spec asks for.
func (d *decoder) settingValue(spec sdk.Setting, expr hcl.Expression) (any, bool) {
	val, diags := d.eval(expr)
	if diags.HasErrors() {
		d.add(diags...)
		return nil, false
	}
	val, marks := val.UnmarkDeep()
	_, marked := marks[sensitiveMark]
	secret := spec.Sensitive || marked
	bad := func(want string) (any, bool) {
		what := typeName(val.Type())
		if val.IsNull() {
			what = "null"
		}
		d.errorf(expr.Range(), "Invalid setting value", "The setting %q must be %s, not %s.", spec.Name, want, what)
		return nil, false
	}
	if !val.IsWhollyKnown() {
		d.unknown++
		return nil, false // from a variable whose error was reported
	}
	if val.IsNull() {
		return bad(spec.Type.String())
	}
	switch spec.Type {
	case sdk.TypeString:
		v, err := convert.Convert(val, cty.String)
		if err != nil {
			return bad("a string")
		}
		s := v.AsString()
		if len(spec.Enum) > 0 && !contains(spec.Enum, s) {
			shown := fmt.Sprintf("%q", s)
			if secret {
				shown = "The value"
			}
			d.errorf(expr.Range(), "Invalid setting value", "%s is not a valid %q: use %s.%s", shown, spec.Name, quoteList(spec.Enum), ifNot(secret, DidYouMean(s, spec.Enum)))
			return nil, false
		}
		return s, true
	case sdk.TypeBool:
		v, err := convert.Convert(val, cty.Bool)
		if err != nil {
			return bad("a bool")
		}
		return v.True(), true
	case sdk.TypeInt:
		v, err := convert.Convert(val, cty.Number)
		if err != nil || !v.AsBigFloat().IsInt() {
			return bad("a whole number")
		}
		n, _ := v.AsBigFloat().Int64()
		return n, true
	case sdk.TypeFloat:
		v, err := convert.Convert(val, cty.Number)
		if err != nil {
			return bad("a number")
		}
		f, _ := v.AsBigFloat().Float64()
		return f, true
	case sdk.TypeStringList:
		v, err := convert.Convert(val, cty.List(cty.String))
		if err != nil {
			return bad("a list of strings")
		}
		var out []string
		for _, e := range v.AsValueSlice() {
			if e.IsNull() {
				return bad("a list of strings")
			}
			out = append(out, e.AsString())
		}
		return out, true
	case sdk.TypeStringMap:
		v, err := convert.Convert(val, cty.Map(cty.String))
		if err != nil {
			return bad("a map of strings")
		}
		out := map[string]string{}
		for k, e := range v.AsValueMap() {
			if e.IsNull() {
				return bad("a map of strings")
			}
			out[k] = e.AsString()
		}
		return out, true
	}
	return bad(spec.Type.String())
}

func ifNot(cond bool, s string) string {
	if cond {
		return ""
	}
	return s
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// objectItems returns the items of an object constructor expression.
func objectItems(expr hcl.Expression) ([]hclsyntax.ObjectConsItem, bool) {
	oc, ok := expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return nil, false
	}
	return oc.Items, true
}

// itemKey evaluates an object item's key: a bare name or a string.
func (d *decoder) itemKey(it hclsyntax.ObjectConsItem) (string, bool) {
	if kw, ok := it.KeyExpr.(*hclsyntax.ObjectConsKeyExpr); ok {
		if name := hcl.ExprAsKeyword(kw.Wrapped); name != "" {
			return name, true
		}
	}
	v, ok := d.evalPublic(it.KeyExpr, "A key")
	if !ok {
		return "", false
	}
	if !v.IsKnown() {
		return "", false // from a variable whose error was reported
	}
	if v.IsNull() || !v.Type().Equals(cty.String) {
		d.errorf(it.KeyExpr.Range(), "Invalid key", "A key must be a name or a string.")
		return "", false
	}
	return v.AsString(), true
}
