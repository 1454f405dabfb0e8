// Package plan is the plan of one pipeline run as data: what the run would
// change at the sink (Change: add, update, remove, delete), the records it
// leaves out and why (Skipped: rejected, duplicate, excluded, over_quota),
// and the counts of every outcome (Summary).
//
// The engine's stages fill a Plan; this package does not compute one. It
// renders a Plan for people (WriteText), for programs (WriteJSON, one JSON
// document whose field names are a contract) and saves it for a later apply
// (Write, Read, WriteFile, ReadFile: an Arrow IPC stream, versioned and
// checked on read).
//
// The same plan renders to the same bytes whatever the order its entries
// were added in: renderers and the file writer visit changes sorted by key
// then action, skipped records by outcome then key then source id, fields
// and diffs by field name. Normalize sorts a plan in place once so that
// renderings need not.
//
// A plan holds only what the pipeline maps into the sink; stages must leave
// sensitive values out of it.
package plan
