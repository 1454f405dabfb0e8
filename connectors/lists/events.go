package lists

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/sluice-sync/sluice/connectors/internal/column"
	"github.com/sluice-sync/sluice/connectors/sdk"
)

// Events returns every campaign of the list and the events of those
// campaigns recorded after the checkpoint, in rowid order. The checkpoint
// is an events rowid in decimal ("" for the beginning); the one returned
// is the last event's rowid, or the one given when there is none. Each
// event carries the member's fields, as strings, when the key is a member
// of the list; the events of one member share one map, which callers
// must not change.
//
// A row that cannot be read (an unknown event or campaign type, a time
// that is neither RFC 3339 nor "2006-01-02 15:04:05") is an error naming
// it: events are never skipped silently.
func (c *conn) Events(ctx context.Context, req sdk.EventsRequest) (*sdk.EventsResponse, error) {
	var after int64
	if req.Checkpoint != "" {
		var err error
		if after, err = strconv.ParseInt(req.Checkpoint, 10, 64); err != nil {
			return nil, fmt.Errorf("lists %s: invalid events checkpoint %q", c.path, req.Checkpoint)
		}
	}
	// Events are read before campaigns, so that every campaign an event
	// names is among the campaigns (no transaction: with the connection's
	// immediate transactions, a read would take the write lock).
	resp := &sdk.EventsResponse{Checkpoint: req.Checkpoint}
	rows, err := c.db.QueryContext(ctx, `
		SELECT e.rowid, e.campaign, e.key, e.event, e.at, m.fields
		FROM events e
		JOIN campaigns c ON c.key = e.campaign
		LEFT JOIN members m ON m.list = c.list AND m.key = e.key
		WHERE c.list = ? AND e.rowid > ?
		ORDER BY e.rowid`, req.List, after)
	if err != nil {
		return nil, fmt.Errorf("lists %s: %w", c.path, err)
	}
	defer rows.Close()
	memberFields := map[string]map[string]string{} // decoded once per key
	for rows.Next() {
		var (
			id                int64
			camp, key, ev, at sql.NullString
			fields            sql.NullString
		)
		if err := rows.Scan(&id, &camp, &key, &ev, &at, &fields); err != nil {
			return nil, fmt.Errorf("lists %s: %w", c.path, err)
		}
		typ, ok := sdk.ParseEventType(ev.String)
		if !ok {
			return nil, fmt.Errorf("lists %s: events row %d: unknown event %q (want delivered, opened, unopened, clicked, bounced, unsubscribed or complained)", c.path, id, ev.String)
		}
		when, err := parseTime(at)
		if err != nil {
			return nil, fmt.Errorf("lists %s: events row %d: %w", c.path, id, err)
		}
		e := sdk.Event{Campaign: camp.String, Key: key.String, Type: typ, At: when}
		if fields.Valid {
			f, seen := memberFields[key.String]
			if !seen {
				f = stringFields(fields.String)
				memberFields[key.String] = f
			}
			e.Fields = f
		}
		resp.Events = append(resp.Events, e)
		resp.Checkpoint = strconv.FormatInt(id, 10)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lists %s: %w", c.path, err)
	}
	rows.Close()
	if resp.Campaigns, err = c.campaigns(ctx, req.List); err != nil {
		return nil, err
	}
	return resp, nil
}

func (c *conn) campaigns(ctx context.Context, list string) ([]sdk.Campaign, error) {
	rows, err := c.db.QueryContext(ctx, `
		SELECT key, name, type, list, subject, sender, sent_at
		FROM campaigns WHERE list = ? ORDER BY sent_at, key`, list)
	if err != nil {
		return nil, fmt.Errorf("lists %s: %w", c.path, err)
	}
	defer rows.Close()
	var out []sdk.Campaign
	for rows.Next() {
		var key, name, typ, l, subject, sender, sent sql.NullString
		if err := rows.Scan(&key, &name, &typ, &l, &subject, &sender, &sent); err != nil {
			return nil, fmt.Errorf("lists %s: %w", c.path, err)
		}
		camp := sdk.Campaign{Key: key.String, Name: name.String, List: l.String, Subject: subject.String, Sender: sender.String}
		switch typ.String {
		case "", "email":
			camp.Type = sdk.CampaignEmail
		case "autoresponder":
			camp.Type = sdk.CampaignAutoresponder
		default:
			return nil, fmt.Errorf("lists %s: campaign %q: unknown type %q (want email or autoresponder)", c.path, key.String, typ.String)
		}
		if camp.SentAt, err = parseTime(sent); err != nil {
			return nil, fmt.Errorf("lists %s: campaign %q: sent_at: %w", c.path, key.String, err)
		}
		out = append(out, camp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lists %s: %w", c.path, err)
	}
	return out, nil
}

// parseTime reads a stored time: RFC 3339, or "2006-01-02 15:04:05" as
// SQLite's datetime() writes it, in UTC. NULL or "" is the zero time.
func parseTime(s sql.NullString) (time.Time, error) {
	if s.String == "" {
		return time.Time{}, nil
	}
	us, ok := column.ParseTime([]byte(s.String))
	if !ok {
		return time.Time{}, fmt.Errorf("invalid time %q (want RFC 3339 or 2006-01-02 15:04:05)", s.String)
	}
	return time.UnixMicro(us).UTC(), nil
}

// stringFields decodes a member's fields into strings: strings as they
// are, numbers and booleans as written in the JSON, arrays and objects as
// their JSON text; nulls are left out. Fields that are not a JSON object
// (edited by hand) give none.
func stringFields(s string) map[string]string {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, raw := range m {
		raw = bytes.TrimSpace(raw)
		switch {
		case bytes.Equal(raw, []byte("null")):
			continue
		case len(raw) > 0 && raw[0] == '"':
			var str string
			if json.Unmarshal(raw, &str) == nil {
				out[k] = str
				continue
			}
		}
		out[k] = string(raw)
	}
	return out
}
