package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// Describe returns the sink's description with, as suggestions, the
// columns of the list's table when it exists.
func (c *conn) Describe(ctx context.Context, req sdk.DescribeRequest) (*sdk.SinkInfo, error) {
	si := sinkInfo
	cols, err := c.columns(ctx, c.db, req.List)
	if err != nil {
		return nil, err
	}
	for _, col := range cols {
		t, ok := declaredType(col.decl)
		name := "string"
		if ok {
			name = t.String()
		}
		si.Fields = append(si.Fields, sdk.Field{Name: col.name, Type: name})
	}
	return &si, nil
}

// Suppressions returns nothing: a table has no unsubscribes.
func (c *conn) Suppressions(ctx context.Context, req sdk.SuppressionsRequest) ([]sdk.Suppression, error) {
	return nil, nil
}

// tableColumn is one column of an existing table.
type tableColumn struct {
	name, decl string
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// columns returns the columns of table, nil when it does not exist.
func (c *conn) columns(ctx context.Context, q querier, table string) ([]tableColumn, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, type FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: table %q: %w", c.path, table, err)
	}
	defer rows.Close()
	var out []tableColumn
	for rows.Next() {
		var col tableColumn
		if err := rows.Scan(&col.name, &col.decl); err != nil {
			return nil, fmt.Errorf("sqlite %s: table %q: %w", c.path, table, err)
		}
		out = append(out, col)
	}
	return out, rows.Err()
}

