package sdk

import (
	"fmt"
	"sort"
)

// Registry maps connector type names to connectors. It is an explicit
// value: the CLI builds one with the built-in and plugin connectors, and
// tests build their own. A Registry is not safe for concurrent Add.
type Registry struct {
	byName map[string]Connector
}

// NewRegistry returns a registry holding cs. It panics on a duplicate name,
// which is a programming error.
func NewRegistry(cs ...Connector) *Registry {
	r := &Registry{byName: map[string]Connector{}}
	for _, c := range cs {
		if err := r.Add(c); err != nil {
			panic(err)
		}
	}
	return r
}

// Add registers c under its Info().Name.
func (r *Registry) Add(c Connector) error {
	name := c.Info().Name
	if name == "" {
		return fmt.Errorf("connector has no name")
	}
	if _, dup := r.byName[name]; dup {
		return fmt.Errorf("connector %q is registered twice", name)
	}
	r.byName[name] = c
	return nil
}

// Lookup returns the connector registered under name.
func (r *Registry) Lookup(name string) (Connector, bool) {
	c, ok := r.byName[name]
	return c, ok
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.byName))
	for n := range r.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
