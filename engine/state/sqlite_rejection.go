package state

import (
	"context"
	"fmt"
)

func (s *SQLite) Rejections(ctx context.Context, pipeline string) ([]Rejection, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT r.source_id, r.key, r.reason, r.attempts, r.first_seen, r.last_seen
		FROM rejections AS r JOIN pipelines AS p ON p.id = r.pipeline_id
		WHERE p.name = ? ORDER BY r.source_id, r.key`, pipeline)
	if err != nil {
		return nil, fmt.Errorf("list rejections of pipeline %q: %w", pipeline, err)
	}
	defer rows.Close()
	var rs []Rejection
	for rows.Next() {
		var r Rejection
		var first, last int64
		if err := rows.Scan(&r.SourceID, &r.Key, &r.Reason, &r.Attempts, &first, &last); err != nil {
			return nil, fmt.Errorf("list rejections of pipeline %q: %w", pipeline, err)
		}
		r.FirstSeen, r.LastSeen = decTime(first), decTime(last)
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list rejections of pipeline %q: %w", pipeline, err)
	}
	return rs, nil
}
