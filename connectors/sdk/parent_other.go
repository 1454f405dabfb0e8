//go:build !unix

package sdk

// watchParentProcess does nothing where a parent cannot be watched; the
// standard input pipe still ends the plugin with the host.
func watchParentProcess(gone func()) {}
