package sqlite

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-sync/sluice/connectors/internal/column"
	"github.com/sluice-sync/sluice/connectors/sdk"
)

// Read streams a stream's rows as batches of at most req.BatchRows rows
// (DefaultBatchRows when 0), in the order SQLite returns them (a table's
// rowid order). Rows whose deleted column is true go to out.Tombstones,
// rows that cannot be read to out.Reject (positioned "row N", counting
// from 1 in read order), and rows whose cursor is before req.Since are
// skipped (rows without a cursor value are kept). The schema is the one
// Discover returned; when Discover was not called, Read discovers first.
//
// Values are read as stored, never through the driver's own conversions,
// so a time that does not parse is a rejected row rather than a zero
// time.
func (c *conn) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadSink) error {
	if req.View != "" {
		return fmt.Errorf("sqlite %s: a table has no views (asked for %q)", c.path, req.View)
	}
	sh, err := c.shapeOf(ctx, req.Stream, false)
	if err != nil {
		return err
	}
	exprs := make([]string, len(sh.cols))
	for i, col := range sh.cols {
		exprs[i] = "+" + quoteIdent(col)
	}
	rows, err := c.db.QueryContext(ctx, `SELECT `+strings.Join(exprs, ", ")+` FROM `+sh.from)
	if err != nil {
		return fmt.Errorf("sqlite %s: stream %q: %w", c.path, sh.stream.Name, err)
	}
	defer rows.Close()
	batch := req.BatchRows
	if batch <= 0 {
		batch = DefaultBatchRows
	}
	b := column.NewBuilder(sh.stream.Schema, sh.types, batch, out)
	defer b.Release()
	var since int64
	hasSince := !req.Since.IsZero()
	if hasSince {
		since = req.Since.UnixMicro()
	}
	vals := make([]any, len(sh.cols))
	ptrs := make([]any, len(sh.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	texts := make([][]byte, len(sh.cols))
	for n := 1; rows.Next(); n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("sqlite %s: stream %q: %w", c.path, sh.stream.Name, err)
		}
		id, idOK := text(vals[sh.idIdx])
		if vals[sh.idIdx] == nil || !idOK || id == "" {
			if err := out.Reject(sdk.RejectedRow{Position: fmt.Sprintf("row %d", n), Reason: fmt.Sprintf("the id column %q is empty", c.id)}); err != nil {
				return err
			}
			continue
		}
		if sh.delIdx >= 0 {
			if s, ok := text(vals[sh.delIdx]); ok && column.Truthy([]byte(s)) {
				if err := b.Tombstone([]byte(id)); err != nil {
					return err
				}
				continue
			}
		}
		reason := ""
		for i := range sh.cols {
			if r := setValue(&b.Cols[i], vals[i], &texts[i]); r != "" {
				reason = fmt.Sprintf("column %q: %s", sh.cols[i], r)
				break
			}
		}
		if reason != "" {
			if err := out.Reject(sdk.RejectedRow{ID: id, Position: fmt.Sprintf("row %d", n), Reason: reason}); err != nil {
				return err
			}
			continue
		}
		if hasSince && sh.curIdx >= 0 {
			if cc := &b.Cols[sh.curIdx]; !cc.Null && cc.Int < since {
				continue
			}
		}
		if err := b.Append(texts); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite %s: stream %q: %w", c.path, sh.stream.Name, err)
	}
	return b.Close()
}

// setValue sets a builder column's value from a stored one and returns
// why it is not a value of the column's type ("" when it is). A string
// column's text goes to *txt.
func setValue(col *column.Column, v any, txt *[]byte) string {
	col.Null = v == nil
	if col.Null {
		return ""
	}
	switch col.Type {
	case column.String:
		s, ok := text(v)
		if !ok {
			return "not valid UTF-8 text"
		}
		*txt = append((*txt)[:0], s...)
		return ""
	case column.Int:
		switch x := v.(type) {
		case int64:
			col.Int = x
			return ""
		case float64:
			if x == math.Trunc(x) && x >= math.MinInt64 && x < math.MaxInt64 {
				col.Int = int64(x)
				return ""
			}
		case string:
			if i, ok := column.ParseInt(column.TrimSpace([]byte(x))); ok {
				col.Int = i
				return ""
			}
		}
		return fmt.Sprintf("%s is not an integer", quoteValue(v))
	case column.Float:
		switch x := v.(type) {
		case int64:
			col.Float = float64(x)
			return ""
		case float64:
			col.Float = x
			return ""
		case string:
			if f, ok := column.ParseFloat(column.TrimSpace([]byte(x))); ok {
				col.Float = f
				return ""
			}
		}
		return fmt.Sprintf("%s is not a number", quoteValue(v))
	case column.Bool:
		switch x := v.(type) {
		case int64:
			if x == 0 || x == 1 {
				col.Bool = x == 1
				return ""
			}
		case string:
			if b, ok := column.ParseBool(column.TrimSpace([]byte(x))); ok {
				col.Bool = b
				return ""
			}
		}
		return fmt.Sprintf("%s is not a boolean (true, false, yes, no, 1, 0)", quoteValue(v))
	case column.Time:
		switch x := v.(type) {
		case int64:
			if x > -1e11 && x < 1e11 {
				col.Int = x * 1e6
				return ""
			}
		case string:
			s := column.TrimSpace([]byte(x))
			if len(s) == 0 {
				col.Null = true
				return ""
			}
			if us, ok := column.ParseTime(s); ok {
				col.Int = us
				return ""
			}
		}
		return fmt.Sprintf("%s is not a time (RFC 3339, 2006-01-02 15:04:05, or Unix seconds)", quoteValue(v))
	case column.List:
		s, ok := text(v)
		if !ok {
			return "not valid UTF-8 text"
		}
		col.Items = column.SplitList(col.Items[:0], []byte(s))
		return ""
	}
	return "unsupported column type"
}

func quoteValue(v any) string {
	switch x := v.(type) {
	case string:
		return column.Quote([]byte(x))
	case []byte:
		return fmt.Sprintf("a blob of %d bytes", len(x))
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}
