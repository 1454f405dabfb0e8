package engine

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/engine/plan"
	"github.com/sluice-sync/sluice/engine/state"
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
	read     bool // the id was read (selected, unmatched or rejected)
	rejected bool
}

// seenMode says which source ids a collector tracks. The diff only asks
// about the source ids of the state's members, so when the state holds
// none nothing is tracked, and on a full read only those ids are, found
// in the state before reading.
type seenMode uint8

const (
	seenAll   seenMode = iota // every id read (an incremental read)
	seenKnown                 // only the ids already in seen
	seenNone                  // none: the state holds no member
)

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
	seenMode   seenMode
	tombstones map[string]struct{}

	// With a bound (>= 0), at most bound winners can be added (see
	// limitAdds): the winners after them that are not suppressed keep
	// only their source id, in beyond, by key.
	bound      int
	suppressed map[string]state.SuppressionReason
	potential  int // winners so far that may be added
	beyond     map[string]string
	maxCursor  int64
	progress   func(read int64)
}

// trackSeen chooses what the collector remembers of the ids it reads:
// see seenMode. It reads the state, so it runs before the read.
func (c *collector) trackSeen(ctx context.Context, st state.Store, pipeline string, incremental bool) error {
	if incremental {
		n, err := st.CountMembers(ctx, pipeline)
		if err != nil {
			return err
		}
		c.seenMode = seenAll
		if n == 0 {
			c.seenMode = seenNone
		}
		return nil
	}
	err := st.EachMember(ctx, pipeline, false, func(m state.Member) error {
		c.seen[m.SourceID] = seenState{}
		return nil
	})
	if err != nil {
		return err
	}
	c.seenMode = seenKnown
	if len(c.seen) == 0 {
		c.seenMode = seenNone
	}
	return nil
}

// limitAdds bounds the winners whose mapped values are kept. When the
// source has no cursor and the state holds no member, every winner is
// the first record of its key and stays the winner, in source order, and
// the quota stage admits the winners that are not suppressed in that
// order until the room it computes, which is at most the quota and at
// most limits.max_contacts. The winners after that many can only be over
// quota: nothing of them but their key and source id is needed. limit is
// that bound, or -1 for none.
func (c *collector) limitAdds(limit int, suppressed map[string]state.SuppressionReason) {
	if limit < 0 || c.cursor != "" || c.seenMode != seenNone {
		return
	}
	c.bound, c.suppressed, c.beyond = limit, suppressed, map[string]string{}
}

// see records what became of a source id read.
func (c *collector) see(id string, rejected bool) {
	switch c.seenMode {
	case seenNone:
		return
	case seenKnown:
		if _, ok := c.seen[id]; !ok {
			return
		}
	case seenAll:
		if _, ok := c.seen[id]; !ok {
			id = strings.Clone(id)
		}
	}
	c.seen[id] = seenState{read: true, rejected: rejected}
}

func newCollector(ctx context.Context, eval *evaluator, stream sdk.Stream, since time.Time) *collector {
	c := &collector{
		ctx: ctx, eval: eval, idField: stream.IDField, cursor: stream.CursorField,
		since: noCursor, winners: map[string]*candidate{}, seen: map[string]seenState{}, bound: -1,
		tombstones: map[string]struct{}{}, maxCursor: noCursor,
	}
	if !since.IsZero() {
		c.since = since.UnixMicro()
	}
	return c
}

// Batch evaluates every row of rec. rec is released by the caller.
func (c *collector) Batch(rec arrow.RecordBatch) error {
	evs, err := c.evaluate(c.eval, rec, nil)
	if err != nil {
		return err
	}
	return c.absorb(rec, evs)
}

// evaluated is what became of one row of a batch in evaluation.
type evaluated struct {
	res    rowResult // 0: before since, not part of this read
	cur    int64     // the cursor, or noCursor
	key    string    // a selected row's key; it may alias the batch
	reason string    // a rejected row's reason
	vals   []any     // a selected row's values, owned
	enc    []byte    // their canonical encoding
	hash   uint64    // and its hash
}