// Write applies one operation to the members of rec in the table named
// by req.List, in one transaction:
//
//   - OpUpsert updates the row whose key column equals the member's key,
//     or inserts one. The columns are the batch's; a column the table
//     lacks is added. A missing table is created when req.Create is set
//     (the key column its primary key), else sdk.ErrListNotFound.
//   - OpRemove and OpDelete delete the row with the key.
//
// A row whose key is null or empty is failed with the reason.
func (c *conn) Write(ctx context.Context, req sdk.WriteRequest, rec arrow.RecordBatch) (*sdk.WriteResponse, error) {
	sc := rec.Schema()
	keyIdx := sc.FieldIndices(req.Key)
	if len(keyIdx) == 0 {
		return nil, fmt.Errorf("sqlite %s: the batch has no key column %q", c.path, req.Key)
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", c.path, err)
	}
	defer tx.Rollback()
	cols, err := c.columns(ctx, tx, req.List)
	if err != nil {
		return nil, err
	}
	if cols == nil {
		if !req.Create || req.Op != sdk.OpUpsert {
			return nil, fmt.Errorf("sqlite %s: table %q: %w", c.path, req.List, sdk.ErrListNotFound)
		}
		var defs []string
		for i, f := range sc.Fields() {
			def := quoteIdent(f.Name) + " " + sqlType(f.Type)
			if i == keyIdx[0] {
				def += " PRIMARY KEY"
			}
			defs = append(defs, def)
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE `+quoteIdent(req.List)+` (`+strings.Join(defs, ", ")+`)`); err != nil {
			return nil, fmt.Errorf("sqlite %s: creating table %q: %w", c.path, req.List, err)
		}
	} else if req.Op == sdk.OpUpsert {
		if err := c.addColumns(ctx, tx, req.List, cols, sc); err != nil {
			return nil, err
		}
	}
	readers := make([]func(int) any, sc.NumFields())
	for i := range readers {
		readers[i] = valueReader(rec.Column(i))
	}
	key := readers[keyIdx[0]]
	resp := &sdk.WriteResponse{}
	table := quoteIdent(req.List)
	keyCol := quoteIdent(req.Key)
	var set, names, marks []string
	for _, f := range sc.Fields() {
		set = append(set, quoteIdent(f.Name)+" = ?")
		names = append(names, quoteIdent(f.Name))
		marks = append(marks, "?")
	}
	var update, insert, del *sql.Stmt
	switch req.Op {
	case sdk.OpUpsert:
		if update, err = tx.PrepareContext(ctx, `UPDATE `+table+` SET `+strings.Join(set, ", ")+` WHERE `+keyCol+` = ?`); err != nil {
			return nil, fmt.Errorf("sqlite %s: %w", c.path, err)
		}
		defer update.Close()
		if insert, err = tx.PrepareContext(ctx, `INSERT INTO `+table+` (`+strings.Join(names, ", ")+`) VALUES (`+strings.Join(marks, ", ")+`)`); err != nil {
			return nil, fmt.Errorf("sqlite %s: %w", c.path, err)
		}
		defer insert.Close()
	case sdk.OpRemove, sdk.OpDelete:
		if del, err = tx.PrepareContext(ctx, `DELETE FROM `+table+` WHERE `+keyCol+` = ?`); err != nil {
			return nil, fmt.Errorf("sqlite %s: %w", c.path, err)
		}
		defer del.Close()
	default:
		return nil, fmt.Errorf("sqlite %s: unknown operation %s", c.path, req.Op)
	}
	args := make([]any, sc.NumFields()+1)
	for i := 0; i < int(rec.NumRows()); i++ {
		k := key(i)
		if k == nil || k == "" {
			resp.Failed = append(resp.Failed, sdk.RecordError{Row: i, Reason: fmt.Sprintf("the key %q is empty", req.Key)})
			continue
		}
		if req.Op != sdk.OpUpsert {
			if _, err := del.ExecContext(ctx, k); err != nil {
				return nil, fmt.Errorf("sqlite %s: %s: %w", c.path, req.Op, err)
			}
			continue
		}
		for j, r := range readers {
			args[j] = r(i)
		}
		args[len(args)-1] = k
		res, err := update.ExecContext(ctx, args...)
		if err != nil {
			resp.Failed = append(resp.Failed, sdk.RecordError{Row: i, Reason: err.Error()})
			continue
		}
		if n, _ := res.RowsAffected(); n > 0 {
			continue
		}
		if _, err := insert.ExecContext(ctx, args[:len(args)-1]...); err != nil {
			resp.Failed = append(resp.Failed, sdk.RecordError{Row: i, Reason: err.Error()})
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", c.path, err)
	}
	return resp, nil
}

// addColumns adds the batch's columns that the table lacks.
func (c *conn) addColumns(ctx context.Context, tx *sql.Tx, table string, have []tableColumn, sc *arrow.Schema) error {
	known := map[string]bool{}
	for _, col := range have {
		known[strings.ToLower(col.name)] = true
	}
	for _, f := range sc.Fields() {
		if known[strings.ToLower(f.Name)] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `ALTER TABLE `+quoteIdent(table)+` ADD COLUMN `+quoteIdent(f.Name)+` `+sqlType(f.Type)); err != nil {
			return fmt.Errorf("sqlite %s: adding column %q to table %q: %w", c.path, f.Name, table, err)
		}
	}
	return nil
}

// sqlType is the declared type of a column holding Arrow values of dt,
// chosen so that reading the table back gives the same Arrow type.
func sqlType(dt arrow.DataType) string {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return "INTEGER"
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return "REAL"
	case arrow.BOOL:
		return "BOOLEAN"
	case arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64:
		return "DATETIME"
	}
	return "TEXT"
}

// valueReader returns a function reading one column's values as SQLite
// parameters: text, integers, reals, 0 or 1 for booleans, RFC 3339 text
// for times, items joined with "; " for lists; nil for a null.
func valueReader(col arrow.Array) func(int) any {
	null := func(i int) bool { return col.IsNull(i) }
	switch a := col.(type) {
	case *array.String:
		return func(i int) any {
			if null(i) {
				return nil
			}
			return a.Value(i)
		}
	case *array.LargeString:
		return func(i int) any {
			if null(i) {
				return nil
			}
			return a.Value(i)
		}
	case *array.Int64:
		return func(i int) any {
			if null(i) {
				return nil
			}
			return a.Value(i)
		}
	case *array.Int32:
		return func(i int) any {
			if null(i) {
				return nil
			}
			return int64(a.Value(i))
		}
	case *array.Float64:
		return func(i int) any {
			if null(i) {
				return nil
			}
			return a.Value(i)
		}
	case *array.Boolean:
		return func(i int) any {
			if null(i) {
				return nil
			}
			if a.Value(i) {
				return int64(1)
			}
			return int64(0)
		}
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return func(i int) any {
			if null(i) {
				return nil
			}
			return stamp(a.Value(i).ToTime(unit))
		}
	case *array.List:
		items, _ := a.ListValues().(*array.String)
		return func(i int) any {
			if null(i) || items == nil {
				return nil
			}
			from, to := a.ValueOffsets(i)
			parts := make([]string, 0, to-from)
			for j := from; j < to; j++ {
				parts = append(parts, items.Value(int(j)))
			}
			return strings.Join(parts, "; ")
		}
	}
	return func(i int) any {
		if null(i) {
			return nil
		}
		return col.ValueStr(i)
	}
}

// stamp is how the connector writes times: RFC 3339 in UTC, with
// fractional seconds only when there are any.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
