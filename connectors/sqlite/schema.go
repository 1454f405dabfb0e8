package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-sync/sluice/connectors/internal/column"
	"github.com/sluice-sync/sluice/connectors/sdk"
)

// errNoID is wrapped by the error of discovering a stream without the id
// column.
var errNoID = errors.New("no id column")

// observeRows bounds the rows Discover looks at to type the columns whose
// declared type does not decide it.
const observeRows = 10000

// shape is what Discover found of one stream: where its rows come from,
// its columns with their types, and the sdk.Stream describing it.
type shape struct {
	from   string // the FROM clause: a quoted table, or a parenthesised query
	cols   []string
	types  []column.Type
	stream sdk.Stream
	idIdx  int
	curIdx int // -1 when none
	delIdx int // -1 when none
}

// declaredType maps a declared column type to a column type following
// SQLite's affinity rules, with booleans and times recognised by name.
// decided is false when the declaration does not decide the type (none,
// BLOB, NUMERIC, DECIMAL): the stored values do.
func declaredType(decl string) (t column.Type, decided bool) {
	d := strings.ToUpper(decl)
	switch {
	case d == "":
		return 0, false
	case strings.Contains(d, "BOOL"):
		return column.Bool, true
	case strings.Contains(d, "DATE"), strings.Contains(d, "TIME"):
		return column.Time, true
	case strings.Contains(d, "INT"):
		return column.Int, true
	case strings.Contains(d, "CHAR"), strings.Contains(d, "CLOB"), strings.Contains(d, "TEXT"), strings.Contains(d, "JSON"):
		return column.String, true
	case strings.Contains(d, "REAL"), strings.Contains(d, "FLOA"), strings.Contains(d, "DOUB"):
		return column.Float, true
	}
	return 0, false
}

// observed accumulates the storage classes of one column's values.
type observed struct {
	ints, floats, texts, times, others int
}

func (o *observed) add(v any) {
	switch x := v.(type) {
	case nil:
	case int64:
		o.ints++
	case float64:
		o.floats++
	case string:
		if _, ok := column.ParseTime([]byte(strings.TrimSpace(x))); ok {
			o.times++
		} else {
			o.texts++
		}
	default:
		o.others++
	}
}

// typ types a column from its values: int when all are integers, float
// when all are numbers, time when all are texts that read as times,
// string otherwise (and when there are none).
func (o *observed) typ() column.Type {
	switch {
	case o.texts+o.others > 0:
		return column.String
	case o.times > 0 && o.ints+o.floats == 0:
		return column.Time
	case o.times > 0:
		return column.String
	case o.floats > 0:
		return column.Float
	case o.ints > 0:
		return column.Int
	}
	return column.String
}

