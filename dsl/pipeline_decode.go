package dsl

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

var pipelineSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "criteria"}, {Name: "mode"}, {Name: "on_source_delete"}, {Name: "on_unsubscribe"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "source"}, {Type: "transform", LabelNames: []string{"name"}}, {Type: "sink"},
		{Type: "schedule"}, {Type: "quota"}, {Type: "guard"}, {Type: "feedback"},
	},
}

var actionNames = []string{"keep", "remove_from_list", "delete"}

func parseAction(s string) Action {
	switch s {
	case "remove_from_list":
		return ActionRemoveFromList
	case "delete":
		return ActionDelete
	}
	return ActionKeep
}

func (d *decoder) decodePipeline(file string, b *hcl.Block) {
	name := b.Labels[0]
	if prev, dup := d.cfg.Pipelines[name]; dup {
		d.duplicate("pipeline", name, prev.DeclRange, b.DefRange)
		return
	}
	if !hclsyntax.ValidIdentifier(name) {
		d.errorf(b.LabelRanges[0], "Invalid pipeline name", "A pipeline name must start with a letter and contain only letters, digits, underscores and dashes.")
	}
	p := &Pipeline{
		Name: name, DeclRange: b.DefRange, File: file,
		Mode: ModeUpsert, OnSourceDelete: ActionKeep, OnUnsubscribe: ActionKeep,
	}
	d.cfg.Pipelines[name] = p
	content, diags := d.content(b.Body, pipelineSchema)
	d.add(diags...)
	// An unknown block may be a misspelled transform: what reaches the
	// sink is then unknown, as it is after an error in the source, a
	// transform or the sink.
	p.Incomplete = diags.HasErrors()
	shaping := func(decode func()) {
		before := d.problems()
		decode()
		if d.problems() > before {
			p.Incomplete = true
		}
	}

	if a := content.Attributes["criteria"]; a != nil {
		p.Criteria, _ = d.rowExpr(a.Expr, "criteria")
	}
	if a := content.Attributes["mode"]; a != nil {
		if s, ok := d.enum(a, "upsert", "mirror"); ok && s == "mirror" {
			p.Mode = ModeMirror
		}
	}
	if a := content.Attributes["on_source_delete"]; a != nil {
		if s, ok := d.enum(a, actionNames...); ok {
			p.OnSourceDelete = parseAction(s)
		}
	}
	if a := content.Attributes["on_unsubscribe"]; a != nil {
		if s, ok := d.enum(a, actionNames...); ok {
			p.OnUnsubscribe = parseAction(s)
		}
	}

	single := map[string]*hcl.Block{}
	transforms := map[string]*Transform{}
	for _, blk := range content.Blocks {
		if blk.Type != "transform" {
			if prev, dup := single[blk.Type]; dup {
				d.errorf(blk.DefRange, "Duplicate "+blk.Type+" block", "A pipeline has at most one %s block; another is at %s. Remove one of them.", blk.Type, prev.DefRange)
				continue
			}
			single[blk.Type] = blk
		}
		switch blk.Type {
		case "source":
			shaping(func() { p.Source = d.decodeSource(blk) })
		case "transform":
			shaping(func() {
				t := d.decodeTransform(blk)
				if prev, dup := transforms[t.Name]; dup {
					d.duplicate("transform", t.Name, prev.DeclRange, blk.DefRange)
					return
				}
				transforms[t.Name] = t
				p.Transforms = append(p.Transforms, t)
			})
		case "sink":
			shaping(func() { p.Sink = d.decodeSink(blk) })
		case "schedule":
			p.Schedule = d.decodeSchedule(blk)
		case "quota":
			p.Quota = d.decodeQuota(blk)
		case "guard":
			p.Guard = d.decodeGuard(blk)
		case "feedback":
			before := d.problems()
			p.Feedback = d.decodeFeedback(blk)
			if p.Feedback != nil && d.problems() > before {
				p.Feedback.Incomplete = true
			}
		}
	}
	if p.Source == nil {
		d.errorf(b.DefRange, "Missing source block", "The pipeline %q needs a source block naming the connection to read from.", name)
	}
	if p.Sink == nil {
		d.errorf(b.DefRange, "Missing sink block", "The pipeline %q needs a sink block naming the connection and list to write to.", name)
	}
	d.checkPipelineKinds(p)
}

