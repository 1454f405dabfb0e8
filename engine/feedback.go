package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"github.com/hashicorp/hcl/v2"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/dsl/rowexpr"
	"github.com/sluice-sync/sluice/engine/plan"
)

// The feedback run's contract with a feedback target (sdk.FeedbackTarget):
// the modules it writes campaign records and campaign-member statuses
// into, besides the source's own modules, and the fields of those records.
// A target maps the two modules to wherever it keeps campaigns and their
// members.
const (
	// CampaignsModule receives one record per campaign (create_campaigns),
	// matched by FieldCampaignKey.
	CampaignsModule = "Campaigns"
	// CampaignMembersModule receives one record per campaign and source
	// record (member_status), matched by FieldMemberID.
	CampaignMembersModule = "CampaignMembers"
)

// Fields of the records written into CampaignsModule and
// CampaignMembersModule.
const (
	FieldCampaignKey = "campaign_key" // the sink's campaign id
	FieldName        = "name"
	FieldType        = "type" // email | autoresponder
	FieldList        = "list"
	FieldSubject     = "subject"
	FieldSender      = "sender"
	FieldSentAt      = "sent_at" // RFC 3339, UTC
	// FieldMemberID identifies a campaign member: campaign key, module and
	// record id joined by "/".
	FieldMemberID  = "member_id"
	FieldModule    = "module"     // the source module of the record
	FieldRecordID  = "record_id"  // the source record's id
	FieldMemberKey = "member_key" // the recipient's key at the sink
	FieldStatus    = "status"     // the recipient's status in the campaign
	FieldStatusAt  = "status_at"  // when the recipient reached it, RFC 3339
)

// StatusRank orders responses for a member's status: delivered < unopened
// < opened < clicked, and bounced, unsubscribed and complained above all
// of them (complained, the strongest signal, first). A member's status in
// a campaign is its response of the highest rank; 0 is no response.
func StatusRank(t sdk.EventType) int {
	switch t {
	case sdk.EventDelivered:
		return 1
	case sdk.EventUnopened:
		return 2
	case sdk.EventOpened:
		return 3
	case sdk.EventClicked:
		return 4
	case sdk.EventBounced:
		return 5
	case sdk.EventUnsubscribed:
		return 6
	case sdk.EventComplained:
		return 7
	}
	return 0
}

// FeedbackProgram is a pipeline's feedback block bound to the pipeline's
// resolution and compiled: the push_recipients field expressions, typed
// against the sink member's fields.
type FeedbackProgram struct {
	Resolved *Resolved
	Feedback *dsl.Feedback
	// MemberFields are the fields a push_recipients expression sees: the
	// sink key and the member's fields, all strings (what the sink
	// reports).
	MemberFields []rowexpr.Field
	push         []pushField
	machine      vm.VM
}

type pushField struct {
	name string
	prog *vm.Program
}

