package dsl

import "github.com/hashicorp/hcl/v2"

// Plugin is a `plugin` block: an external connector binary, verified by
// its sha256 before every start.
type Plugin struct {
	Name      string
	Path      string
	SHA256    string // lower-case hex
	DeclRange hcl.Range
}
