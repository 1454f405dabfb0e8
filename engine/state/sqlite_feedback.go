package state

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

func (s *SQLite) UpsertCampaigns(ctx context.Context, cs []Campaign) error {
	if len(cs) == 0 {
		return nil
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO campaigns (connection, key, name, type, list, subject, sender, sent_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (connection, key) DO UPDATE SET name = excluded.name, type = excluded.type, list = excluded.list,
				subject = excluded.subject, sender = excluded.sender, sent_at = excluded.sent_at`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, c := range cs {
			if c.Connection == "" || c.Key == "" {
				return fmt.Errorf("campaign %q of connection %q: both must be set", c.Key, c.Connection)
			}
			if !enumValid(campaignTypeNames, c.Type) {
				return fmt.Errorf("campaign %q: invalid type %v", c.Key, c.Type)
			}
			if err := checkTime("campaign sent time", c.SentAt); err != nil {
				return fmt.Errorf("campaign %q: %w", c.Key, err)
			}
			if _, err := st.ExecContext(ctx, c.Connection, c.Key, c.Name, campaignTypeNames[c.Type], c.List,
				c.Subject, c.Sender, encTime(c.SentAt)); err != nil {
				return fmt.Errorf("campaign %q: %w", c.Key, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record campaigns: %w", err)
	}
	return nil
}

func (s *SQLite) Campaigns(ctx context.Context, connection, list string) ([]Campaign, error) {
	q := `SELECT connection, key, name, type, list, subject, sender, sent_at FROM campaigns`
	var where []string
	var args []any
	if connection != "" {
		where, args = append(where, "connection = ?"), append(args, connection)
	}
	if list != "" {
		where, args = append(where, "list = ?"), append(args, list)
	}
	rows, err := s.r.QueryContext(ctx, q+whereClause(where)+` ORDER BY connection, key`, args...)
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	defer rows.Close()
	var out []Campaign
	for rows.Next() {
		var c Campaign
		var typ string
		var sent int64
		if err := rows.Scan(&c.Connection, &c.Key, &c.Name, &typ, &c.List, &c.Subject, &c.Sender, &sent); err != nil {
			return nil, fmt.Errorf("list campaigns: %w", err)
		}
		if c.Type, err = parseEnum[sdk.CampaignType](campaignTypeNames, "campaign type", typ); err != nil {
			return nil, fmt.Errorf("list campaigns: %w", err)
		}
		c.SentAt = decTime(sent)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	return out, nil
}

func (s *SQLite) AddEvents(ctx context.Context, events []Event) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	added := 0
	err := s.write(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO events (connection, campaign, key, type, at, list)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, e := range events {
			if e.Connection == "" || e.Campaign == "" || e.Key == "" {
				return fmt.Errorf("event %v of key %q in campaign %q of connection %q: all must be set", e.Type, e.Key, e.Campaign, e.Connection)
			}
			if !enumValid(eventTypeNames, e.Type) {
				return fmt.Errorf("event of key %q in campaign %q: invalid type %v", e.Key, e.Campaign, e.Type)
			}
			if err := checkTime("event time", e.At); err != nil {
				return fmt.Errorf("event of key %q in campaign %q: %w", e.Key, e.Campaign, err)
			}
			res, err := st.ExecContext(ctx, e.Connection, e.Campaign, e.Key, eventTypeNames[e.Type], encTime(e.At), e.List)
			if err != nil {
				return fmt.Errorf("event of key %q in campaign %q: %w", e.Key, e.Campaign, err)
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("record events: %w", err)
	}
	return added, nil
}

func (s *SQLite) Events(ctx context.Context, q EventQuery, fn func(Event) error) error {
	var where []string
	var args []any
	for _, f := range []struct{ col, val string }{
		{"connection", q.Connection}, {"list", q.List}, {"campaign", q.Campaign}, {"key", q.Key},
	} {
		if f.val != "" {
			where, args = append(where, f.col+" = ?"), append(args, f.val)
		}
	}
	if q.Type != 0 {
		if !enumValid(eventTypeNames, q.Type) {
			return fmt.Errorf("read events: invalid type %v", q.Type)
		}
		where, args = append(where, "type = ?"), append(args, eventTypeNames[q.Type])
	}
	rows, err := s.r.QueryContext(ctx, `SELECT connection, list, campaign, key, type, at FROM events`+
		whereClause(where)+` ORDER BY connection, campaign, key, type, at`, args...)
	if err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		var typ string
		var at int64
		if err := rows.Scan(&e.Connection, &e.List, &e.Campaign, &e.Key, &typ, &at); err != nil {
			return fmt.Errorf("read events: %w", err)
		}
		if e.Type, err = parseEnum[sdk.EventType](eventTypeNames, "event type", typ); err != nil {
			return fmt.Errorf("read events: %w", err)
		}
		e.At = decTime(at)
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	return nil
}

const provenanceQuery = `SELECT p.name, v.connection, v.list, v.key, v.source_id, v.module, v.first_seen
	FROM provenance AS v JOIN pipelines AS p ON p.id = v.pipeline_id`

func (s *SQLite) ProvenanceOfKey(ctx context.Context, connection, list, key string) ([]Provenance, error) {
	out, err := s.provenance(ctx, provenanceQuery+` WHERE v.connection = ? AND v.list = ? AND v.key = ?
		ORDER BY v.first_seen, p.name, v.source_id, v.module`, connection, list, key)
	if err != nil {
		return nil, fmt.Errorf("provenance of key %q on list %q of connection %q: %w", key, list, connection, err)
	}
	return out, nil
}

func (s *SQLite) ProvenanceOfSource(ctx context.Context, pipeline, sourceID string) ([]Provenance, error) {
	out, err := s.provenance(ctx, provenanceQuery+` WHERE p.name = ? AND v.source_id = ?
		ORDER BY v.first_seen, v.connection, v.list, v.key, v.module`, pipeline, sourceID)
	if err != nil {
		return nil, fmt.Errorf("provenance of record %q of pipeline %q: %w", sourceID, pipeline, err)
	}
	return out, nil
}

func (s *SQLite) provenance(ctx context.Context, query string, args ...any) ([]Provenance, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Provenance
	for rows.Next() {
		var p Provenance
		var first int64
		if err := rows.Scan(&p.Pipeline, &p.Connection, &p.List, &p.Key, &p.SourceID, &p.Module, &first); err != nil {
			return nil, err
		}
		p.FirstSeen = decTime(first)
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *SQLite) PutDone(ctx context.Context, pipeline, kind string, targets []string) error {
	if len(targets) == 0 {
		return nil
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		id, err := s.mustPipelineID(ctx, tx, pipeline)
		if err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO feedback_done (pipeline_id, kind, target, done_at)
			VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer st.Close()
		now := encTime(s.now())
		for _, t := range targets {
			if _, err := st.ExecContext(ctx, id, kind, t, now); err != nil {
				return fmt.Errorf("target %q: %w", t, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record %s feedback done for pipeline %q: %w", kind, pipeline, err)
	}
	return nil
}

func (s *SQLite) HasDone(ctx context.Context, pipeline, kind, target string) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM feedback_done AS d JOIN pipelines AS p ON p.id = d.pipeline_id
		WHERE p.name = ? AND d.kind = ? AND d.target = ?`, pipeline, kind, target).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read %s feedback done for pipeline %q: %w", kind, pipeline, err)
	}
	return n > 0, nil
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}
