// Package jsonl is the built-in connector for JSON lines files: a source
// reading one JSON object per line, and a sink writing one.
//
// As a source the file is one stream, named after the file's base name
// without its extension; Read and Discover also accept "" and "records".
// Its columns are the members found on any line, in order of first
// appearance. Discover reads the whole file once and types each member
// from its values (nulls aside): int (int64) when all are integer
// numbers, float when all are numbers, bool when all are booleans, time
// (timestamp[us, UTC]) when all are strings holding RFC 3339 or
// "2006-01-02 15:04:05" times (empty strings aside), []string when all
// are arrays of strings, and string otherwise. A string column holds
// strings as decoded, numbers as written, true and false, and nested
// objects and other arrays as their JSON text. The types setting
// overrides inference per member; string values are then parsed as the
// csv connector parses text (see package column). The cursor member is
// always a time and the id member a string unless all ids are integers.
// A missing member or null is null; an empty string is "" in a string
// column and null in the others.
//
// Lines that cannot be read are reported with sdk.ReadSink.Reject,
// positioned "line N", with the reason: invalid UTF-8, invalid JSON
// (with the column), a line that is not an object, a member appearing
// twice, a missing or empty id, a value that does not fit its member's
// type. They are never altered or dropped silently, and reading goes on
// after them. Blank lines are skipped. Members the schema does not know
// (a file changed since Discover) are ignored. With the deleted setting,
// a line whose deleted member is true, 1 or yes is sent to
// sdk.ReadSink.Tombstones; with ReadRequest.Since, lines whose cursor is
// before it are skipped and lines without one are kept.
//
// As a sink the file is a stateless export: the first Write of a
// connection truncates (or creates) it, and each upserted member is
// appended as one JSON object line, members in the batch's schema order,
// typed as Encoder writes them. So after a run that wrote, the file holds
// exactly what that run wrote (the adds and updates the engine sent), not
// the whole list; a run with nothing to write leaves it as it was. The
// file is not truncated when the connection opens, because the same
// connection may be a pipeline's source. Keys are any non-empty string;
// there are no suppressions, and removals and deletes are not supported
// (Write returns ErrOnlyUpsert).
//
// The entry point is New; Encoder is also used by other connectors that
// store rows as JSON.
package jsonl
