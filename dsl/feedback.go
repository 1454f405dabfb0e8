package dsl

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// Feedback is a pipeline's `feedback` block: the reverse pipeline.
type Feedback struct {
	CreateCampaigns bool
	MemberStatus    bool
	StatusFields    []*StatusField
	PushRecipients  *PushRecipients
	DeclRange       hcl.Range
	// Incomplete reports that decoding the block found errors; later
	// checks of it are skipped, its problems already said.
	Incomplete bool
}

// StatusField writes a recipient's status for one campaign type into a
// field of the source record.
type StatusField struct {
	Type      sdk.CampaignType
	Module    string
	Field     string
	DeclRange hcl.Range
}

// PushRecipients creates list members that did not come from the source
// as records of Module, once each.
type PushRecipients struct {
	Module    string
	Fields    []*FieldExpr // expr over the sink member's fields
	DeclRange hcl.Range
}

var feedbackSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "create_campaigns"}, {Name: "member_status"}},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "status_field", LabelNames: []string{"type"}},
		{Type: "push_recipients"},
	},
}

var statusFieldSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "module", Required: true}, {Name: "field", Required: true}},
}

var pushSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "module", Required: true}, {Name: "fields", Required: true}},
}

func (d *decoder) decodeFeedback(b *hcl.Block) *Feedback {
	content, diags := d.content(b.Body, feedbackSchema)
	d.add(diags...)
	f := &Feedback{DeclRange: b.DefRange}
	if a := content.Attributes["create_campaigns"]; a != nil {
		f.CreateCampaigns, _ = d.boolean(a)
	}
	if a := content.Attributes["member_status"]; a != nil {
		f.MemberStatus, _ = d.boolean(a)
	}
	seen := map[sdk.CampaignType]hcl.Range{}
	for _, blk := range content.Blocks {
		switch blk.Type {
		case "status_field":
			label := blk.Labels[0]
			var typ sdk.CampaignType
			switch label {
			case "email":
				typ = sdk.CampaignEmail
			case "autoresponder":
				typ = sdk.CampaignAutoresponder
			default:
				d.errorf(blk.LabelRanges[0], "Invalid status_field type", "%q is not a campaign type: a status_field is \"email\" or \"autoresponder\".%s", label, DidYouMean(label, []string{"email", "autoresponder"}))
				continue
			}
			if prev, dup := seen[typ]; dup {
				d.errorf(blk.DefRange, "Duplicate status_field", "A status_field %q was already declared at %s; there is one per campaign type. Remove one of them.", label, prev)
				continue
			}
			seen[typ] = blk.DefRange
			sc, diags := d.content(blk.Body, statusFieldSchema)
			d.add(diags...)
			sf := &StatusField{Type: typ, DeclRange: blk.DefRange}
			if a := sc.Attributes["module"]; a != nil {
				sf.Module, _ = d.str(a)
			}
			if a := sc.Attributes["field"]; a != nil {
				sf.Field, _ = d.str(a)
			}
			f.StatusFields = append(f.StatusFields, sf)
		case "push_recipients":
			if f.PushRecipients != nil {
				d.errorf(blk.DefRange, "Duplicate push_recipients block", "A feedback block has at most one push_recipients block; remove one of them.")
				continue
			}
			pc, diags := d.content(blk.Body, pushSchema)
			d.add(diags...)
			pr := &PushRecipients{DeclRange: blk.DefRange}
			if a := pc.Attributes["module"]; a != nil {
				pr.Module, _ = d.str(a)
			}
			if a := pc.Attributes["fields"]; a != nil {
				pr.Fields = d.fieldExprs(a)
			}
			f.PushRecipients = pr
		}
	}
	return f
}
