// Package lists is the built-in mailing-list store: a sink (and campaign
// event source) keeping lists of members in one SQLite file, and behaving
// like an email-marketing tool. It is the embedded default a pipeline can
// write to without any account, and what tests and demos inspect.
//
// The file's schema is part of the connector's contract: people and tests
// read and change it with sqlite3 (to unsubscribe someone, to record a
// campaign and its events). Open creates what is missing:
//
//	CREATE TABLE lists(name TEXT PRIMARY KEY, created_at TEXT);
//	CREATE TABLE members(
//	    list       TEXT,
//	    key        TEXT,  -- the member's email address
//	    status     TEXT,  -- active | unsubscribed | bounced | complained
//	    fields     TEXT,  -- a JSON object: field name to value
//	    updated_at TEXT,
//	    PRIMARY KEY(list, key));
//	CREATE TABLE do_not_mail(key TEXT PRIMARY KEY);
//	CREATE TABLE campaigns(
//	    key     TEXT PRIMARY KEY,
//	    name    TEXT,
//	    type    TEXT,  -- email | autoresponder (NULL is email)
//	    list    TEXT,
//	    subject TEXT,
//	    sender  TEXT,
//	    sent_at TEXT);
//	CREATE TABLE events(
//	    campaign TEXT,  -- campaigns.key
//	    key      TEXT,  -- the recipient's email address
//	    event    TEXT,  -- delivered | opened | unopened | clicked | bounced | unsubscribed | complained
//	    at       TEXT);
//
// plus two indexes, members(key) and campaigns(list). Times are RFC 3339
// (the connector writes UTC, "2024-05-06T07:08:09Z"); "2024-05-06 07:08:09"
// as SQLite's datetime('now') writes it is read as UTC too. The events
// table's implicit rowid orders events and is the events checkpoint:
// insert a campaign before its events, and do not delete the newest
// events (SQLite would reuse their rowids).
//
// Behaviour:
//
//   - Keys are email addresses (sdk.KeyEmail): an upsert of a key that
//     sdk.EmailValid refuses fails that row, with the reason. Keys are
//     stored as written; the connector does not change their case.
//   - An upsert adds a member with status active, or replaces an existing
//     member's fields and keeps its status: an unsubscribed, bounced or
//     complained member is never re-activated by a sync. Changing a
//     status is a person's act (UPDATE members SET status = ...).
//   - A list is created by the first write that allows it
//     (sdk.WriteRequest.Create); otherwise writing to a missing list is
//     sdk.ErrListNotFound.
//   - Removing deletes the member's row from the list; deleting deletes
//     the key from every list. Neither touches do_not_mail.
//   - Suppressions are the list's unsubscribed and complained members and
//     every do_not_mail key (an org-wide entry).
//   - Events are the events of the list's campaigns after a checkpoint,
//     with the member's fields when the recipient is a member.
//
// Concurrency: the file is in WAL mode with a busy timeout, so a person
// (or another process) may read and edit it while sluice has it open;
// sluice's writes wait for a lock held by someone else for up to ten
// seconds. Each Write is one transaction, committed with
// synchronous=FULL, so what it accepted is durable when it returns.
//
// The entry point is New.
package lists
