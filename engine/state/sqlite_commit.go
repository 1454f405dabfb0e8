package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

func (s *SQLite) Commit(ctx context.Context, c *Commit) (int64, error) {
	if c.Pipeline == "" {
		return 0, errors.New("commit: no pipeline")
	}
	var progress []byte
	if c.Progress != nil {
		var err error
		if progress, err = json.Marshal(c.Progress); err != nil {
			return 0, fmt.Errorf("commit pipeline %q: progress: %w", c.Pipeline, err)
		}
	}
	for name, w := range c.Watermarks {
		if err := checkWatermark(name, w); err != nil {
			return 0, fmt.Errorf("commit pipeline %q: %w", c.Pipeline, err)
		}
	}
	var serial int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := checkToken(ctx, tx, c.Pipeline, c.Token); err != nil {
			return err
		}
		var p struct {
			id                    int64
			connection, list, mod string
		}
		err := tx.QueryRowContext(ctx, `SELECT id, sink_connection, sink_list, source_module FROM pipelines WHERE name = ?`,
			c.Pipeline).Scan(&p.id, &p.connection, &p.list, &p.mod)
		if errors.Is(err, sql.ErrNoRows) {
			return notRegistered(c.Pipeline)
		}
		if err != nil {
			return err
		}
		now := encTime(s.now())

		if err := deleteMembers(ctx, tx, p.id, c.Delete); err != nil {
			return err
		}
		if err := upsertMembers(ctx, tx, p.id, c.Upsert, p.connection, p.list, p.mod, now); err != nil {
			return err
		}
		if err := recordRejections(ctx, tx, p.id, c.Rejected, now); err != nil {
			return err
		}
		if err := resolveRejections(ctx, tx, p.id, c.Resolved); err != nil {
			return err
		}
		if c.Run != 0 && progress != nil {
			res, err := tx.ExecContext(ctx, `UPDATE runs SET counts = ? WHERE id = ?`, string(progress), c.Run)
			if err != nil {
				return fmt.Errorf("run progress: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fmt.Errorf("run %d: %w", c.Run, ErrNotFound)
			}
		}
		for name, w := range c.Watermarks {
			if _, err := advanceWatermark(ctx, tx, p.id, name, w, now); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx, `UPDATE pipelines SET serial = serial + 1 WHERE id = ? RETURNING serial`, p.id).Scan(&serial)
	})
	if err != nil {
		return 0, fmt.Errorf("commit pipeline %q: %w", c.Pipeline, err)
	}
	return serial, nil
}

func deleteMembers(ctx context.Context, tx *sql.Tx, pipeline int64, keys []string) error {
	b := newBatch(tx, `DELETE FROM members WHERE pipeline_id = ?1 AND key IN (`, 1, `)`, pipeline)
	defer b.close()
	for _, k := range keys {
		if err := b.add(ctx, k); err != nil {
			return fmt.Errorf("delete members: %w", err)
		}
	}
	if err := b.flush(ctx); err != nil {
		return fmt.Errorf("delete members: %w", err)
	}
	return nil
}

