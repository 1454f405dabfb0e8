package state

import (
	"context"
	"encoding/json"
	"fmt"
)

const (
	memberScanQuery = `SELECT key, source_id, position, hash, status, NULL
		FROM members WHERE pipeline_id = ? ORDER BY key`
	memberScanFieldsQuery = `SELECT key, source_id, position, hash, status, fields
		FROM members WHERE pipeline_id = ? ORDER BY key`
	// The keys travel as one JSON array, so any number of them costs one
	// statement; CROSS JOIN makes SQLite walk the keys and probe the
	// primary key rather than scan the pipeline's members.
	membersByKeyQuery = `SELECT m.key, m.source_id, m.position, m.hash, m.status, m.fields
		FROM json_each(?) AS k CROSS JOIN members AS m
		WHERE m.pipeline_id = ? AND m.key = k.value`
)

func (s *SQLite) EachMember(ctx context.Context, pipeline string, withFields bool, fn func(Member) error) error {
	id, ok, err := s.pipelineID(ctx, s.r, pipeline)
	if err != nil {
		return fmt.Errorf("read members of pipeline %q: %w", pipeline, err)
	}
	if !ok {
		return nil
	}
	q := memberScanQuery
	if withFields {
		q = memberScanFieldsQuery
	}
	rows, err := s.r.QueryContext(ctx, q, id)
	if err != nil {
		return fmt.Errorf("read members of pipeline %q: %w", pipeline, err)
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return fmt.Errorf("read members of pipeline %q: %w", pipeline, err)
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read members of pipeline %q: %w", pipeline, err)
	}
	return nil
}

func (s *SQLite) MembersByKey(ctx context.Context, pipeline string, keys []string) (map[string]Member, error) {
	out := make(map[string]Member, len(keys))
	id, ok, err := s.pipelineID(ctx, s.r, pipeline)
	if err != nil {
		return nil, fmt.Errorf("look up members of pipeline %q: %w", pipeline, err)
	}
	if !ok || len(keys) == 0 {
		return out, nil
	}
	arg, err := json.Marshal(keys)
	if err != nil {
		return nil, fmt.Errorf("look up members of pipeline %q: %w", pipeline, err)
	}
	rows, err := s.r.QueryContext(ctx, membersByKeyQuery, string(arg), id)
	if err != nil {
		return nil, fmt.Errorf("look up members of pipeline %q: %w", pipeline, err)
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("look up members of pipeline %q: %w", pipeline, err)
		}
		out[m.Key] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look up members of pipeline %q: %w", pipeline, err)
	}
	return out, nil
}

func (s *SQLite) CountMembers(ctx context.Context, pipeline string) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM members
		WHERE pipeline_id = (SELECT id FROM pipelines WHERE name = ?)`, pipeline).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count members of pipeline %q: %w", pipeline, err)
	}
	return n, nil
}

func (s *SQLite) CountContacts(ctx context.Context, sinkConnection string) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT count(DISTINCT key) FROM members
		WHERE pipeline_id IN (SELECT id FROM pipelines WHERE sink_connection = ?)`, sinkConnection).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count contacts of connection %q: %w", sinkConnection, err)
	}
	return n, nil
}

func scanMember(sc scanner) (Member, error) {
	var m Member
	var hash int64
	var status string
	if err := sc.Scan(&m.Key, &m.SourceID, &m.Position, &hash, &status, &m.Fields); err != nil {
		return Member{}, err
	}
	m.Hash = uint64(hash)
	var err error
	if m.Status, err = parseEnum[MemberStatus](memberStatusNames, "member status", status); err != nil {
		return Member{}, err
	}
	return m, nil
}
