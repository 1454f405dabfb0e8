package state

import (
	"context"
	"database/sql"
	"strings"
)

// batchRows is how many rows one multi-row statement carries. Crossing
// from Go into SQLite costs about as much as writing a row, so a commit of
// 100k members sends ~800 statements, not 100k; 128 rows of the widest
// table stay far below SQLite's limit of 32766 parameters.
const batchRows = 128

// batch buffers rows for a multi-row statement: head, one "(?, …)" group
// of cols parameters per row, then tail. The statement's first parameters
// are the fixed ones given to newBatch (numbered ?1… in head, so the
// groups' "?" continue after them). Rows are sent in the order they were
// added, batchRows per statement, so a row sees the earlier ones: an
// upsert of a key twice keeps the last.
type batch struct {
	tx         *sql.Tx
	head, tail string
	cols       int
	fixed      int
	full       *sql.Stmt // prepared on first use, for batchRows rows
	args       []any
}

func newBatch(tx *sql.Tx, head string, cols int, tail string, fixed ...any) *batch {
	b := &batch{tx: tx, head: head, tail: tail, cols: cols, fixed: len(fixed)}
	b.args = append(make([]any, 0, len(fixed)+batchRows*cols), fixed...)
	return b
}

// add queues one row of b.cols values, sending a full batch.
func (b *batch) add(ctx context.Context, vals ...any) error {
	b.args = append(b.args, vals...)
	if b.rows() < batchRows {
		return nil
	}
	if b.full == nil {
		st, err := b.tx.PrepareContext(ctx, b.query(batchRows))
		if err != nil {
			return err
		}
		b.full = st
	}
	_, err := b.full.ExecContext(ctx, b.args...)
	b.reset()
	return err
}

// flush sends the queued rows.
func (b *batch) flush(ctx context.Context) error {
	n := b.rows()
	if n == 0 {
		return nil
	}
	_, err := b.tx.ExecContext(ctx, b.query(n), b.args...)
	b.reset()
	return err
}

// close releases the prepared statement.
func (b *batch) close() {
	if b.full != nil {
		b.full.Close()
	}
}

func (b *batch) rows() int { return (len(b.args) - b.fixed) / b.cols }

func (b *batch) reset() {
	clear(b.args[b.fixed:]) // drop references to the rows' strings and bytes
	b.args = b.args[:b.fixed]
}

func (b *batch) query(rows int) string {
	group := "(" + strings.Repeat("?, ", b.cols-1) + "?)"
	var q strings.Builder
	q.Grow(len(b.head) + rows*(len(group)+2) + len(b.tail))
	q.WriteString(b.head)
	for i := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(group)
	}
	q.WriteString(b.tail)
	return q.String()
}
