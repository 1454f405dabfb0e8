package dsl

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Variable is a `variable` block: an input of the configuration.
type Variable struct {
	Name        string
	Type        cty.Type // cty.DynamicPseudoType when undeclared
	Default     cty.Value
	Description string
	Sensitive   bool
	// Value is the resolved value: -var, then SLUICE_VAR_name, then Default.
	Value     cty.Value
	DeclRange hcl.Range
}
