package engine

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl/rowexpr"
)

// evaluator runs a pipeline's compiled criteria and transforms over the
// rows of Arrow batches. It reuses its environments between rows: the
// values it returns are valid until the next call of row, and strings
// alias the batch's memory until cloned. Not safe for concurrent use.
type evaluator struct {
	prog    *rowexpr.Pipeline
	machine vm.VM
	input   []colReader
	envs    []map[string]any // envs[0]: source fields; envs[k+1]: after stage k
	vals    []any            // per stage: scratch for assignments
	out     []any
	keyKind sdk.KeyKind
}

// colReader reads one column's value at a row as the Go value expressions
// see; nil for a null.
type colReader struct {
	name string
	get  func(i int) any
}

func newEvaluator(p *rowexpr.Pipeline, keyKind sdk.KeyKind) *evaluator {
	e := &evaluator{prog: p, keyKind: keyKind}
	e.machine.MemoryBudget = rowexpr.MemoryBudget
	e.envs = make([]map[string]any, len(p.Stages)+1)
	e.envs[0] = make(map[string]any, len(p.Input))
	for i, st := range p.Stages {
		e.envs[i+1] = make(map[string]any, len(st.Out))
	}
	e.out = make([]any, len(p.Output))
	return e
}

// bind prepares reading the columns of rec, whose schema must hold the
// pipeline's input fields.
func (e *evaluator) bind(rec arrow.RecordBatch) error {
	e.input = e.input[:0]
	sc := rec.Schema()
	for _, f := range e.prog.Input {
		idx := sc.FieldIndices(f.Name)
		if len(idx) == 0 {
			return fmt.Errorf("the source's batch has no column %q", f.Name)
		}
		e.input = append(e.input, colReader{name: f.Name, get: reader(rec.Column(idx[0]))})
	}
	return nil
}

// reader returns a function reading one column's values.
func reader(col arrow.Array) func(int) any {
	switch a := col.(type) {
	case *array.String:
		return func(i int) any {
			if a.IsNull(i) {
				return nil
			}
			return a.Value(i)
		}
	case *array.LargeString:
		return func(i int) any {
			if a.IsNull(i) {
				return nil
			}
			return a.Value(i)
		}
	case *array.Int64:
		return func(i int) any {
			if a.IsNull(i) {
				return nil
			}
			return int(a.Value(i))
		}
	case *array.Int32:
		return func(i int) any {
			if a.IsNull(i) {
				return nil
			}
			return int(a.Value(i))
		}
	case *array.Float64:
		return func(i int) any {
			if a.IsNull(i) {
				return nil
			}
			return a.Value(i)
		}
	case *array.Boolean:
		return func(i int) any {
			if a.IsNull(i) {
				return nil
			}
			return a.Value(i)
		}
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return func(i int) any {
			if a.IsNull(i) {
				return nil
			}
			return a.Value(i).ToTime(unit).UTC()
		}
	case *array.List:
		strs, ok := a.ListValues().(*array.String)
		if !ok {
			break
		}
		return func(i int) any {
			if a.IsNull(i) {
				return nil
			}
			start, end := a.ValueOffsets(i)
			out := make([]string, 0, end-start)
			for j := start; j < end; j++ {
				out = append(out, strs.Value(int(j)))
			}
			return out
		}
	}
	return func(i int) any {
		if col.IsNull(i) {
			return nil
		}
		return col.ValueStr(i)
	}
}

// rowResult is what evaluating one row gives.
type rowResult uint8

const (
	rowSelected rowResult = iota + 1
	rowUnmatched
	rowRejected
)

// row evaluates row i of the bound batch. For a selected row it returns
// the output values (in prog.Output order) and the key; for a rejected
// row, the reason.
func (e *evaluator) row(i int) (res rowResult, out []any, key string, reason string) {
	env := e.envs[0]
	for _, c := range e.input {
		env[c.name] = c.get(i)
	}
	if e.prog.Criteria != nil {
		v, err := e.machine.Run(e.prog.Criteria.Prog, env)
		if err != nil {
			return rowRejected, nil, "", "criteria: " + runtimeReason(err)
		}
		if b, _ := v.(bool); !b {
			return rowUnmatched, nil, "", ""
		}
	}
	for k := range e.prog.Stages {
		st := &e.prog.Stages[k]
		prev, next := e.envs[k], e.envs[k+1]
		if cap(e.vals) < len(st.Assign) {
			e.vals = make([]any, len(st.Assign))
		}
		vals := e.vals[:len(st.Assign)]
		for j := range st.Assign {
			v, err := e.machine.Run(st.Assign[j].Prog, prev)
			if err != nil {
				return rowRejected, nil, "", fmt.Sprintf("transform %q, field %q: %s", st.Name, st.Assign[j].Field, runtimeReason(err))
			}
			vals[j] = v
		}
		clear(next)
		if !st.Project {
			for name, v := range prev {
				next[name] = v
			}
		}
		for j := range st.Assign {
			next[st.Assign[j].Field] = vals[j]
		}
		for _, name := range st.Drop {
			delete(next, name)
		}
	}
	final := e.envs[len(e.prog.Stages)]
	for j, f := range e.prog.Output {
		e.out[j] = normalize(final[f.Name])
	}
	if e.prog.KeyIndex < 0 {
		return rowRejected, nil, "", "no key field"
	}
	key, reason = keyOf(e.out[e.prog.KeyIndex], e.prog.Key, e.keyKind)
	if reason != "" {
		return rowRejected, nil, "", reason
	}
	return rowSelected, e.out, key, ""
}

// keyOf turns the key field's value into a member key, or says why not.
func keyOf(v any, field string, kind sdk.KeyKind) (string, string) {
	var key string
	switch k := v.(type) {
	case nil:
		return "", fmt.Sprintf("the key %q is empty", field)
	case string:
		key = k
	case int64:
		key = strconv.FormatInt(k, 10)
	default:
		return "", fmt.Sprintf("the key %q is a %T, not a string", field, v)
	}
	if strings.TrimSpace(key) == "" {
		return "", fmt.Sprintf("the key %q is empty", field)
	}
	if kind == sdk.KeyEmail && !sdk.EmailValid(key) {
		return "", fmt.Sprintf("the key %q is not a valid email address: %q", field, key)
	}
	return key, ""
}

// normalize maps expression results to the value kinds the engine stores:
// string, int64, float64, bool, time.Time (UTC), []string, nil.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case float32:
		return float64(x)
	case time.Time:
		return x.UTC()
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = fmt.Sprint(e)
		}
		return out
	}
	return v
}

// runtimeReason is an evaluation error's message without the snippet.
func runtimeReason(err error) string {
	var fe *file.Error
	if errors.As(err, &fe) {
		return fe.Message
	}
	return err.Error()
}
