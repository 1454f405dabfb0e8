package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

func (s *SQLite) Watermark(ctx context.Context, pipeline, name string) (Watermark, error) {
	var cursor int64
	var w Watermark
	err := s.r.QueryRowContext(ctx, `SELECT w.cursor, w.checkpoint FROM watermarks AS w
		JOIN pipelines AS p ON p.id = w.pipeline_id WHERE p.name = ? AND w.name = ?`, pipeline, name).
		Scan(&cursor, &w.Checkpoint)
	if errors.Is(err, sql.ErrNoRows) {
		return Watermark{}, nil
	}
	if err != nil {
		return Watermark{}, fmt.Errorf("read %s watermark of pipeline %q: %w", name, pipeline, err)
	}
	w.Cursor = decTime(cursor)
	return w, nil
}

func (s *SQLite) AdvanceWatermark(ctx context.Context, pipeline string, token int64, name string, w Watermark) (Watermark, error) {
	if err := checkWatermark(name, w); err != nil {
		return Watermark{}, fmt.Errorf("advance watermark of pipeline %q: %w", pipeline, err)
	}
	var out Watermark
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := checkToken(ctx, tx, pipeline, token); err != nil {
			return err
		}
		id, err := s.mustPipelineID(ctx, tx, pipeline)
		if err != nil {
			return err
		}
		out, err = advanceWatermark(ctx, tx, id, name, w, encTime(s.now()))
		return err
	})
	if err != nil {
		return Watermark{}, fmt.Errorf("advance %s watermark of pipeline %q: %w", name, pipeline, err)
	}
	return out, nil
}

func checkWatermark(name string, w Watermark) error {
	if name == "" {
		return errors.New("watermark has no name")
	}
	return checkTime(name+" watermark", w.Cursor)
}

// advanceWatermark stores the later of the stored and the given cursor. In
// an UPDATE, SQLite evaluates every expression against the old row, so the
// checkpoint's condition compares the given cursor with the old one.
func advanceWatermark(ctx context.Context, tx *sql.Tx, pipeline int64, name string, w Watermark, now int64) (Watermark, error) {
	var cursor int64
	var out Watermark
	err := tx.QueryRowContext(ctx, `INSERT INTO watermarks (pipeline_id, name, cursor, checkpoint, updated_at)
		VALUES (?1, ?2, ?3, ?4, ?5)
		ON CONFLICT (pipeline_id, name) DO UPDATE SET
			cursor = CASE WHEN excluded.cursor <> 0 AND (cursor = 0 OR excluded.cursor > cursor)
				THEN excluded.cursor ELSE cursor END,
			checkpoint = CASE WHEN excluded.checkpoint <> '' AND (excluded.cursor = 0 OR cursor = 0 OR excluded.cursor >= cursor)
				THEN excluded.checkpoint ELSE checkpoint END,
			updated_at = excluded.updated_at
		RETURNING cursor, checkpoint`,
		pipeline, name, encTime(w.Cursor), w.Checkpoint, now).Scan(&cursor, &out.Checkpoint)
	if err != nil {
		return Watermark{}, fmt.Errorf("advance %s watermark: %w", name, err)
	}
	out.Cursor = decTime(cursor)
	return out, nil
}
