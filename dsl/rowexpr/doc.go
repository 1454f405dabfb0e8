// Package rowexpr compiles a pipeline's row expressions — the criteria and
// every transform field — with expr-lang/expr against the fields of the
// previous stage (the first against the source's Arrow schema), and
// reports every problem as an hcl.Diagnostic pointing inside the string.
//
// Compile is the entry point. The result types each stage's fields, so
// later stages, the sink's key check and `sluice fields` know what a
// mapping produces. Evaluating the programs over records is the engine's
// work; this package provides the environment and limits for it.
package rowexpr