// evaluate runs the criteria and transforms over every row of rec with
// e, appending to evs. It keeps no state of the collector's, so batches
// can be evaluated in parallel, each with its own evaluator; absorb then
// takes the results in source order.
func (c *collector) evaluate(e *evaluator, rec arrow.RecordBatch, evs []evaluated) ([]evaluated, error) {
	if err := c.ctx.Err(); err != nil {
		return nil, err
	}
	if err := e.bind(rec); err != nil {
		return nil, err
	}
	cursors := cursorColumn(rec, c.cursor)
	n := int(rec.NumRows())
	evs = slices.Grow(evs[:0], n)
	for i := 0; i < n; i++ {
		cur := int64(noCursor)
		if cursors != nil && cursors.IsValid(i) {
			cur = cursors.Value(i).ToTime(cursors.DataType().(*arrow.TimestampType).Unit).UnixMicro()
		}
		if c.since != noCursor && cur != noCursor && cur < c.since {
			evs = append(evs, evaluated{}) // before the watermark: not part of this read
			continue
		}
		res, vals, key, reason := e.row(i)
		ev := evaluated{res: res, cur: cur}
		switch res {
		case rowRejected:
			ev.reason = reason
		case rowSelected:
			// Encoding here, while the values are in the cache and on
			// another core, spares the diff and apply a pass over the
			// winners that misses it.
			ev.key, ev.vals = key, cloneVals(vals)
			ev.enc = encodeFields(make([]byte, 0, encodedSize(e.prog.Output, vals)), e.prog.Output, vals)
			ev.hash = hashFields(ev.enc)
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

// absorb takes the evaluated rows of rec, in order: counts, the source
// ids seen, rejections, and deduplication, keeping per key the record
// that wins.
func (c *collector) absorb(rec arrow.RecordBatch, evs []evaluated) error {
	ids, err := idColumn(rec, c.idField)
	if err != nil {
		return err
	}
	for i := range evs {
		ev := &evs[i]
		if ev.res == 0 {
			continue
		}
		cur, key, vals := ev.cur, ev.key, ev.vals
		id := ids(i) // aliases the batch: cloned where it is kept
		c.summary.Read++
		if cur > c.maxCursor {
			c.maxCursor = cur
		}
		pos := c.order
		c.order++
		switch ev.res {
		case rowUnmatched:
			c.summary.Unmatched++
			c.see(id, false)
			continue
		case rowRejected:
			c.summary.Selected++
			c.summary.Rejected++
			c.rejected = append(c.rejected, plan.Skipped{Outcome: plan.Rejected, SourceID: strings.Clone(id), Reason: ev.reason})
			c.see(id, true)
			continue
		}
		c.summary.Selected++
		c.see(id, false)
		if prev, dup := c.winners[key]; dup {
			// The greatest cursor wins, then the first in source order.
			loser := strings.Clone(id)
			if cur != noCursor && (prev.cursor == noCursor || cur > prev.cursor) {
				c.winners[prev.key] = &candidate{key: prev.key, srcID: loser, cursor: cur, pos: pos, vals: vals, enc: ev.enc, hash: ev.hash}
				loser = prev.srcID
			}
			c.summary.Duplicate++
			c.duplicates = append(c.duplicates, plan.Skipped{Outcome: plan.Duplicate, Key: prev.key, SourceID: loser})
			continue
		}
		if _, dup := c.beyond[key]; dup {
			// Without a cursor the first in source order wins; finish
			// names it.
			c.summary.Duplicate++
			c.duplicates = append(c.duplicates, plan.Skipped{Outcome: plan.Duplicate, Key: strings.Clone(key), SourceID: strings.Clone(id)})
			continue
		}
		raw := id
		id = strings.Clone(id)
		if key == raw {
			key = id // one copy for a key that is the source id
		} else {
			key = strings.Clone(key)
		}
		if c.bound >= 0 {
			if _, excluded := c.suppressed[key]; !excluded {
				if c.potential >= c.bound {
					c.beyond[key] = id
					continue
				}
				c.potential++
			}
		}
		c.winners[key] = &candidate{key: key, srcID: id, cursor: cur, pos: pos, vals: vals, enc: ev.enc, hash: ev.hash}
	}
	if c.progress != nil {
		c.progress(int64(c.summary.Read))
	}
	return nil
}

// overlap is a ReadSink that runs a collector beside the source, on the
// other cores: evaluators (one per core, each with its own evaluator)
// evaluate batches as they arrive while the source builds the next ones,
// and one goroutine absorbs the results, tombstones and rejects in the
// order the source sent them, so the outcome is that of calling the
// collector directly. A batch is retained until it is absorbed. An error
// of the collector is returned by the next call, and by wait.
type overlap struct {
	c       *collector
	jobs    chan *readJob // batches to evaluate
	ordered chan *readJob // everything, in the order it came
	done    chan struct{}
	workers sync.WaitGroup
	mu      sync.Mutex
	err     error
}

// readJob is one call of the ReadSink: a batch, tombstones or a reject.
type readJob struct {
	rec   arrow.RecordBatch
	tomb  []string
	rej   *sdk.RejectedRow
	evs   []evaluated
	err   error
	ready chan struct{} // closed once a batch is evaluated
}

const (
	// evaluators is how many batches are evaluated at once.
	evaluators = 2
	// batchesAhead bounds the batches read but not yet absorbed.
	batchesAhead = 4
)

func newOverlap(c *collector) *overlap {
	o := &overlap{c: c, jobs: make(chan *readJob, batchesAhead), ordered: make(chan *readJob, batchesAhead), done: make(chan struct{})}
	for range evaluators {
		e := newEvaluator(c.eval.prog, c.eval.keyKind)
		o.workers.Add(1)
		go func() {
			defer o.workers.Done()
			for j := range o.jobs {
				if o.failed() == nil {
					j.evs, j.err = c.evaluate(e, j.rec, nil)
				}
				close(j.ready)
			}
		}()
	}
	go o.absorb()
	return o
}

func (o *overlap) absorb() {
	defer close(o.done)
	for j := range o.ordered {
		if j.rec != nil {
			<-j.ready
		}
		if o.failed() == nil {
			err := j.err
			switch {
			case err != nil:
			case j.rec != nil:
				err = o.c.absorb(j.rec, j.evs)
			case j.rej != nil:
				err = o.c.Reject(*j.rej)
			default:
				err = o.c.Tombstones(j.tomb)
			}
			if err != nil {
				o.mu.Lock()
				o.err = err
				o.mu.Unlock()
			}
		}
		if j.rec != nil {
			j.rec.Release()
		}
	}
}

func (o *overlap) failed() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

func (o *overlap) send(j *readJob) error {
	if err := o.failed(); err != nil {
		if j.rec != nil {
			j.rec.Release()
		}
		return err
	}
	o.ordered <- j
	if j.rec != nil {
		o.jobs <- j
	}
	return nil
}

func (o *overlap) Batch(rec arrow.RecordBatch) error {
	rec.Retain()
	return o.send(&readJob{rec: rec, ready: make(chan struct{})})
}

// Tombstones and Reject pass copies: what the source hands over is only
// its until the call returns.
func (o *overlap) Tombstones(ids []string) error {
	cp := make([]string, len(ids))
	for i, id := range ids {
		cp[i] = strings.Clone(id)
	}
	return o.send(&readJob{tomb: cp})
}

func (o *overlap) Reject(r sdk.RejectedRow) error {
	r.ID, r.Position, r.Reason = strings.Clone(r.ID), strings.Clone(r.Position), strings.Clone(r.Reason)
	return o.send(&readJob{rej: &r})
}

// wait lets the collector finish what was sent and returns its error.
// It must be called once, after the source's Read returned.
func (o *overlap) wait() error {
	close(o.jobs)
	close(o.ordered)
	o.workers.Wait()
	<-o.done
	return o.failed()
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
		c.see(r.ID, true)
	}
	return nil
}

// finish names each duplicate's winner.
func (c *collector) finish() {
	for i := range c.duplicates {
		if w := c.winners[c.duplicates[i].Key]; w != nil {
			c.duplicates[i].Winner = w.srcID
		} else {
			c.duplicates[i].Winner = c.beyond[c.duplicates[i].Key]
		}
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
