// Package engine runs pipelines: it resolves a loaded configuration
// against its connectors (schemas, sink descriptions), compiles the row
// logic, and plans and applies syncs over Arrow record batches.
//
// Resolve is the entry point for validation: it opens each pipeline's
// connections, discovers the source stream, describes the sink and
// compiles the criteria and transforms, reporting every problem as an
// hcl.Diagnostic.
package engine
