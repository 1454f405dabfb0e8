// Package connectors holds the built-in connectors, each in its own
// package, and Builtin, the registry of them that the CLI starts from.
// Connector authors import connectors/sdk instead.
package connectors

import (
	"github.com/sluice-sync/sluice/connectors/csv"
	"github.com/sluice-sync/sluice/connectors/jsonl"
	"github.com/sluice-sync/sluice/connectors/lists"
	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/connectors/sqlite"
)

// Builtin returns a new registry holding the built-in connectors: csv
// (source), jsonl (source and sink), lists (sink and events) and sqlite
// (source, sink and feedback). Each call returns a registry of its own,
// which the caller may add plugin connectors to.
func Builtin() *sdk.Registry {
	return sdk.NewRegistry(csv.New(), jsonl.New(), lists.New(), sqlite.New())
}
