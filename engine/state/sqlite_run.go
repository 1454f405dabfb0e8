package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

func (s *SQLite) StartRun(ctx context.Context, pipeline string, kind RunKind, planID string) (int64, error) {
	if pipeline == "" {
		return 0, errors.New("start run: no pipeline")
	}
	if !enumValid(runKindNames, kind) {
		return 0, fmt.Errorf("start run of pipeline %q: invalid kind %v", pipeline, kind)
	}
	var id int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO runs (pipeline, kind, plan_id, started_at, finished_at, outcome, error, counts)
			VALUES (?, ?, ?, ?, 0, ?, '', '{}') RETURNING id`,
			pipeline, kind.String(), planID, encTime(s.now()), OutcomeRunning.String()).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("start %s run of pipeline %q: %w", kind, pipeline, err)
	}
	return id, nil
}

func (s *SQLite) FinishRun(ctx context.Context, id int64, r RunResult) error {
	if !enumValid(outcomeNames, r.Outcome) || r.Outcome == OutcomeRunning {
		return fmt.Errorf("finish run %d: invalid outcome %v", id, r.Outcome)
	}
	var counts []byte
	if r.Counts != nil {
		var err error
		if counts, err = json.Marshal(r.Counts); err != nil {
			return fmt.Errorf("finish run %d: %w", id, err)
		}
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var outcome string
		err := tx.QueryRowContext(ctx, `SELECT outcome FROM runs WHERE id = ?`, id).Scan(&outcome)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no run %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if outcome != OutcomeRunning.String() {
			return fmt.Errorf("run %d already finished (%s)", id, outcome)
		}
		_, err = tx.ExecContext(ctx, `UPDATE runs SET finished_at = ?, outcome = ?, error = ?,
			counts = coalesce(?, counts) WHERE id = ?`,
			encTime(s.now()), r.Outcome.String(), r.Error, nullString(counts), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish run %d: %w", id, err)
	}
	return nil
}

func nullString(b []byte) sql.NullString {
	return sql.NullString{String: string(b), Valid: b != nil}
}

const runColumns = `id, pipeline, kind, plan_id, started_at, finished_at, outcome, error, counts`

func (s *SQLite) Runs(ctx context.Context, pipeline string, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+runColumns+` FROM runs WHERE pipeline = ? ORDER BY id DESC LIMIT ?`,
		pipeline, limit)
	if err != nil {
		return nil, fmt.Errorf("list runs of pipeline %q: %w", pipeline, err)
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs of pipeline %q: %w", pipeline, err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs of pipeline %q: %w", pipeline, err)
	}
	return runs, nil
}

func (s *SQLite) PlanApplied(ctx context.Context, planID string) (Run, bool, error) {
	if planID == "" {
		return Run{}, false, nil
	}
	row := s.r.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs
		WHERE plan_id = ? AND plan_id <> '' AND kind = ? AND outcome = ? ORDER BY id DESC LIMIT 1`,
		planID, RunApply.String(), OutcomeSucceeded.String())
	r, err := scanRun(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, false, fmt.Errorf("find applies of plan %q: %w", planID, err)
	}
	return r, true, nil
}

func scanRun(sc scanner) (Run, error) {
	var r Run
	var kind, outcome, counts string
	var started, finished int64
	if err := sc.Scan(&r.ID, &r.Pipeline, &kind, &r.PlanID, &started, &finished, &outcome, &r.Error, &counts); err != nil {
		return Run{}, err
	}
	var err error
	if r.Kind, err = parseEnum[RunKind](runKindNames, "run kind", kind); err != nil {
		return Run{}, err
	}
	if r.Outcome, err = parseEnum[Outcome](outcomeNames, "run outcome", outcome); err != nil {
		return Run{}, err
	}
	if err := json.Unmarshal([]byte(counts), &r.Counts); err != nil {
		return Run{}, fmt.Errorf("counts of run %d: %w", r.ID, err)
	}
	if len(r.Counts) == 0 {
		r.Counts = nil
	}
	r.StartedAt, r.FinishedAt = decTime(started), decTime(finished)
	return r, nil
}