// upsertMembers writes members and their provenance. A member is checked
// as it is queued, so a bad one fails the commit after earlier ones were
// written, which the transaction then undoes.
func upsertMembers(ctx context.Context, tx *sql.Tx, pipeline int64, ms []Member, connection, list, module string, now int64) error {
	up := newBatch(tx, `INSERT INTO members (pipeline_id, key, source_id, position, hash, status, fields) VALUES `, 7,
		` ON CONFLICT (pipeline_id, key) DO UPDATE SET source_id = excluded.source_id, position = excluded.position,
			hash = excluded.hash, status = excluded.status, fields = excluded.fields`)
	defer up.close()
	// Provenance rows differ only by key and source id; the rest is bound
	// once per statement. "WHERE true" tells SQLite's parser that ON
	// CONFLICT is the upsert clause, not a join constraint.
	prov := newBatch(tx, `INSERT INTO provenance (connection, list, key, pipeline_id, source_id, module, first_seen)
		SELECT ?1, ?2, column1, ?3, column2, ?4, ?5 FROM (VALUES `, 2, `) WHERE true ON CONFLICT DO NOTHING`,
		connection, list, pipeline, module, now)
	defer prov.close()
	for i := range ms {
		m := &ms[i]
		if m.Key == "" {
			return fmt.Errorf("upsert member %d: empty key", i)
		}
		if !enumValid(memberStatusNames, m.Status) {
			return fmt.Errorf("upsert member %q: invalid status %v", m.Key, m.Status)
		}
		fields := m.Fields
		if fields == nil {
			fields = []byte{}
		}
		if err := up.add(ctx, pipeline, m.Key, m.SourceID, m.Position, int64(m.Hash), memberStatusNames[m.Status], fields); err != nil {
			return fmt.Errorf("upsert members: %w", err)
		}
		if err := prov.add(ctx, m.Key, m.SourceID); err != nil {
			return fmt.Errorf("record provenance: %w", err)
		}
	}
	if err := up.flush(ctx); err != nil {
		return fmt.Errorf("upsert members: %w", err)
	}
	if err := prov.flush(ctx); err != nil {
		return fmt.Errorf("record provenance: %w", err)
	}
	return nil
}

func recordRejections(ctx context.Context, tx *sql.Tx, pipeline int64, rs []Rejection, now int64) error {
	b := newBatch(tx, `INSERT INTO rejections (pipeline_id, source_id, key, reason, attempts, first_seen, last_seen)
		SELECT ?1, column1, column2, column3, 1, ?2, ?2 FROM (VALUES `, 3,
		`) WHERE true ON CONFLICT (pipeline_id, source_id, key) DO UPDATE SET reason = excluded.reason,
			attempts = attempts + 1, last_seen = excluded.last_seen`, pipeline, now)
	defer b.close()
	for _, r := range rs {
		if r.SourceID == "" && r.Key == "" {
			return fmt.Errorf("record rejection %q: neither source id nor key", r.Reason)
		}
		if err := b.add(ctx, r.SourceID, r.Key, r.Reason); err != nil {
			return fmt.Errorf("record rejections: %w", err)
		}
	}
	if err := b.flush(ctx); err != nil {
		return fmt.Errorf("record rejections: %w", err)
	}
	return nil
}

func resolveRejections(ctx context.Context, tx *sql.Tx, pipeline int64, refs []RecordRef) error {
	if len(refs) == 0 {
		return nil
	}
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM rejections WHERE pipeline_id = ?)`, pipeline).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return nil // the common case: nothing to clear
	}
	byID := newBatch(tx, `DELETE FROM rejections WHERE pipeline_id = ?1 AND source_id IN (`, 1, `)`, pipeline)
	defer byID.close()
	byKey := newBatch(tx, `DELETE FROM rejections WHERE pipeline_id = ?1 AND key IN (`, 1, `)`, pipeline)
	defer byKey.close()
	for _, r := range refs {
		if r.SourceID != "" {
			if err := byID.add(ctx, r.SourceID); err != nil {
				return fmt.Errorf("clear rejections: %w", err)
			}
		}
		if r.Key != "" {
			if err := byKey.add(ctx, r.Key); err != nil {
				return fmt.Errorf("clear rejections: %w", err)
			}
		}
	}
	if err := byID.flush(ctx); err != nil {
		return fmt.Errorf("clear rejections: %w", err)
	}
	if err := byKey.flush(ctx); err != nil {
		return fmt.Errorf("clear rejections: %w", err)
	}
	return nil
}

func recordName(sourceID, key string) string {
	switch {
	case sourceID == "":
		return fmt.Sprintf("key %q", key)
	case key == "":
		return fmt.Sprintf("record %q", sourceID)
	}
	return fmt.Sprintf("record %q (key %q)", sourceID, key)
}

func (s *SQLite) Serial(ctx context.Context, pipeline string) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT serial FROM pipelines WHERE name = ?`, pipeline).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read serial of pipeline %q: %w", pipeline, err)
	}
	return n, nil
}
