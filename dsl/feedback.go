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