// streamNames lists the streams the connection offers.
func (c *conn) streamNames(ctx context.Context) ([]string, error) {
	switch {
	case c.query != "":
		return []string{c.stream}, nil
	case c.table != "":
		return []string{c.table}, nil
	}
	rows, err := c.db.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", c.path, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("sqlite %s: %w", c.path, err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// from returns the FROM clause of a stream, or an error naming the
// streams there are.
func (c *conn) from(ctx context.Context, stream string) (string, error) {
	if c.query != "" {
		if stream != "" && stream != c.stream {
			return "", fmt.Errorf("sqlite %s: no stream %q; the query's stream is %q", c.path, stream, c.stream)
		}
		return "(" + c.query + ")", nil
	}
	names, err := c.streamNames(ctx)
	if err != nil {
		return "", err
	}
	if stream == "" {
		if len(names) == 1 {
			return quoteIdent(names[0]), nil
		}
		return "", fmt.Errorf("sqlite %s: name a table as the module; the file has %s", c.path, quoteList(names))
	}
	for _, n := range names {
		if strings.EqualFold(n, stream) {
			return quoteIdent(n), nil
		}
	}
	if c.table != "" {
		return "", fmt.Errorf("sqlite %s: no stream %q; the connection reads the table %q", c.path, stream, c.table)
	}
	return "", fmt.Errorf("sqlite %s: no table %q; the file has %s", c.path, stream, quoteList(names))
}

func quoteList(names []string) string {
	if len(names) == 0 {
		return "no tables"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// discover types one stream's columns: the types setting first, then the
// cursor (a time) and the id (a string unless an integer), then the
// declared type, then the stored values.
func (c *conn) discover(ctx context.Context, name string) (*shape, error) {
	from, err := c.from(ctx, name)
	if err != nil {
		return nil, err
	}
	if name == "" {
		if c.query != "" {
			name = c.stream
		} else {
			name = strings.ReplaceAll(strings.Trim(from, `"`), `""`, `"`)
		}
	}
	rows, err := c.db.QueryContext(ctx, `SELECT * FROM `+from+` LIMIT 0`)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: stream %q: %w", c.path, name, err)
	}
	cts, err := rows.ColumnTypes()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: stream %q: %w", c.path, name, err)
	}
	sh := &shape{from: from, idIdx: -1, curIdx: -1, delIdx: -1}
	var undecided []int
	seen := map[string]bool{}
	for i, ct := range cts {
		col := ct.Name()
		if seen[col] {
			return nil, fmt.Errorf("sqlite %s: stream %q has two columns named %q; alias one of them", c.path, name, col)
		}
		seen[col] = true
		sh.cols = append(sh.cols, col)
		t, decided := declaredType(ct.DatabaseTypeName())
		if !decided {
			undecided = append(undecided, i)
		}
		sh.types = append(sh.types, t)
		switch col {
		case c.id:
			sh.idIdx = i
		case c.cursor:
			sh.curIdx = i
		case c.deleted:
			sh.delIdx = i
		}
	}
	if sh.idIdx < 0 {
		return nil, fmt.Errorf("sqlite %s: stream %q has no id column %q (it has %s); set id to the column holding each record's id: %w", c.path, name, c.id, quoteList(sh.cols), errNoID)
	}
	// Reading one table or query, its cursor and deleted columns must be
	// there; among all the tables of a file, a table without them is a
	// stream without a cursor or tombstones.
	one := c.table != "" || c.query != ""
	if c.cursor != "" && sh.curIdx < 0 && one {
		return nil, fmt.Errorf("sqlite %s: stream %q has no cursor column %q", c.path, name, c.cursor)
	}
	if c.deleted != "" && sh.delIdx < 0 && one {
		return nil, fmt.Errorf("sqlite %s: stream %q has no deleted column %q", c.path, name, c.deleted)
	}
	if len(undecided) > 0 {
		if err := c.observe(ctx, sh, undecided); err != nil {
			return nil, fmt.Errorf("sqlite %s: stream %q: %w", c.path, name, err)
		}
	}
	fields := make([]arrow.Field, len(sh.cols))
	for i, col := range sh.cols {
		if t, ok := c.types[col]; ok && t != 0 {
			sh.types[i] = t
		} else if i == sh.curIdx {
			sh.types[i] = column.Time
		} else if i == sh.idIdx && sh.types[i] != column.Int {
			sh.types[i] = column.String
		}
		fields[i] = arrow.Field{Name: col, Type: sh.types[i].Arrow(), Nullable: i != sh.idIdx}
	}
	sh.stream = sdk.Stream{Name: name, Schema: arrow.NewSchema(fields, nil), IDField: c.id, Tombstones: sh.delIdx >= 0}
	if sh.curIdx >= 0 {
		sh.stream.CursorField = c.cursor
	}
	return sh, nil
}

// observe types the undecided columns from up to observeRows rows.
func (c *conn) observe(ctx context.Context, sh *shape, idx []int) error {
	exprs := make([]string, len(idx))
	for i, j := range idx {
		exprs[i] = "+" + quoteIdent(sh.cols[j])
	}
	rows, err := c.db.QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM %s LIMIT %d`, strings.Join(exprs, ", "), sh.from, observeRows))
	if err != nil {
		return err
	}
	defer rows.Close()
	obs := make([]observed, len(idx))
	vals := make([]any, len(idx))
	ptrs := make([]any, len(idx))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			obs[i].add(v)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i, j := range idx {
		sh.types[j] = obs[i].typ()
	}
	return nil
}

// shapeOf returns the shape Discover found for stream, discovering it when
// it was not.
func (c *conn) shapeOf(ctx context.Context, stream string, fresh bool) (*shape, error) {
	c.mu.Lock()
	sh, ok := c.shapes[stream]
	c.mu.Unlock()
	if ok && !fresh {
		return sh, nil
	}
	sh, err := c.discover(ctx, stream)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.shapes[stream] = sh
	c.shapes[sh.stream.Name] = sh
	c.mu.Unlock()
	return sh, nil
}

// Discover types the stream asked for, or every stream (leaving out,
// when there are several, the tables without the id column, which cannot
// be sources), and keeps what it found: Read uses the same schema.
func (c *conn) Discover(ctx context.Context, req sdk.DiscoverRequest) (*sdk.DiscoverResponse, error) {
	names := []string{req.Stream}
	if req.Stream == "" {
		var err error
		if names, err = c.streamNames(ctx); err != nil {
			return nil, err
		}
	}
	resp := &sdk.DiscoverResponse{}
	for _, n := range names {
		sh, err := c.shapeOf(ctx, n, true)
		if err != nil {
			if req.Stream == "" && len(names) > 1 && errors.Is(err, errNoID) {
				continue // a table without the id column is no source
			}
			return nil, err
		}
		resp.Streams = append(resp.Streams, sh.stream)
	}
	return resp, nil
}

// text returns a stored value as text for a string column: text as it
// is, numbers as SQLite writes them; false when it is not text (a blob
// of invalid UTF-8).
func text(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, utf8.ValidString(x)
	case []byte:
		return string(x), utf8.Valid(x)
	case int64:
		return fmt.Sprint(x), true
	case float64:
		return fmt.Sprint(x), true
	}
	return "", false
}
