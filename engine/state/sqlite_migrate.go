package state

import (
	"context"
	"database/sql"
	"fmt"
)

// migration is one numbered step of the SQLite schema. Steps are applied
// in order, each in its own transaction together with its row in
// schema_migrations, so a database is always at exactly one version.
// Published steps are never edited: a change is a new step.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations is the schema, oldest first; versions count up from 1.
//
// Times are Unix nanoseconds in INTEGER columns, 0 for "none". Tables of
// one pipeline reference pipelines(id), which is never deleted; the
// registry, runs, leases, suppressions, campaigns and events are keyed by
// names so they do not depend on a registration.
//
// Enums are stored by name and checked with "x = 'a' OR x = 'b'" rather
// than "x IN ('a', 'b')": for an IN list of several values SQLite builds
// a temporary table on every row written, which made bulk writes many
// times slower.
var migrations = []migration{
	{1, "initial schema", `
CREATE TABLE pipelines (
	id                INTEGER PRIMARY KEY,
	name              TEXT    NOT NULL UNIQUE,
	config_hash       TEXT    NOT NULL,
	source_connection TEXT    NOT NULL,
	source_module     TEXT    NOT NULL,
	sink_connection   TEXT    NOT NULL,
	sink_list         TEXT    NOT NULL,
	accounts          TEXT    NOT NULL, -- JSON object: connection → account id
	status            TEXT    NOT NULL CHECK (status = 'active' OR status = 'disabled' OR status = 'stopped_credentials' OR status = 'deleted'),
	status_reason     TEXT    NOT NULL,
	registered_at     INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL,
	serial            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX pipelines_by_registered_at ON pipelines (registered_at);
CREATE INDEX pipelines_by_sink ON pipelines (sink_connection);

CREATE TABLE leases (
	pipeline TEXT    NOT NULL PRIMARY KEY,
	token    INTEGER NOT NULL, -- grows with every acquisition, never reused
	holder   TEXT    NOT NULL, -- '' when released
	since    INTEGER NOT NULL,
	expires  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE members (
	pipeline_id INTEGER NOT NULL REFERENCES pipelines (id),
	key         TEXT    NOT NULL,
	source_id   TEXT    NOT NULL,
	position    INTEGER NOT NULL,
	hash        INTEGER NOT NULL, -- the uint64 hash, as its two's complement
	status      TEXT    NOT NULL CHECK (status = 'active' OR status = 'unsubscribed' OR status = 'complained' OR status = 'bounced'),
	fields      BLOB    NOT NULL, -- JSON object of the mapped fields
	PRIMARY KEY (pipeline_id, key)
) WITHOUT ROWID;

CREATE TABLE provenance (
	connection  TEXT    NOT NULL,
	list        TEXT    NOT NULL,
	key         TEXT    NOT NULL,
	pipeline_id INTEGER NOT NULL REFERENCES pipelines (id),
	source_id   TEXT    NOT NULL,
	module      TEXT    NOT NULL,
	first_seen  INTEGER NOT NULL,
	PRIMARY KEY (connection, list, key, pipeline_id, source_id, module)
) WITHOUT ROWID;
CREATE INDEX provenance_by_source ON provenance (pipeline_id, source_id);

CREATE TABLE watermarks (
	pipeline_id INTEGER NOT NULL REFERENCES pipelines (id),
	name        TEXT    NOT NULL,
	cursor      INTEGER NOT NULL,
	checkpoint  TEXT    NOT NULL,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (pipeline_id, name)
) WITHOUT ROWID;

CREATE TABLE rejections (
	pipeline_id INTEGER NOT NULL REFERENCES pipelines (id),
	source_id   TEXT    NOT NULL,
	key         TEXT    NOT NULL,
	reason      TEXT    NOT NULL,
	attempts    INTEGER NOT NULL,
	first_seen  INTEGER NOT NULL,
	last_seen   INTEGER NOT NULL,
	PRIMARY KEY (pipeline_id, source_id, key),
	CHECK (source_id <> '' OR key <> '')
) WITHOUT ROWID;
CREATE INDEX rejections_by_key ON rejections (pipeline_id, key);

CREATE TABLE runs (
	id          INTEGER PRIMARY KEY,
	pipeline    TEXT    NOT NULL,
	kind        TEXT    NOT NULL CHECK (kind = 'plan' OR kind = 'apply' OR kind = 'feedback'),
	plan_id     TEXT    NOT NULL,
	started_at  INTEGER NOT NULL,
	finished_at INTEGER NOT NULL,
	outcome     TEXT    NOT NULL CHECK (outcome = 'running' OR outcome = 'succeeded' OR outcome = 'failed' OR outcome = 'interrupted'),
	error       TEXT    NOT NULL,
	counts      TEXT    NOT NULL -- JSON object: name → count
);
CREATE INDEX runs_by_pipeline ON runs (pipeline, id);
CREATE INDEX runs_by_plan ON runs (plan_id) WHERE plan_id <> '';

CREATE TABLE suppressions (
	connection TEXT    NOT NULL,
	key        TEXT    NOT NULL,
	reason     TEXT    NOT NULL CHECK (reason = 'unsubscribed' OR reason = 'complained' OR reason = 'do_not_mail' OR reason = 'manual'),
	list       TEXT    NOT NULL,
	added_at   INTEGER NOT NULL,
	PRIMARY KEY (connection, key)
) WITHOUT ROWID;

CREATE TABLE campaigns (
	connection TEXT    NOT NULL,
	key        TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	type       TEXT    NOT NULL CHECK (type = 'email' OR type = 'autoresponder'),
	list       TEXT    NOT NULL,
	subject    TEXT    NOT NULL,
	sender     TEXT    NOT NULL,
	sent_at    INTEGER NOT NULL,
	PRIMARY KEY (connection, key)
) WITHOUT ROWID;
CREATE INDEX campaigns_by_list ON campaigns (connection, list);

CREATE TABLE events (
	connection TEXT    NOT NULL,
	campaign   TEXT    NOT NULL,
	key        TEXT    NOT NULL,
	type       TEXT    NOT NULL CHECK (type = 'delivered' OR type = 'unopened' OR type = 'opened' OR type = 'clicked' OR type = 'bounced' OR type = 'unsubscribed' OR type = 'complained'),
	at         INTEGER NOT NULL,
	list       TEXT    NOT NULL,
	PRIMARY KEY (connection, campaign, key, type, at)
) WITHOUT ROWID;
CREATE INDEX events_by_key ON events (connection, key);

CREATE TABLE feedback_done (
	pipeline_id INTEGER NOT NULL REFERENCES pipelines (id),
	kind        TEXT    NOT NULL,
	target      TEXT    NOT NULL,
	done_at     INTEGER NOT NULL,
	PRIMARY KEY (pipeline_id, kind, target)
) WITHOUT ROWID;
`},
}

