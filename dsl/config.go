package dsl

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
)

// Config is everything a directory of pipeline files declares.
type Config struct {
	// Files holds the parsed files by name, for diagnostics with snippets.
	Files       map[string]*hcl.File
	Variables   map[string]*Variable
	Plugins     map[string]*Plugin
	Connections map[string]*Connection
	Pipelines   map[string]*Pipeline
	Settings    *Settings // never nil after Load; defaults when undeclared
}

// PipelineNames returns the pipeline names in sorted order.
func (c *Config) PipelineNames() []string {
	names := make([]string, 0, len(c.Pipelines))
	for n := range c.Pipelines {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
