// Package sqlite is the built-in connector for a SQLite database file. It
// plays three roles: a source (a table or a query), the target of a
// pipeline's feedback (campaign responses written back next to the source
// records), and a sink (members upserted into a table by key). With the
// lists connector as the sink it makes the whole round trip possible
// without any account: records out to a list, campaign responses back.
//
// # Source
//
// With the table setting the source has one stream, that table, named
// after it; with query, one stream named by the stream setting (default
// "query") whose rows are the query's; with neither, every table and view
// of the file is a stream and the pipeline's module names one (matched
// without regard to case). The id setting (default "id") names the column
// holding each record's source id; cursor, a modified-time column that
// makes `since` possible; deleted, a column whose true, 1 or yes marks a
// record deleted at the source (sent as a tombstone, not as a record).
//
// Types. A column's Arrow type comes, in order, from the types setting,
// from its role (the cursor is a time; the id a string, or an int when
// the column is an integer one), from its declared type, following
// SQLite's affinity rules with booleans and times recognised by name
// (BOOL… → bool; …DATE…, …TIME… → time; …INT… → int; …CHAR…, …CLOB…,
// …TEXT…, JSON → string; …REAL…, …FLOA…, …DOUB… → float), and, for a
// column declared otherwise (NUMERIC, BLOB, none, or an expression of a
// query), from the values stored in its first 10000 rows: int when all
// are integers, float when all are numbers, time when all are texts in
// RFC 3339 or "2006-01-02 15:04:05", else string.
//
// Values are read as stored, not through the driver's conversions. A value
// that is not one of its column's type (text in an int column, a time that
// does not parse) rejects its row with sdk.ReadSink.Reject, positioned
// "row N" in read order; a row whose id is NULL or empty is rejected too.
// Nothing is changed silently. A time column accepts RFC 3339, "2006-01-02
// 15:04:05" (UTC) and whole Unix seconds; a bool column 0, 1 and true,
// false, yes, no in any case.
//
// The seed setting names a file of SQL statements run, in one
// transaction, when the database has no table yet: a demo or test
// database can live in version control as text and be made on first use.
//
// # Feedback target
//
// A feedback run writes records (field maps) into modules. The module is
// a table: the campaign records of create_campaigns go to the table the
// campaigns_table setting names (default "campaigns"), the
// campaign-member statuses of member_status to campaign_members_table
// (default "campaign_members"), status fields and pushed recipients to
// the table their module names. A missing table is created, with an
// "id INTEGER PRIMARY KEY" column and one column per field; a field the
// table lacks becomes a new column. The tables a feedback run makes look
// like this:
//
//	CREATE TABLE campaigns(
//	    id           INTEGER PRIMARY KEY,
//	    campaign_key TEXT,  -- the sink's campaign id
//	    list         TEXT,
//	    name         TEXT,
//	    sender       TEXT,
//	    sent_at      TEXT,  -- RFC 3339, UTC
//	    subject      TEXT,
//	    type         TEXT); -- email | autoresponder
//	CREATE TABLE campaign_members(
//	    id           INTEGER PRIMARY KEY,
//	    campaign_key TEXT,  -- campaigns.campaign_key
//	    member_id    TEXT,  -- campaign_key/module/record_id
//	    member_key   TEXT,  -- the recipient's key at the sink
//	    module       TEXT,  -- the source table the record is in
//	    record_id    TEXT,  -- the source record's id
//	    status       TEXT,  -- delivered | unopened | opened | clicked | bounced | unsubscribed | complained
//	    status_at    TEXT); -- when the recipient reached that status
//
// A status_field updates one column of the source record (its table is
// the status field's module, its row the one whose id column holds the
// record's id); the column is added when missing. A pushed recipient is a
// new row of its module's table with the mapped fields.
//
// Writes match rows as a feedback request says: without a match field a
// record is inserted; with one, the rows holding the same value are
// updated, and when there are none the record is inserted, except when
// the match field is the id column: a status field for a record that is
// no longer in the table fails, naming the id, rather than inventing the
// record. Each request is one transaction.
//
// # Sink
//
// A list is a table, the member key a column of it. An upsert updates the
// row whose key column holds the member's key or inserts one; a column
// the batch has and the table lacks is added; a missing table is created
// when the pipeline allows it (create = true), the key column its primary
// key. Remove and delete both delete the row. Keys are any non-empty
// string; a table has no unsubscribes, so there are no suppressions.
//
// # Concurrency
//
// The file is opened in WAL mode with a busy timeout of ten seconds, so a
// person may read and edit it with sqlite3 while sluice has it open. Every
// write is one transaction committed with synchronous=FULL: what a write
// accepted is durable when it returns.
//
// The entry point is New.
package sqlite