const createMigrationsTable = `
CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at INTEGER NOT NULL
)`

// migrate brings db to the last version of steps. It fails with
// ErrSchemaTooNew, changing nothing, when db is at a version steps do not
// know. Each step re-reads the version inside its own write transaction,
// so processes opening a new database at once apply every step once.
func migrate(ctx context.Context, db *sql.DB, steps []migration, now int64) error {
	if _, err := db.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	latest := 0
	if len(steps) > 0 {
		latest = steps[len(steps)-1].version
	}
	v, err := schemaVersion(ctx, db)
	if err != nil {
		return err
	}
	if v > latest {
		return fmt.Errorf("database is at schema version %d but this sluice knows versions up to %d (%w); upgrade sluice", v, latest, ErrSchemaTooNew)
	}
	for _, m := range steps {
		if m.version <= v {
			continue
		}
		if err := applyMigration(ctx, db, m, now); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, m migration, now int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate to schema version %d: %w", m.version, err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return fmt.Errorf("migrate to schema version %d: %w", m.version, err)
	}
	if v >= m.version {
		return nil // another process got there first
	}
	if v != m.version-1 {
		return fmt.Errorf("migrate to schema version %d: database is at version %d", m.version, v)
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migrate to schema version %d (%s): %w", m.version, m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, now); err != nil {
		return fmt.Errorf("migrate to schema version %d: %w", m.version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate to schema version %d: %w", m.version, err)
	}
	return nil
}

func schemaVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
