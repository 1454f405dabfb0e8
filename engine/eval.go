package engine

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl/rowexpr"
)

// evaluator runs a pipeline's compiled criteria and transforms over the
// rows of Arrow batches. It reuses its environments between rows: the
// values it returns are valid until the next call of row, and strings
// alias the batch's memory until cloned. Not safe for concurrent use.
//
// Of the source fields, a row's environment holds only those the
// expressions can read: first the criteria's, then, for a selected row,
// the others the transforms need. Building the environment dominates the
// cost of a row, and most rows fail the criteria.
type evaluator struct {
	prog    *rowexpr.Pipeline
	machine vm.VM
	crit    []colReader // the fields the criteria reads
	rest    []colReader // the other fields the transforms (or the output) read
	critSet map[string]bool
	needSet map[string]bool  // nil: every source field
	envs    []map[string]any // envs[0]: source fields; envs[k+1]: after stage k
	vals    []any            // per stage: scratch for assignments
	out     []any
	keyKind sdk.KeyKind
	assigns [][]assign // per stage, how each field is computed
}

// assign is how the evaluator computes one transform field. Most fields
// copy a field or are a constant: they are computed without running the
// program, with the result running it would give.
type assign struct {
	kind assignKind
	name string // assignField: the field read
	val  any    // assignConst: the value
}

type assignKind uint8

const (
	assignRun   assignKind = iota // run the program
	assignField                   // the program reads one field
	assignConst                   // the program is a constant
)

// assignOf finds how prog, over the given fields, can be computed: see
// assign.
func assignOf(machine *vm.VM, prog *vm.Program, fields []rowexpr.Field) assign {
	switch n := prog.Node().(type) {
	case *ast.IdentifierNode:
		for _, f := range fields {
			if f.Name == n.Value {
				return assign{kind: assignField, name: n.Value}
			}
		}
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.NilNode, *ast.ConstantNode:
		v, err := machine.Run(prog, map[string]any{})
		if err != nil {
			break
		}
		switch v.(type) {
		case nil, string, int, int64, float64, bool:
			return assign{kind: assignConst, val: v}
		}
	}
	return assign{kind: assignRun}
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
	e.assigns = make([][]assign, len(p.Stages))
	fields := p.Input
	for k, st := range p.Stages {
		e.assigns[k] = make([]assign, len(st.Assign))
		for j, a := range st.Assign {
			e.assigns[k][j] = assignOf(&e.machine, a.Prog, fields)
		}
		fields = st.Out
	}
	if p.Criteria != nil {
		e.critSet = names(p.Criteria.Prog)
	}
	// The first stage reads the source fields its expressions name; one
	// that passes the fields on (set, not fields), or no stage at all,
	// hands every source field to the output.
	if len(p.Stages) > 0 && p.Stages[0].Project {
		e.needSet = map[string]bool{}
		for _, a := range p.Stages[0].Assign {
			ns := names(a.Prog)
			if ns == nil {
				e.needSet = nil
				break
			}
			for n := range ns {
				e.needSet[n] = true
			}
		}
	}
	return e
}

// names returns the identifiers prog reads, or nil when it may read any
// field ($env, or a tree it cannot walk).
func names(prog *vm.Program) (out map[string]bool) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	node := prog.Node()
	v := &identVisitor{names: map[string]bool{}}
	ast.Walk(&node, v)
	if v.env {
		return nil
	}
	return v.names
}

type identVisitor struct {
	names map[string]bool
	env   bool
}

func (v *identVisitor) Visit(n *ast.Node) {
	if id, ok := (*n).(*ast.IdentifierNode); ok {
		if id.Value == "$env" {
			v.env = true
		}
		v.names[id.Value] = true
	}
}

// bind prepares reading the columns of rec, whose schema must hold the
// pipeline's input fields.
func (e *evaluator) bind(rec arrow.RecordBatch) error {
	e.crit, e.rest = e.crit[:0], e.rest[:0]
	sc := rec.Schema()
	for _, f := range e.prog.Input {
		idx := sc.FieldIndices(f.Name)
		if len(idx) == 0 {
			return fmt.Errorf("the source's batch has no column %q", f.Name)
		}
		inCrit := e.prog.Criteria != nil && (e.critSet == nil || e.critSet[f.Name])
		needed := e.needSet == nil || e.needSet[f.Name]
		switch {
		case inCrit:
			e.crit = append(e.crit, colReader{name: f.Name, get: reader(rec.Column(idx[0]))})
		case needed:
			e.rest = append(e.rest, colReader{name: f.Name, get: reader(rec.Column(idx[0]))})
		}
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
	for _, c := range e.crit {
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
	for _, c := range e.rest {
		env[c.name] = c.get(i)
	}
	for k := range e.prog.Stages {
		st := &e.prog.Stages[k]
		prev, next := e.envs[k], e.envs[k+1]
		if cap(e.vals) < len(st.Assign) {
			e.vals = make([]any, len(st.Assign))
		}
		vals := e.vals[:len(st.Assign)]
		for j := range st.Assign {
			switch a := &e.assigns[k][j]; a.kind {
			case assignField:
				vals[j] = prev[a.name]
			case assignConst:
				vals[j] = a.val
			default:
				v, err := e.machine.Run(st.Assign[j].Prog, prev)
				if err != nil {
					return rowRejected, nil, "", fmt.Sprintf("transform %q, field %q: %s", st.Name, st.Assign[j].Field, runtimeReason(err))
				}
				vals[j] = v
			}
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
