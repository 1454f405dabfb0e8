package dsl

import (
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
