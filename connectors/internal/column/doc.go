// Package column is what the file sources (csv, jsonl) share: the column
// types of sdk.Field.Type (string, int, float, bool, time, []string) and
// their Arrow types, the parsing of text into them, and Builder, which
// assembles typed rows into record batches for a sdk.ReadSink.
//
// Parsing is byte-oriented and does not allocate. The accepted forms are
// deliberately few and documented on each function; a value outside them
// is reported by the source as a rejected row, never coerced.
//
// It is not a connector; it has no settings of its own beyond CheckTypes,
// which checks the types setting both sources declare.
package column
