package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

const pipelineColumns = `name, config_hash, source_connection, source_module, sink_connection, sink_list, accounts, status, status_reason, registered_at`

func (s *SQLite) RegisterPipeline(ctx context.Context, p Pipeline) (Pipeline, error) {
	if p.Name == "" {
		return Pipeline{}, errors.New("register pipeline: no name")
	}
	if p.RegisteredAt.IsZero() {
		p.RegisteredAt = s.now()
	}
	if p.Status == 0 {
		p.Status = PipelineActive
	}
	if !enumValid(pipelineStatusNames, p.Status) {
		return Pipeline{}, fmt.Errorf("register pipeline %q: invalid status %v", p.Name, p.Status)
	}
	if err := checkTime("registration time", p.RegisteredAt); err != nil {
		return Pipeline{}, fmt.Errorf("register pipeline %q: %w", p.Name, err)
	}
	accounts, err := encAccounts(p.Accounts)
	if err != nil {
		return Pipeline{}, fmt.Errorf("register pipeline %q: %w", p.Name, err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO pipelines (`+pipelineColumns+`, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
			p.Name, p.ConfigHash, p.SourceConnection, p.SourceModule, p.SinkConnection, p.SinkList,
			accounts, p.Status.String(), p.StatusReason, encTime(p.RegisteredAt), encTime(s.now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("pipeline %q is already registered: %w", p.Name, ErrExists)
		}
		return nil
	})
	if err != nil {
		return Pipeline{}, fmt.Errorf("register pipeline %q: %w", p.Name, err)
	}
	p.RegisteredAt = decTime(encTime(p.RegisteredAt))
	p.Accounts = cloneAccounts(p.Accounts)
	return p, nil
}

func (s *SQLite) UpdatePipeline(ctx context.Context, p Pipeline) error {
	accounts, err := encAccounts(p.Accounts)
	if err != nil {
		return fmt.Errorf("update pipeline %q: %w", p.Name, err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE pipelines SET config_hash = ?, source_connection = ?, source_module = ?,
			sink_connection = ?, sink_list = ?, accounts = ?, updated_at = ? WHERE name = ?`,
			p.ConfigHash, p.SourceConnection, p.SourceModule, p.SinkConnection, p.SinkList, accounts,
			encTime(s.now()), p.Name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notRegistered(p.Name)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update pipeline %q: %w", p.Name, err)
	}
	return nil
}

func (s *SQLite) Pipeline(ctx context.Context, name string) (Pipeline, error) {
	row := s.r.QueryRowContext(ctx, `SELECT `+pipelineColumns+` FROM pipelines WHERE name = ?`, name)
	p, err := scanPipeline(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Pipeline{}, notRegistered(name)
	}
	if err != nil {
		return Pipeline{}, fmt.Errorf("read pipeline %q: %w", name, err)
	}
	return p, nil
}

func (s *SQLite) Pipelines(ctx context.Context) ([]Pipeline, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+pipelineColumns+` FROM pipelines ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list pipelines: %w", err)
	}
	defer rows.Close()
	var ps []Pipeline
	for rows.Next() {
		p, err := scanPipeline(rows)
		if err != nil {
			return nil, fmt.Errorf("list pipelines: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list pipelines: %w", err)
	}
	return ps, nil
}

func (s *SQLite) SetPipelineStatus(ctx context.Context, name string, status PipelineStatus, reason string) error {
	if !enumValid(pipelineStatusNames, status) {
		return fmt.Errorf("set status of pipeline %q: invalid status %v", name, status)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE pipelines SET status = ?, status_reason = ?, updated_at = ? WHERE name = ?`,
			status.String(), reason, encTime(s.now()), name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notRegistered(name)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set status of pipeline %q: %w", name, err)
	}
	return nil
}

func (s *SQLite) CountActivePipelines(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM pipelines WHERE status = ?`, PipelineActive.String()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count active pipelines: %w", err)
	}
	return n, nil
}

func (s *SQLite) CountRegisteredPipelines(ctx context.Context, from, to time.Time) (int, error) {
	for _, t := range []time.Time{from, to} {
		if err := checkTime("time", t); err != nil {
			return 0, fmt.Errorf("count registered pipelines: %w", err)
		}
	}
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM pipelines WHERE registered_at >= ? AND registered_at < ?`,
		encTime(from), encTime(to)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count registered pipelines: %w", err)
	}
	return n, nil
}

type scanner interface {
	Scan(dest ...any) error
}

func scanPipeline(sc scanner) (Pipeline, error) {
	var p Pipeline
	var accounts, status string
	var registered int64
	err := sc.Scan(&p.Name, &p.ConfigHash, &p.SourceConnection, &p.SourceModule, &p.SinkConnection, &p.SinkList,
		&accounts, &status, &p.StatusReason, &registered)
	if err != nil {
		return Pipeline{}, err
	}
	if p.Status, err = parseEnum[PipelineStatus](pipelineStatusNames, "pipeline status", status); err != nil {
		return Pipeline{}, err
	}
	if err := json.Unmarshal([]byte(accounts), &p.Accounts); err != nil {
		return Pipeline{}, fmt.Errorf("accounts of pipeline %q: %w", p.Name, err)
	}
	if len(p.Accounts) == 0 {
		p.Accounts = nil
	}
	p.RegisteredAt = decTime(registered)
	return p, nil
}

func encAccounts(a map[string]string) (string, error) {
	if len(a) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(a) // sorted by key: stable bytes for equal maps
	return string(b), err
}

func cloneAccounts(a map[string]string) map[string]string {
	if len(a) == 0 {
		return nil
	}
	c := make(map[string]string, len(a))
	for k, v := range a {
		c[k] = v
	}
	return c
}
