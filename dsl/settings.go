package dsl

import (
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// DefaultState is the state store used when none is configured.
const DefaultState = "sqlite:.sluice/state.db"

// Settings is the `settings` block: org-wide configuration.
type Settings struct {
	State    string // a store URL; SLUICE_STATE and -state override it
	TimeZone *time.Location
	Limits   Limits
	// DeclRange is the zero Range when the block is absent.
	DeclRange hcl.Range
}

// Limits bounds what the pipeline registry accepts. Zero means no limit.
type Limits struct {
	MaxActivePipelines      int
	MaxNewPipelinesPerDay   int
	MaxNewPipelinesPerMonth int
	MaxContacts             int
	DeclRange               hcl.Range
}

var settingsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "state"}, {Name: "timezone"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "limits"}},
}

var limitsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "max_active_pipelines"}, {Name: "max_new_pipelines_per_day"},
		{Name: "max_new_pipelines_per_month"}, {Name: "max_contacts"},
	},
}

func defaultSettings() *Settings {
	return &Settings{State: DefaultState, TimeZone: time.UTC}
}

func (d *decoder) decodeSettings(b *hcl.Block) {
	if d.cfg.Settings != nil {
		d.errorf(b.DefRange, "Duplicate settings block", "The settings block was already declared at %s; there is one per directory.", d.cfg.Settings.DeclRange)
		return
	}
	s := defaultSettings()
	s.DeclRange = b.DefRange
	d.cfg.Settings = s
	content, diags := d.content(b.Body, settingsSchema)
	d.add(diags...)
	if a := content.Attributes["state"]; a != nil {
		if v, ok := d.str(a); ok {
			if !strings.HasPrefix(v, "sqlite:") && !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
				d.errorf(a.Expr.Range(), "Invalid state URL", "The state is \"sqlite:PATH\" or \"postgres://...\", not %q.", v)
			} else {
				s.State = v
			}
		}
	}
	if a := content.Attributes["timezone"]; a != nil {
		if loc, ok := d.timezone(a); ok {
			s.TimeZone = loc
		}
	}
	seen := false
	for _, lb := range content.Blocks {
		if seen {
			d.errorf(lb.DefRange, "Duplicate limits block", "Settings have one limits block.")
			continue
		}
		seen = true
		lc, diags := d.content(lb.Body, limitsSchema)
		d.add(diags...)
		s.Limits.DeclRange = lb.DefRange
		for _, l := range []struct {
			name string
			dst  *int
		}{
			{"max_active_pipelines", &s.Limits.MaxActivePipelines},
			{"max_new_pipelines_per_day", &s.Limits.MaxNewPipelinesPerDay},
			{"max_new_pipelines_per_month", &s.Limits.MaxNewPipelinesPerMonth},
			{"max_contacts", &s.Limits.MaxContacts},
		} {
			if a := lc.Attributes[l.name]; a != nil {
				if n, ok := d.integer(a, 1, 1<<62); ok {
					*l.dst = int(n)
				}
			}
		}
	}
}