// checkPipelineKinds checks that the connections play the roles asked of them.
func (d *decoder) checkPipelineKinds(p *Pipeline) {
	role := func(conn string, rng hcl.Range, kind sdk.Kind, why string) (*Connection, bool) {
		c, ok := d.cfg.Connections[conn]
		if !ok {
			d.errorf(rng, "Reference to undeclared connection", "No connection named %q is declared.%s", conn, DidYouMean(conn, sortedKeys(d.cfg.Connections)))
			return nil, false
		}
		if c.Connector == "" || c.Info.Name == "" {
			return c, false // its own error was reported
		}
		if !c.Info.Offers(kind) {
			d.errorf(rng, "Connector cannot be a "+kind.String(), "The connection %q uses the connector %q, which offers %s but not %s: %s Name a connection of a connector that does.", conn, c.Connector, sdk.KindList(c.Info.Kinds), kind, why)
			return c, false
		}
		return c, true
	}
	var src, snk *Connection
	var srcOK, snkOK bool
	if p.Source != nil && p.Source.Connection != "" {
		src, srcOK = role(p.Source.Connection, p.Source.ConnectionRange, sdk.KindSource, "a source reads records.")
	}
	if p.Sink != nil && p.Sink.Connection != "" {
		snk, snkOK = role(p.Sink.Connection, p.Sink.ConnectionRange, sdk.KindSink, "a sink writes list members.")
	}
	if snkOK && snk.Info.Sink != nil {
		si := snk.Info.Sink
		for _, c := range []struct {
			action Action
			attr   string
		}{{p.OnSourceDelete, "on_source_delete"}, {p.OnUnsubscribe, "on_unsubscribe"}} {
			if c.action == ActionRemoveFromList && !si.CanRemove || c.action == ActionDelete && !si.CanDelete {
				d.errorf(p.DeclRange, "Action not supported by the sink", "%s = %q, but the connector %q cannot %s members. Use \"keep\" or another sink.", c.attr, c.action, snk.Connector, strings.ReplaceAll(c.action.String(), "_", " "))
			}
		}
		if p.Mode == ModeMirror && !si.CanRemove {
			d.errorf(p.DeclRange, "Action not supported by the sink", "mode = \"mirror\" removes members, but the connector %q cannot remove members. Use mode = \"upsert\".", snk.Connector)
		}
	}
	if f := p.Feedback; f != nil {
		if snk != nil && snk.Info.Name != "" && !snk.Info.Offers(sdk.KindEvents) {
			d.errorf(f.DeclRange, "Sink reports no events", "A feedback block reads campaign events from the sink, but the connector %q of connection %q reports none. Remove the feedback block or use a sink that reports campaign events.", snk.Connector, snk.Name)
		}
		if srcOK && !src.Info.Offers(sdk.KindFeedback) {
			d.errorf(f.DeclRange, "Source accepts no feedback", "A feedback block writes campaign responses into the source, but the connector %q of connection %q cannot take them. Remove the feedback block or use a source that accepts feedback.", src.Connector, src.Name)
		}
	}
}

var sourceSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "connection", Required: true}, {Name: "module"}, {Name: "view"}, {Name: "since"}, {Name: "look_back"},
	},
}

// DefaultLookBack is the overlap subtracted from the watermark.
const DefaultLookBack = 5 * time.Minute

func (d *decoder) decodeSource(b *hcl.Block) *Source {
	content, diags := d.content(b.Body, sourceSchema)
	d.add(diags...)
	s := &Source{DeclRange: b.DefRange, LookBack: DefaultLookBack}
	if a := content.Attributes["connection"]; a != nil {
		s.ConnectionRange = a.Expr.Range()
		s.Connection, _ = d.reference(a, "connection")
	}
	if a := content.Attributes["module"]; a != nil {
		s.ModuleRange = a.Expr.Range()
		s.Module, _ = d.str(a)
	}
	if a := content.Attributes["view"]; a != nil {
		s.ViewRange = a.Expr.Range()
		s.View, _ = d.str(a)
	}
	if a := content.Attributes["since"]; a != nil {
		s.SinceRange = a.Expr.Range()
		if v, ok := d.str(a); ok {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				d.errorf(a.Expr.Range(), "Invalid since", "since is a time in RFC 3339 form, such as \"2026-01-01T00:00:00Z\", not %q.", v)
			} else {
				s.Since = t
			}
		}
	}
	if a := content.Attributes["look_back"]; a != nil {
		if v, ok := d.str(a); ok {
			dur, err := time.ParseDuration(v)
			if err != nil || dur < 0 {
				d.errorf(a.Expr.Range(), "Invalid look_back", "look_back is a duration such as \"5m\" or \"1h\", not %q.", v)
			} else {
				s.LookBack = dur
			}
		}
	}
	return s
}

var transformSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "fields"}, {Name: "set"}, {Name: "drop"}},
}

func (d *decoder) decodeTransform(b *hcl.Block) *Transform {
	before := d.problems()
	content, diags := d.content(b.Body, transformSchema)
	d.add(diags...)
	t := &Transform{Name: b.Labels[0], DeclRange: b.DefRange}
	if a := content.Attributes["fields"]; a != nil {
		t.HasFields = true
		t.Fields = d.fieldExprs(a)
	}
	if a := content.Attributes["set"]; a != nil {
		t.Set = d.fieldExprs(a)
	}
	if a := content.Attributes["drop"]; a != nil {
		t.DropRange = a.Expr.Range()
		// An unknown value comes from a variable whose error was reported.
		if val, ok := d.evalPublic(a.Expr, "drop"); ok && val.IsWhollyKnown() {
			list, err := convert.Convert(val, cty.List(cty.String))
			if err != nil || list.IsNull() || !val.CanIterateElements() {
				d.errorf(a.Expr.Range(), "Incorrect attribute value type", "drop is a list of field names: drop = [\"a\", \"b\"].")
			} else {
				for _, e := range list.AsValueSlice() {
					if e.IsNull() {
						d.errorf(a.Expr.Range(), "Incorrect attribute value type", "drop is a list of field names; null is not a name.")
						break
					}
					t.Drop = append(t.Drop, e.AsString())
				}
			}
		}
	}
	// A transform is empty when nothing in it failed to decode.
	if !t.HasFields && len(t.Set) == 0 && len(t.Drop) == 0 && d.problems() == before {
		d.errorf(b.DefRange, "Empty transform", "The transform %q has no fields, set or drop; give at least one, or remove it.", t.Name)
	}
	return t
}