// ResolveFeedback checks and compiles r's feedback block: that there is
// one, that each status_field writes into the source's module (the
// record a status belongs to is a source record), and each
// push_recipients field expression, against the sink member's fields. It
// reports every problem as a diagnostic.
func ResolveFeedback(r *Resolved, now time.Time) (*FeedbackProgram, hcl.Diagnostics) {
	p := r.Pipeline
	if p.Feedback == nil {
		return nil, hcl.Diagnostics{diag(p.DeclRange, "No feedback block",
			"The pipeline %q has no feedback block, so there is nothing to write back. Add feedback { ... } to it (see the pipeline language's feedback block).", p.Name)}
	}
	fp := &FeedbackProgram{Resolved: r, Feedback: p.Feedback}
	fp.machine.MemoryBudget = rowexpr.MemoryBudget
	var diags hcl.Diagnostics
	for _, sf := range p.Feedback.StatusFields {
		if !strings.EqualFold(sf.Module, r.Stream.Name) {
			diags = append(diags, diag(sf.DeclRange, "Status field outside the source",
				"The status_field %q writes into module %q, but the pipeline's records come from %q: a status is written on the source record the recipient came from. Set module = %q.",
				sf.Type, sf.Module, r.Stream.Name, r.Stream.Name))
		}
		if sf.Field == "" {
			diags = append(diags, diag(sf.DeclRange, "Empty status field", "The status_field %q names no field; set field to the source field that receives the status.", sf.Type))
		}
	}
	fp.MemberFields = memberFields(r)
	if pr := p.Feedback.PushRecipients; pr != nil {
		if pr.Module == "" {
			diags = append(diags, diag(pr.DeclRange, "Empty push module", "push_recipients names no module; set module to where recipients from elsewhere are created."))
		}
		if len(pr.Fields) == 0 {
			diags = append(diags, diag(pr.DeclRange, "No fields to push", "push_recipients has no fields; map at least one, e.g. \"Email\" = \"$env['%s']\".", p.Sink.Key))
		}
		env := rowexpr.Env(fp.MemberFields)
		for _, fe := range pr.Fields {
			prog, d := compilePush(fe, env, fp.MemberFields, now, p.Name)
			if d != nil {
				diags = append(diags, d)
				continue
			}
			fp.push = append(fp.push, pushField{name: fe.Name, prog: prog})
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return fp, diags
}

// memberFields lists the fields a sink member can have: the key, the
// fields the pipeline maps and those the sink describes, as strings.
func memberFields(r *Resolved) []rowexpr.Field {
	seen := map[string]bool{}
	var out []rowexpr.Field
	add := func(name string) {
		if name != "" && !seen[name] {
			seen[name] = true
			out = append(out, rowexpr.Field{Name: name, Type: rowexpr.String})
		}
	}
	add(r.Pipeline.Sink.Key)
	if r.Program != nil {
		for _, f := range r.Program.Output {
			add(f.Name)
		}
	}
	if r.Sink != nil {
		for _, f := range r.Sink.Fields {
			add(f.Name)
		}
	}
	sort.Slice(out[1:], func(i, j int) bool { return out[1+i].Name < out[1+j].Name })
	return out
}

// compilePush compiles one push_recipients field with the limits and
// functions of every row expression.
func compilePush(fe *dsl.FieldExpr, env map[string]any, fields []rowexpr.Field, now time.Time, pipeline string) (*vm.Program, *hcl.Diagnostic) {
	e := fe.Expr
	what := fmt.Sprintf("push_recipients field %q", fe.Name)
	switch {
	case len(e.Text) > rowexpr.MaxTextLen:
		return nil, diag(e.Range, "Expression too long", "The %s is %d bytes long; an expression may be at most %d.", what, len(e.Text), rowexpr.MaxTextLen)
	case exprNesting(e.Text) > rowexpr.MaxNesting:
		return nil, diag(e.Range, "Expression nested too deeply", "The %s nests brackets more than %d deep; simplify it.", what, rowexpr.MaxNesting)
	case strings.TrimSpace(e.Text) == "":
		return nil, diag(e.Range, "Empty expression", "The %s is empty; write an expression such as \"$env['Contact Email']\".", what)
	}
	opts := append(rowexpr.Functions(now), expr.Env(env), expr.MaxNodes(rowexpr.MaxNodes))
	prog, err := compilePushExpr(e.Text, opts)
	if err == nil {
		return prog, nil
	}
	msg, rng := err.Error(), e.Range
	var fe2 *file.Error
	if errors.As(err, &fe2) {
		msg, rng = strings.TrimSpace(fe2.Message), e.RangeAt(fe2.From, fe2.To)
	}
	if name, ok := strings.CutPrefix(msg, "unknown name "); ok {
		names := make([]string, len(fields))
		for i, f := range fields {
			names[i] = f.Name
		}
		return nil, diag(rng, "Unknown field", "The %s uses %q, which is not a field of the sink's members.%s The members' fields are the sink key and the fields the pipeline maps; `sluice fields -pipeline %s` lists them. A name with spaces is written $env['Contact Email'].",
			what, name, dsl.DidYouMean(name, names), pipeline)
	}
	return nil, diag(rng, "Invalid expression", "The %s does not compile: %s. Every member field is a string.", what, msg)
}

// compilePushExpr runs expr.Compile, turning a panic inside it into an error.
func compilePushExpr(text string, opts []expr.Option) (prog *vm.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			prog, err = nil, fmt.Errorf("cannot compile this expression (%v)", r)
		}
	}()
	return expr.Compile(text, opts...)
}

// exprNesting returns the deepest bracket nesting of s.
func exprNesting(s string) int {
	depth, most := 0, 0
	for _, r := range s {
		switch r {
		case '(', '[', '{':
			depth++
			most = max(most, depth)
		case ')', ']', '}':
			depth = max(depth-1, 0)
		}
	}
	return most
}

// pushRecord evaluates the push_recipients fields for one recipient: its
// key and the fields the sink reported (nil when it reported none). It
// returns the record, or why it cannot be made.
func (fp *FeedbackProgram) pushRecord(key string, fields map[string]string) (map[string]plan.Value, string) {
	env := make(map[string]any, len(fp.MemberFields))
	for _, f := range fp.MemberFields {
		env[f.Name] = nil
	}
	for k, v := range fields {
		env[k] = v
	}
	env[fp.Resolved.Pipeline.Sink.Key] = key
	out := make(map[string]plan.Value, len(fp.push))
	for _, pf := range fp.push {
		v, err := fp.machine.Run(pf.prog, env)
		if err != nil {
			return nil, fmt.Sprintf("field %q: %s", pf.name, fbFirstLine(err.Error()))
		}
		pv, err := plan.ValueOf(v)
		if err != nil {
			return nil, fmt.Sprintf("field %q: %v", pf.name, err)
		}
		out[pf.name] = pv
	}
	return out, ""
}

func fbFirstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// FeedbackConfigHash identifies what a feedback plan of p depends on in
// the configuration: the pipeline's ConfigHash and its feedback block.
func FeedbackConfigHash(cfg *dsl.Config, p *dsl.Pipeline) string {
	doc := map[string]any{"pipeline": ConfigHash(cfg, p)}
	if f := p.Feedback; f != nil {
		var sfs [][]string
		for _, sf := range f.StatusFields {
			sfs = append(sfs, []string{sf.Type.String(), sf.Module, sf.Field})
		}
		doc["feedback"] = []any{f.CreateCampaigns, f.MemberStatus, sfs}
		if pr := f.PushRecipients; pr != nil {
			var fields [][]string
			for _, fe := range pr.Fields {
				fields = append(fields, []string{fe.Name, fe.Expr.Text})
			}
			doc["push"] = []any{pr.Module, fields}
		}
	}
	b, _ := json.Marshal(doc)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
