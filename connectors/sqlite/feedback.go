package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// tableOf returns the table a feedback module is written into.
func (c *conn) tableOf(module string) string {
	switch module {
	case CampaignsModule:
		return c.campaigns
	case CampaignMembersModule:
		return c.campaignMember
	}
	return module
}

// WriteFeedback writes one batch of feedback records into the table of
// req.Module, in one transaction:
//
//   - Without Match, each record is inserted as a new row.
//   - With Match, a record updates the rows whose Match column equals its
//     Match field. When none does, the record is inserted, except when
//     Match is the id column (the id setting): feedback never makes up a
//     source record, so that record fails, naming the id.
//
// A missing table is created (with an "id INTEGER PRIMARY KEY" column
// unless the records bring an id), and a column a record has but the
// table lacks is added. Values are written as SQLite values: text,
// integers, reals, 0 or 1 for booleans, RFC 3339 text for times, items
// joined with "; " for lists.
func (c *conn) WriteFeedback(ctx context.Context, req sdk.FeedbackRequest) (*sdk.WriteResponse, error) {
	if req.Module == "" {
		return nil, fmt.Errorf("sqlite %s: a feedback request names no module", c.path)
	}
	table := c.tableOf(req.Module)
	resp := &sdk.WriteResponse{}
	if len(req.Records) == 0 {
		return resp, nil
	}
	names := fieldNames(req.Records)
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", c.path, err)
	}
	defer tx.Rollback()
	cols, err := c.columns(ctx, tx, table)
	if err != nil {
		return nil, err
	}
	byID := req.Match != "" && strings.EqualFold(req.Match, c.id)
	if cols == nil && byID {
		// Records matched by id are source records: there are none.
		for i := range req.Records {
			resp.Failed = append(resp.Failed, sdk.RecordError{Row: i, Reason: fmt.Sprintf("there is no table %q to find the record in", table)})
		}
		return resp, nil
	}
	if cols == nil {
		if err := c.createTable(ctx, tx, table, names, req.Records); err != nil {
			return nil, err
		}
	} else if err := c.addFeedbackColumns(ctx, tx, table, cols, names, req.Records); err != nil {
		return nil, err
	}
	w := &feedbackWriter{ctx: ctx, tx: tx, table: table, stmts: map[string]*sql.Stmt{}}
	defer w.close()
	for i, rec := range req.Records {
		fail := func(reason string) {
			resp.Failed = append(resp.Failed, sdk.RecordError{Row: i, Reason: reason})
		}
		keys := make([]string, 0, len(rec))
		for k := range rec {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		vals := make([]any, len(keys))
		bad := ""
		for j, k := range keys {
			v, ok := sqlValue(rec[k])
			if !ok {
				bad = fmt.Sprintf("field %q: a %T cannot be written", k, rec[k])
				break
			}
			vals[j] = v
		}
		if bad != "" {
			fail(bad)
			continue
		}
		if req.Match == "" {
			if err := w.insert(keys, vals); err != nil {
				fail(err.Error())
			}
			continue
		}
		mv, ok := sqlValue(rec[req.Match])
		if !ok || mv == nil || mv == "" {
			fail(fmt.Sprintf("the match field %q is empty", req.Match))
			continue
		}
		n, err := w.update(keys, vals, req.Match, mv)
		switch {
		case err != nil:
			fail(err.Error())
		case n > 0:
		case byID:
			fail(fmt.Sprintf("no record of %q has %s %v", table, req.Match, mv))
		default:
			if err := w.insert(keys, vals); err != nil {
				fail(err.Error())
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", c.path, err)
	}
	return resp, nil
}

// fieldNames returns the names of every record's fields, sorted.
func fieldNames(recs []map[string]any) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range recs {
		for k := range r {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// declFor is the declared type of a new column holding field name,
// chosen from the first record that has a value for it.
func declFor(name string, recs []map[string]any) string {
	for _, r := range recs {
		switch r[name].(type) {
		case nil:
			continue
		case int, int64, int32:
			return "INTEGER"
		case float64, float32:
			return "REAL"
		case bool:
			return "BOOLEAN"
		case time.Time:
			return "DATETIME"
		}
		return "TEXT"
	}
	return "TEXT"
}

func (c *conn) createTable(ctx context.Context, tx *sql.Tx, table string, names []string, recs []map[string]any) error {
	var defs []string
	hasID := false
	for _, n := range names {
		if strings.EqualFold(n, "id") {
			hasID = true
		}
	}
	if !hasID {
		defs = append(defs, `"id" INTEGER PRIMARY KEY`)
	}
	for _, n := range names {
		defs = append(defs, quoteIdent(n)+" "+declFor(n, recs))
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE `+quoteIdent(table)+` (`+strings.Join(defs, ", ")+`)`); err != nil {
		return fmt.Errorf("sqlite %s: creating table %q: %w", c.path, table, err)
	}
	return nil
}

func (c *conn) addFeedbackColumns(ctx context.Context, tx *sql.Tx, table string, have []tableColumn, names []string, recs []map[string]any) error {
	known := map[string]bool{}
	for _, col := range have {
		known[strings.ToLower(col.name)] = true
	}
	for _, n := range names {
		if known[strings.ToLower(n)] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `ALTER TABLE `+quoteIdent(table)+` ADD COLUMN `+quoteIdent(n)+` `+declFor(n, recs)); err != nil {
			return fmt.Errorf("sqlite %s: adding column %q to table %q: %w", c.path, n, table, err)
		}
	}
	return nil
}

// sqlValue converts a feedback record's value to a SQLite parameter.
func sqlValue(v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case string:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case float32:
		return float64(x), true
	case float64:
		return x, true
	case bool:
		if x {
			return int64(1), true
		}
		return int64(0), true
	case time.Time:
		if x.IsZero() {
			return nil, true
		}
		return stamp(x), true
	case []string:
		return strings.Join(x, "; "), true
	}
	return nil, false
}

// feedbackWriter prepares each statement shape once per request.
type feedbackWriter struct {
	ctx   context.Context
	tx    *sql.Tx
	table string
	stmts map[string]*sql.Stmt
}

func (w *feedbackWriter) stmt(sig, query string) (*sql.Stmt, error) {
	if s, ok := w.stmts[sig]; ok {
		return s, nil
	}
	s, err := w.tx.PrepareContext(w.ctx, query)
	if err != nil {
		return nil, err
	}
	w.stmts[sig] = s
	return s, nil
}

func (w *feedbackWriter) insert(keys []string, vals []any) error {
	names := make([]string, len(keys))
	marks := make([]string, len(keys))
	for i, k := range keys {
		names[i], marks[i] = quoteIdent(k), "?"
	}
	s, err := w.stmt("i\x00"+strings.Join(keys, "\x00"),
		`INSERT INTO `+quoteIdent(w.table)+` (`+strings.Join(names, ", ")+`) VALUES (`+strings.Join(marks, ", ")+`)`)
	if err != nil {
		return err
	}
	_, err = s.ExecContext(w.ctx, vals...)
	return err
}

func (w *feedbackWriter) update(keys []string, vals []any, match string, mv any) (int64, error) {
	var set []string
	var args []any
	for i, k := range keys {
		if k == match {
			continue // the row keeps its identity
		}
		set = append(set, quoteIdent(k)+" = ?")
		args = append(args, vals[i])
	}
	if len(set) == 0 {
		// Nothing to change: the record only names the row.
		set = append(set, quoteIdent(match)+" = "+quoteIdent(match))
	}
	s, err := w.stmt("u\x00"+match+"\x00"+strings.Join(keys, "\x00"),
		`UPDATE `+quoteIdent(w.table)+` SET `+strings.Join(set, ", ")+` WHERE `+quoteIdent(match)+` = ?`)
	if err != nil {
		return 0, err
	}
	res, err := s.ExecContext(w.ctx, append(args, mv)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (w *feedbackWriter) close() {
	for _, s := range w.stmts {
		s.Close()
	}
}
