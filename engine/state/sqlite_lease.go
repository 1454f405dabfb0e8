package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

func (s *SQLite) AcquireLease(ctx context.Context, pipeline, holder string, ttl time.Duration) (Lease, error) {
	if pipeline == "" || holder == "" {
		return Lease{}, errors.New("acquire lease: pipeline and holder must be named")
	}
	if ttl <= 0 {
		return Lease{}, fmt.Errorf("acquire lease of pipeline %q: ttl %s is not positive", pipeline, ttl)
	}
	var l Lease
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		var token, since, expires int64
		var cur string
		err := tx.QueryRowContext(ctx, `SELECT token, holder, since, expires FROM leases WHERE pipeline = ?`, pipeline).
			Scan(&token, &cur, &since, &expires)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case cur != "" && encTime(now) < expires && !s.gone(cur):
			return &LockedError{Pipeline: pipeline, Holder: cur, Since: decTime(since)}
		}
		l = Lease{Pipeline: pipeline, Token: token + 1, Holder: holder, Since: now, Expires: now.Add(ttl)}
		_, err = tx.ExecContext(ctx, `INSERT INTO leases (pipeline, token, holder, since, expires) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (pipeline) DO UPDATE SET token = excluded.token, holder = excluded.holder,
				since = excluded.since, expires = excluded.expires`,
			pipeline, l.Token, holder, encTime(l.Since), encTime(l.Expires))
		return err
	})
	if err != nil {
		var locked *LockedError
		if errors.As(err, &locked) {
			return Lease{}, err
		}
		return Lease{}, fmt.Errorf("acquire lease of pipeline %q: %w", pipeline, err)
	}
	return roundLease(l), nil
}

func (s *SQLite) RenewLease(ctx context.Context, pipeline string, token int64, ttl time.Duration) (Lease, error) {
	if ttl <= 0 {
		return Lease{}, fmt.Errorf("renew lease of pipeline %q: ttl %s is not positive", pipeline, ttl)
	}
	var l Lease
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := checkToken(ctx, tx, pipeline, token); err != nil {
			return err
		}
		expires := s.now().Add(ttl)
		var since int64
		err := tx.QueryRowContext(ctx, `UPDATE leases SET expires = ? WHERE pipeline = ? RETURNING holder, since`,
			encTime(expires), pipeline).Scan(&l.Holder, &since)
		l.Pipeline, l.Token, l.Since, l.Expires = pipeline, token, decTime(since), expires
		return err
	})
	if err != nil {
		return Lease{}, fmt.Errorf("renew lease of pipeline %q: %w", pipeline, err)
	}
	return roundLease(l), nil
}

func (s *SQLite) ReleaseLease(ctx context.Context, pipeline string, token int64) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE leases SET holder = '', expires = ? WHERE pipeline = ? AND token = ?`,
			encTime(s.now()), pipeline, token)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("pipeline %q: lease token %d is not the current one: %w", pipeline, token, ErrFenced)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("release lease of pipeline %q: %w", pipeline, err)
	}
	return nil
}

// roundLease gives a returned lease the times a later read would give.
func roundLease(l Lease) Lease {
	l.Since = decTime(encTime(l.Since))
	l.Expires = decTime(encTime(l.Expires))
	return l
}