// fieldExprs reads an object of field name = row expression.
func (d *decoder) fieldExprs(a *hcl.Attribute) []*FieldExpr {
	items, ok := objectItems(a.Expr)
	if !ok {
		d.errorf(a.Expr.Range(), "Invalid "+a.Name, "%s is an object of field names to expressions: %s = { \"Contact Email\" = \"lower(Email)\" }.", a.Name, a.Name)
		return nil
	}
	var out []*FieldExpr
	seen := map[string]bool{}
	for _, it := range items {
		key, ok := d.itemKey(it)
		if !ok {
			continue
		}
		if seen[key] {
			d.errorf(it.KeyExpr.Range(), "Duplicate field", "The field %q is given twice in %s; remove one of them.", key, a.Name)
			continue
		}
		seen[key] = true
		if key == "" {
			d.errorf(it.KeyExpr.Range(), "Empty field name", "A field needs a name.")
			continue
		}
		e, ok := d.rowExpr(it.ValueExpr, fmt.Sprintf("field %q", key))
		if !ok {
			continue
		}
		out = append(out, &FieldExpr{Name: key, NameRange: it.KeyExpr.Range(), Expr: e})
	}
	return out
}

var sinkSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "connection", Required: true}, {Name: "list"}, {Name: "create"}, {Name: "key", Required: true},
	},
}

func (d *decoder) decodeSink(b *hcl.Block) *Sink {
	content, diags := d.content(b.Body, sinkSchema)
	d.add(diags...)
	s := &Sink{DeclRange: b.DefRange}
	if a := content.Attributes["connection"]; a != nil {
		s.ConnectionRange = a.Expr.Range()
		s.Connection, _ = d.reference(a, "connection")
	}
	if a := content.Attributes["list"]; a != nil {
		if v, ok := d.str(a); ok {
			if strings.TrimSpace(v) == "" {
				d.errorf(a.Expr.Range(), "Empty list name", "The sink's list needs a name.")
			}
			s.List = v
		}
	}
	if a := content.Attributes["create"]; a != nil {
		s.Create, _ = d.boolean(a)
	}
	if a := content.Attributes["key"]; a != nil {
		s.KeyRange = a.Expr.Range()
		if v, ok := d.str(a); ok {
			if v == "" {
				d.errorf(a.Expr.Range(), "Empty key", "The sink's key names the transform field identifying a member, e.g. \"Contact Email\".")
			}
			s.Key = v
		}
	}
	return s
}

var quotaSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "max_records", Required: true}}}

func (d *decoder) decodeQuota(b *hcl.Block) *Quota {
	content, diags := d.content(b.Body, quotaSchema)
	d.add(diags...)
	q := &Quota{DeclRange: b.DefRange}
	if a := content.Attributes["max_records"]; a != nil {
		n, ok := d.integer(a, 1, 1<<62)
		if !ok {
			return nil
		}
		q.MaxRecords = int(n)
	}
	return q
}

var guardSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "max_removals", Required: true}}}

func (d *decoder) decodeGuard(b *hcl.Block) *Guard {
	content, diags := d.content(b.Body, guardSchema)
	d.add(diags...)
	g := &Guard{DeclRange: b.DefRange}
	a := content.Attributes["max_removals"]
	if a == nil {
		return nil
	}
	val, ok := d.evalPublic(a.Expr, "max_removals")
	if !ok {
		return nil
	}
	bad := func() *Guard {
		d.errorf(a.Expr.Range(), "Invalid max_removals", "max_removals is a count (150) or a percentage of the list from 0%% to 100%% (\"10%%\").")
		return nil
	}
	if !val.IsKnown() {
		return nil // from a variable whose error was reported
	}
	if val.IsNull() {
		return bad()
	}
	switch val.Type().FriendlyName() {
	case "number":
		f, _ := val.AsBigFloat().Float64()
		if f < 0 || !val.AsBigFloat().IsInt() {
			return bad()
		}
		g.MaxRemovals = f
	case "string":
		s := strings.TrimSpace(val.AsString())
		if !strings.HasSuffix(s, "%") {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return bad()
			}
			g.MaxRemovals = float64(n)
			break
		}
		num := strings.TrimSuffix(s, "%")
		f, err := strconv.ParseFloat(num, 64)
		if err != nil || f < 0 || f > 100 || math.IsNaN(f) {
			return bad()
		}
		g.MaxRemovals, g.Percent = f, true
	default:
		return bad()
	}
	return g
}
