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
//
// Input is untrusted: before HCL parses a file, Load refuses one larger
// than MaxFileSize, not UTF-8, or nested deeper than MaxNesting (HCL's
// parser recurses and would overflow the stack). A sensitive value (a
// sensitive setting or variable) is never shown in a diagnostic, and is
// refused anywhere but in a connection's settings: every other value may
// be shown, in plans and diagnostics.
package dsl
