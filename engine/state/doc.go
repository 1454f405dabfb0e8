// Package state is Sluice's memory between runs: what each pipeline last
// wrote to its sink, and the org-wide facts every run consults.
//
// Per pipeline it keeps the member snapshot (one row per sink key: the
// source record that won it, a hash of its mapped fields for a fast diff,
// the fields themselves for field-level plan output, and the member's
// status), the watermarks of incremental reads and of feedback, the records
// the pipeline or the sink rejected, the runs, a state serial that changes
// with every commit (so a saved plan can tell that it went stale), and a
// lease with a fencing token so that a runner that lost the pipeline cannot
// commit. Org-wide it keeps the pipeline registry (which the limits count),
// the suppression list, and the campaigns and responses that reports show
// (which outlive the pipeline that produced them).
//
// Store is the interface the engine uses; it is made of smaller interfaces
// (Registry, Leases, Snapshot, SuppressionList, RunLog, FeedbackLog) so a
// stage can ask for only what it needs. Open returns a Store for a URL:
// "sqlite:PATH" or a bare path opens the embedded SQLite store, the
// default, at DefaultPath when no URL is given. PostgreSQL is not
// implemented yet.
//
// The one place where a pipeline's state changes is Commit: members,
// rejections, run progress, watermark and serial move together in one
// transaction, and only for the holder of the current lease token.
//
// The store never holds secrets: no method takes a connection's settings.
// It does hold personal data (member keys and mapped fields), so the SQLite
// file and its directory are created readable by their owner only.
//
// What this package is not: it does not plan, diff or decide. Limits are
// counted here but enforced by the engine; statuses are stored here but
// chosen by the engine.
package state
