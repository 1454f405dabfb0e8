// Package dsl is the pipeline language: it loads a directory of .hcl files
// (or one file) into a Config, the typed model of every variable, plugin,
// connection, pipeline and the settings, each keeping its source range so
// later stages can point back at the text.
//
// Load parses and decodes; it checks syntax, block and attribute names,
// types, enums, references and connection settings against the connector
// registry, and returns every problem found as hcl.Diagnostics. Compiling
// the row expressions (criteria, transforms) against a source's Arrow schema
// is done by package dsl/rowexpr, which needs the connectors' schemas.
//
// Static configuration is evaluated with go-cty: variables (defaults,
// -var, SLUICE_VAR_name), env() and file(). Row logic stays text here.
package dsl
