package engine

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/engine/plan"
)

// noCursor marks a record without a cursor value.
const noCursor = math.MinInt64

// candidate is a selected, mapped record that reached deduplication.
type candidate struct {
	key    string
	srcID  string
	cursor int64 // unix microseconds, or noCursor
	pos    int64 // the record's place in source order
	vals   []any // mapped values in output order, owned (no batch memory)
	enc    []byte
	hash   uint64
}

// seenState is what became of one source id in this read.
type seenState struct {
	key      string // the key it mapped to when selected
	selected bool
	rejected bool
}

// collector is the read, select, map and deduplicate stages: a ReadSink
// that evaluates each record as it arrives and keeps, per key, the record
// that wins deduplication. It holds the batches only while evaluating
// them: memory grows with the selected keys, not with the input.
type collector struct {
	ctx     context.Context
	eval    *evaluator
	idField string
	cursor  string
	since   int64 // read only records with cursor >= since (noCursor: all)

	summary    plan.Summary
	winners    map[string]*candidate
	order      int64
	duplicates []plan.Skipped // Winner filled in at the end
	dupKeys    []string
	rejected   []plan.Skipped
	seen       map[string]seenState
	tombstones map[string]struct{}
	maxCursor  int64
	progress   func(read int64)
}

func newCollector(ctx context.Context, eval *evaluator, stream sdk.Stream, since time.Time) *collector {
	c := &collector{
		ctx: ctx, eval: eval, idField: stream.IDField, cursor: stream.CursorField,
		since: noCursor, winners: map[string]*candidate{}, seen: map[string]seenState{},
		tombstones: map[string]struct{}{}, maxCursor: noCursor,
	}
	if !since.IsZero() {
		c.since = since.UnixMicro()
	}
	return c
}

// Batch evaluates every row of rec. rec is released by the caller.
func (c *collector) Batch(rec arrow.RecordBatch) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	if err := c.eval.bind(rec); err != nil {
		return err
	}
	ids, err := idColumn(rec, c.idField)
	if err != nil {
		return err
	}
	cursors := cursorColumn(rec, c.cursor)
	n := int(rec.NumRows())
	for i := 0; i < n; i++ {
		cur := int64(noCursor)
		if cursors != nil && cursors.IsValid(i) {
			cur = cursors.Value(i).ToTime(cursors.DataType().(*arrow.TimestampType).Unit).UnixMicro()
		}
		if c.since != noCursor && cur != noCursor && cur < c.since {
			continue // before the watermark: not part of this read
		}
		id := strings.Clone(ids(i))
		c.summary.Read++
		if cur > c.maxCursor {
			c.maxCursor = cur
		}
		pos := c.order
		c.order++
		res, vals, key, reason := c.eval.row(i)
		switch res {
		case rowUnmatched:
			c.summary.Unmatched++
			c.seen[id] = seenState{}
			continue
		case rowRejected:
			c.summary.Selected++
			c.summary.Rejected++
			c.rejected = append(c.rejected, plan.Skipped{Outcome: plan.Rejected, SourceID: id, Reason: reason})
			c.seen[id] = seenState{rejected: true}
			continue
		}
		c.summary.Selected++
		key = strings.Clone(key)
		c.seen[id] = seenState{key: key, selected: true}
		cand := &candidate{key: key, srcID: id, cursor: cur, pos: pos, vals: cloneVals(vals)}
		prev, dup := c.winners[key]
		if !dup {
			c.winners[key] = cand
			continue
		}
		// The greatest cursor wins, then the first in source order.
		loser := cand
		if cur != noCursor && (prev.cursor == noCursor || cur > prev.cursor) {
			c.winners[key] = cand
			loser = prev
		}
		c.summary.Duplicate++
		c.duplicates = append(c.duplicates, plan.Skipped{Outcome: plan.Duplicate, Key: key, SourceID: loser.srcID})
	}
	if c.progress != nil {
		c.progress(int64(c.summary.Read))
	}
	return nil
}

// Tombstones records source ids deleted at the source.
func (c *collector) Tombstones(ids []string) error {
	for _, id := range ids {
		c.tombstones[strings.Clone(id)] = struct{}{}
	}
	return nil
}

// Reject records a row the source could not read.
func (c *collector) Reject(r sdk.RejectedRow) error {
	c.summary.Read++
	c.summary.Selected++
	c.summary.Rejected++
	reason := r.Reason
	if r.Position != "" {
		reason = r.Position + ": " + reason
	}
	c.rejected = append(c.rejected, plan.Skipped{Outcome: plan.Rejected, SourceID: r.ID, Reason: reason})
	if r.ID != "" {
		c.seen[r.ID] = seenState{rejected: true}
	}
	return nil
}

// finish names each duplicate's winner.
func (c *collector) finish() {
	for i := range c.duplicates {
		c.duplicates[i].Winner = c.winners[c.duplicates[i].Key].srcID
	}
}

func cloneVals(vals []any) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		switch x := v.(type) {
		case string:
			out[i] = strings.Clone(x)
		case []string:
			cp := make([]string, len(x))
			for j, s := range x {
				cp[j] = strings.Clone(s)
			}
			out[i] = cp
		default:
			out[i] = v
		}
	}
	return out
}

// idColumn returns a reader of the source id column as strings.
func idColumn(rec arrow.RecordBatch, name string) (func(int) string, error) {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil, fmt.Errorf("the source's batch has no id column %q", name)
	}
	switch a := rec.Column(idx[0]).(type) {
	case *array.String:
		return a.Value, nil
	case *array.Int64:
		return func(i int) string { return fmt.Sprint(a.Value(i)) }, nil
	default:
		col := rec.Column(idx[0])
		return col.ValueStr, nil
	}
}

// cursorColumn returns the cursor column, or nil when there is none.
func cursorColumn(rec arrow.RecordBatch, name string) *array.Timestamp {
	if name == "" {
		return nil
	}
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil
	}
	ts, _ := rec.Column(idx[0]).(*array.Timestamp)
	return ts
}
