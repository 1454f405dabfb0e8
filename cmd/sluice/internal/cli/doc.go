// Package cli implements the sluice commands: flags in, a call into dsl
// or engine, output and an exit code out. Exit codes: 0 success, 1 an
// error, 2 (with -detailed-exitcode) a plan with changes.
package cli
