package lists

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-sync/sluice/connectors/jsonl"
	"github.com/sluice-sync/sluice/connectors/sdk"
)

// describeSample bounds the members Describe looks at for field names.
const describeSample = 1000

// Describe returns the sink's description with, as suggestions, the
// fields found on (up to describeSample of) the list's members. The list
// need not exist.
func (c *conn) Describe(ctx context.Context, req sdk.DescribeRequest) (*sdk.SinkInfo, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT fields FROM members WHERE list = ? LIMIT ?`, req.List, describeSample)
	if err != nil {
		return nil, fmt.Errorf("lists %s: %w", c.path, err)
	}
	defer rows.Close()
	types := map[string]string{}
	for rows.Next() {
		var fields sql.NullString
		if err := rows.Scan(&fields); err != nil {
			return nil, fmt.Errorf("lists %s: %w", c.path, err)
		}
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(fields.String), &m) != nil {
			continue // edited by hand into something else; not a field list
		}
		for name, raw := range m {
			t := jsonType(raw)
			if prev, ok := types[name]; ok && prev != t {
				t = "string"
			}
			types[name] = t
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lists %s: %w", c.path, err)
	}
	si := sinkInfo
	for name, t := range types {
		si.Fields = append(si.Fields, sdk.Field{Name: name, Type: t})
	}
	sort.Slice(si.Fields, func(i, j int) bool { return si.Fields[i].Name < si.Fields[j].Name })
	return &si, nil
}

// jsonType names the field type of a stored JSON value.
func jsonType(raw json.RawMessage) string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return "string"
	}
	switch x := v.(type) {
	case bool:
		return "bool"
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return "int"
		}
		return "float"
	case []any:
		for _, item := range x {
			if _, ok := item.(string); !ok {
				return "string"
			}
		}
		return "[]string"
	}
	return "string"
}

// Suppressions returns the list's unsubscribed and complained members
// (List set) and every do_not_mail key (List ""), each sorted by key.
func (c *conn) Suppressions(ctx context.Context, req sdk.SuppressionsRequest) ([]sdk.Suppression, error) {
	var out []sdk.Suppression
	rows, err := c.db.QueryContext(ctx,
		`SELECT key, status FROM members WHERE list = ? AND status IN ('unsubscribed', 'complained') ORDER BY key`, req.List)
	if err != nil {
		return nil, fmt.Errorf("lists %s: %w", c.path, err)
	}
	for rows.Next() {
		var key, status string
		if err := rows.Scan(&key, &status); err != nil {
			rows.Close()
			return nil, fmt.Errorf("lists %s: %w", c.path, err)
		}
		reason := sdk.SuppressUnsubscribed
		if status == StatusComplained {
			reason = sdk.SuppressComplained
		}
		out = append(out, sdk.Suppression{Key: key, Reason: reason, List: req.List})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lists %s: %w", c.path, err)
	}
	rows, err = c.db.QueryContext(ctx, `SELECT key FROM do_not_mail ORDER BY key`)
	if err != nil {
		return nil, fmt.Errorf("lists %s: %w", c.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return nil, fmt.Errorf("lists %s: %w", c.path, err)
		}
		out = append(out, sdk.Suppression{Key: key, Reason: sdk.SuppressDoNotMail})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lists %s: %w", c.path, err)
	}
	return out, nil
}

// Write applies one operation to the members of rec, in one transaction:
// all of the batch's accepted rows are committed, or none.
//
//   - OpUpsert adds each member with status active, or replaces the
//     fields of an existing one, keeping its status: an upsert never
//     re-activates an unsubscribed, bounced or complained member. The
//     fields are the batch's columns but the key, stored as one JSON
//     object (nulls left out). The list is created when req.Create is
//     set; otherwise a missing list is sdk.ErrListNotFound.
//   - OpRemove deletes the members from the list (sdk.ErrListNotFound
//     when it does not exist).
//   - OpDelete deletes the keys from every list.
//
// A row whose key is empty, or for an upsert not a valid email address
// (sdk.EmailValid), or whose fields cannot be written as JSON, is failed
// with the reason; the other rows are written.
func (c *conn) Write(ctx context.Context, req sdk.WriteRequest, rec arrow.RecordBatch) (*sdk.WriteResponse, error) {
	keys, err := keyColumn(rec, req.Key)
	if err != nil {
		return nil, fmt.Errorf("lists %s: %w", c.path, err)
	}
	var enc *jsonl.Encoder
	switch req.Op {
	case sdk.OpUpsert:
		if enc, err = jsonl.NewEncoder(rec, jsonl.EncoderOptions{Skip: []string{req.Key}, OmitNull: true}); err != nil {
			return nil, fmt.Errorf("lists %s: %w", c.path, err)
		}
	case sdk.OpRemove, sdk.OpDelete:
	default:
		return nil, fmt.Errorf("lists %s: unknown operation %s", c.path, req.Op)
	}

	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("lists %s: %w", c.path, err)
	}
	defer tx.Rollback()
	if req.Op != sdk.OpDelete {
		if err := c.ensureList(ctx, tx, req.List, req.Create && req.Op == sdk.OpUpsert); err != nil {
			return nil, err
		}
	}
	resp := &sdk.WriteResponse{}
	w := newWriter(ctx, tx, req)
	defer w.close()
	now := stamp(c.now())
	var fields []byte
	for i := 0; i < int(rec.NumRows()); i++ {
		if keys.IsNull(i) || keys.Value(i) == "" {
			resp.Failed = append(resp.Failed, sdk.RecordError{Row: i, Reason: fmt.Sprintf("the key %q is empty", req.Key)})
			continue
		}
		key := keys.Value(i)
		if req.Op == sdk.OpUpsert {
			if !sdk.EmailValid(key) {
				resp.Failed = append(resp.Failed, sdk.RecordError{Row: i, Reason: fmt.Sprintf("%q is not a valid email address", key)})
				continue
			}
			if fields, err = enc.AppendRow(fields[:0], i); err != nil {
				resp.Failed = append(resp.Failed, sdk.RecordError{Row: i, Reason: err.Error()})
				continue
			}
		}
		if err := w.add(key, string(fields), now); err != nil {
			return nil, fmt.Errorf("lists %s: %s: %w", c.path, req.Op, err)
		}
	}
	if err := w.flush(); err != nil {
		return nil, fmt.Errorf("lists %s: %s: %w", c.path, req.Op, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("lists %s: %w", c.path, err)
	}
	return resp, nil
}

// ensureList checks that the list exists, creating it when create is set.
func (c *conn) ensureList(ctx context.Context, tx *sql.Tx, list string, create bool) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM lists WHERE name = ?`, list).Scan(&one)
	switch {
	case err == nil:
		return nil
	case err != sql.ErrNoRows:
		return fmt.Errorf("lists %s: %w", c.path, err)
	case !create:
		return fmt.Errorf("lists %s: list %q: %w", c.path, list, sdk.ErrListNotFound)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO lists(name, created_at) VALUES(?, ?)`, list, stamp(c.now())); err != nil {
		return fmt.Errorf("lists %s: creating list %q: %w", c.path, list, err)
	}
	return nil
}

// keyColumn returns rec's key column, which must be a string column.
func keyColumn(rec arrow.RecordBatch, key string) (*array.String, error) {
	idx := rec.Schema().FieldIndices(key)
	if len(idx) == 0 {
		return nil, fmt.Errorf("the batch has no key column %q", key)
	}
	col, ok := rec.Column(idx[0]).(*array.String)
	if !ok {
		return nil, fmt.Errorf("the key column %q is %s, not a string", key, rec.Column(idx[0]).DataType())
	}
	return col, nil
}

// rowsPerStatement is how many rows one statement writes: fewer, larger
// statements cost less than one per row.
const rowsPerStatement = 64

// writer applies one operation to rows in statements of up to
// rowsPerStatement rows, each prepared once per Write.
type writer struct {
	ctx   context.Context
	tx    *sql.Tx
	req   sdk.WriteRequest
	args  []any
	n     int // rows in args
	stmts map[int]*sql.Stmt
}

func newWriter(ctx context.Context, tx *sql.Tx, req sdk.WriteRequest) *writer {
	return &writer{ctx: ctx, tx: tx, req: req, stmts: map[int]*sql.Stmt{}}
}

// add queues one row; fields and now are used by upserts only.
func (w *writer) add(key, fields, now string) error {
	switch w.req.Op {
	case sdk.OpUpsert:
		w.args = append(w.args, w.req.List, key, fields, now)
	case sdk.OpRemove:
		w.args = append(w.args, w.req.List, key)
	case sdk.OpDelete:
		w.args = append(w.args, key)
	}
	if w.n++; w.n == rowsPerStatement {
		return w.flush()
	}
	return nil
}

// flush executes the queued rows.
func (w *writer) flush() error {
	if w.n == 0 {
		return nil
	}
	stmt, ok := w.stmts[w.n]
	if !ok {
		var err error
		if stmt, err = w.tx.PrepareContext(w.ctx, statement(w.req.Op, w.n)); err != nil {
			return err
		}
		w.stmts[w.n] = stmt
	}
	if _, err := stmt.ExecContext(w.ctx, w.args...); err != nil {
		return err
	}
	w.args, w.n = w.args[:0], 0
	return nil
}

func (w *writer) close() {
	for _, s := range w.stmts {
		s.Close()
	}
}

// statement returns the SQL applying op to n rows.
func statement(op sdk.Op, n int) string {
	var b strings.Builder
	switch op {
	case sdk.OpUpsert:
		b.WriteString(`INSERT INTO members(list, key, status, fields, updated_at) VALUES `)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`(?, ?, 'active', ?, ?)`)
		}
		b.WriteString(` ON CONFLICT(list, key) DO UPDATE SET fields = excluded.fields, updated_at = excluded.updated_at`)
	case sdk.OpRemove:
		b.WriteString(`DELETE FROM members WHERE (list, key) IN (VALUES `)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`(?, ?)`)
		}
		b.WriteString(`)`)
	case sdk.OpDelete:
		b.WriteString(`DELETE FROM members WHERE key IN (`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`?`)
		}
		b.WriteString(`)`)
	}
	return b.String()
}
