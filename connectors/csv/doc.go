// Package csv is the built-in source connector reading one CSV file.
//
// The file is one stream, named after the file's base name without its
// extension ("candidates" for data/candidates.csv); Read and Discover also
// accept "" and "records" for it. The first line is the header; its names
// are the columns. The dialect is RFC 4180 as encoding/csv reads it
// (quoted fields may hold delimiters, quotes written twice and line
// breaks; a CRLF inside a quoted field becomes LF), with a configurable
// one-character delimiter, a leading UTF-8 byte order mark ignored and
// empty lines skipped.
//
// Types. Discover reads the whole file once and types each column from
// its non-empty values: int (int64) when all are integers written without
// leading zeros or '+' (so codes such as "01234" stay strings), float
// (float64) when all are numbers, bool when all are true or false in any
// case, time (timestamp[us, UTC]) when all are RFC 3339 or
// "2006-01-02 15:04:05" (a time without a zone is UTC), else string. The
// types setting overrides inference per column, and is the only way to
// get a []string column (list<string>; values split at ';', items
// trimmed, empty items dropped). The cursor column is always a time and
// the id column a string unless it is all integers.
//
// Empty fields: an empty field is "" in a string column and null in
// every other column (a []string column included). Values of
// non-string columns may have spaces around them; a bool column also reads
// yes/no and 1/0.
//
// Rows that cannot be read are reported with sdk.ReadSink.Reject,
// positioned "line N" (the line the record starts on) with the reason and
// the field: invalid UTF-8, a wrong number of fields, a value that does
// not parse as its column's type, an empty id, quoting errors. They are
// never altered or dropped silently, and reading goes on after them.
//
// Deletes and incremental reads: with the deleted setting, a row whose
// deleted column is true, 1 or yes is sent to sdk.ReadSink.Tombstones (its
// id, as written) instead of as a record. With ReadRequest.Since, rows
// whose cursor is before it are skipped; rows with an empty cursor are
// always read.
//
// The entry point is New. Read scans the file in a goroutine of its own,
// ahead of the building of batches (package column), which happens in the
// caller's goroutine along with every call of the sdk.ReadSink. Scanning
// does not allocate per record or field: fields are views of large read
// buffers, recycled once their records are built into Arrow arrays. Each
// batch is released when ReadSink.Batch returns; a sink keeping one must
// Retain it.
package csv
