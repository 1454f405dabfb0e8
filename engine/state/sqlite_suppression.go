package state

import (
	"context"
	"database/sql"
	"fmt"
)

func (s *SQLite) AddSuppressions(ctx context.Context, entries []Suppression) (int, error) {
	if len(entries) == 0 {
		return 0, nil
	}
	added := 0
	err := s.write(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO suppressions (connection, key, reason, list, added_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (connection, key) DO NOTHING`)
		if err != nil {
			return err
		}
		defer st.Close()
		now := s.now()
		for _, e := range entries {
			if e.Connection == "" || e.Key == "" {
				return fmt.Errorf("suppression of key %q on connection %q: both must be set", e.Key, e.Connection)
			}
			if !enumValid(suppressionReasonNames, e.Reason) {
				return fmt.Errorf("suppression of key %q: invalid reason %v", e.Key, e.Reason)
			}
			at := e.AddedAt
			if at.IsZero() {
				at = now
			}
			if err := checkTime("suppression time", at); err != nil {
				return err
			}
			res, err := st.ExecContext(ctx, e.Connection, e.Key, e.Reason.String(), e.List, encTime(at))
			if err != nil {
				return fmt.Errorf("suppress key %q: %w", e.Key, err)
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("add suppressions: %w", err)
	}
	return added, nil
}

func (s *SQLite) RemoveSuppression(ctx context.Context, connection, key string) (bool, error) {
	var removed bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM suppressions WHERE connection = ? AND key = ?`, connection, key)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		removed = n > 0
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("remove suppression of key %q on connection %q: %w", key, connection, err)
	}
	return removed, nil
}

func (s *SQLite) Suppressions(ctx context.Context, connection string) ([]Suppression, error) {
	q := `SELECT connection, key, reason, list, added_at FROM suppressions`
	var args []any
	if connection != "" {
		q += ` WHERE connection = ?`
		args = append(args, connection)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY connection, key`, args...)
	if err != nil {
		return nil, fmt.Errorf("list suppressions: %w", err)
	}
	defer rows.Close()
	var out []Suppression
	for rows.Next() {
		var e Suppression
		var reason string
		var at int64
		if err := rows.Scan(&e.Connection, &e.Key, &reason, &e.List, &at); err != nil {
			return nil, fmt.Errorf("list suppressions: %w", err)
		}
		if e.Reason, err = parseEnum[SuppressionReason](suppressionReasonNames, "suppression reason", reason); err != nil {
			return nil, fmt.Errorf("list suppressions: %w", err)
		}
		e.AddedAt = decTime(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list suppressions: %w", err)
	}
	return out, nil
}

func (s *SQLite) SuppressedKeys(ctx context.Context, connection string) (KeySet, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT key FROM suppressions WHERE connection = ?`, connection)
	if err != nil {
		return nil, fmt.Errorf("load suppressed keys of connection %q: %w", connection, err)
	}
	defer rows.Close()
	set := KeySet{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("load suppressed keys of connection %q: %w", connection, err)
		}
		set[k] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load suppressed keys of connection %q: %w", connection, err)
	}
	return set, nil
}
