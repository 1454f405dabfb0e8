package state

import (
	"context"
	"fmt"
)

var _ FeedbackIndex = (*SQLite)(nil)

func (s *SQLite) DoneTargets(ctx context.Context, pipeline, kind string) (KeySet, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT d.target FROM feedback_done AS d JOIN pipelines AS p ON p.id = d.pipeline_id
		WHERE p.name = ? AND d.kind = ?`, pipeline, kind)
	if err != nil {
		return nil, fmt.Errorf("read %s feedback done for pipeline %q: %w", kind, pipeline, err)
	}
	defer rows.Close()
	out := KeySet{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("read %s feedback done for pipeline %q: %w", kind, pipeline, err)
		}
		out[t] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s feedback done for pipeline %q: %w", kind, pipeline, err)
	}
	return out, nil
}

func (s *SQLite) EachProvenance(ctx context.Context, connection, list string, fn func(Provenance) error) error {
	rows, err := s.r.QueryContext(ctx, provenanceQuery+` WHERE v.connection = ? AND v.list = ?
		ORDER BY v.key, v.first_seen, p.name, v.source_id, v.module`, connection, list)
	if err != nil {
		return fmt.Errorf("provenance of list %q of connection %q: %w", list, connection, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p Provenance
		var first int64
		if err := rows.Scan(&p.Pipeline, &p.Connection, &p.List, &p.Key, &p.SourceID, &p.Module, &first); err != nil {
			return fmt.Errorf("provenance of list %q of connection %q: %w", list, connection, err)
		}
		p.FirstSeen = decTime(first)
		if err := fn(p); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("provenance of list %q of connection %q: %w", list, connection, err)
	}
	return nil
}
