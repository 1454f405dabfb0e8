package connectortest

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// oauthSettings are the settings both fixed connectors declare, shaped
// like a SaaS API's: a data centre and OAuth client credentials.
var oauthSettings = []sdk.Setting{
	{Name: "data_center", Type: sdk.TypeString, Default: "com", Enum: []string{"com", "eu", "in", "com.au", "jp", "ca", "com.cn", "sa"}, Doc: "The data centre of the account."},
	{Name: "client_id", Type: sdk.TypeString, Required: true, Doc: "The OAuth client id."},
	{Name: "client_secret", Type: sdk.TypeString, Required: true, Sensitive: true, Doc: "The OAuth client secret."},
	{Name: "refresh_token", Type: sdk.TypeString, Required: true, Sensitive: true, Doc: "A refresh token for the account."},
	{Name: "page_size", Type: sdk.TypeInt, Default: int64(200), Doc: "Records per page."},
}

var ts = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// Schemas of the fixed source's modules.
var (
	CandidatesSchema = arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "First_Name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "Last_Name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "Email", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "Candidate_Status", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "Experience_in_Years", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "Expected_Salary", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "Email_Opt_Out", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "Skill_Set", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "City", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "Country", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "Last_Campaign_Response", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "Drip_Response", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "Modified_Time", Type: ts, Nullable: true},
	}, nil)
	ContactsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "First_Name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "Last_Name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "Email", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "Modified_Time", Type: ts, Nullable: true},
	}, nil)
)

// Source returns an in-memory source and feedback target named name, with
// the modules Candidates and Contacts.
func Source(name string) sdk.Connector {
	return &fixedSource{name: name}
}

type fixedSource struct{ name string }

func (f *fixedSource) Info() sdk.Info {
	return sdk.Info{
		Name: f.name, Version: "test", Doc: "A fixed-schema source for tests.",
		Kinds:    []sdk.Kind{sdk.KindSource, sdk.KindFeedback},
		Settings: oauthSettings,
	}
}

func (f *fixedSource) Open(ctx context.Context, req sdk.OpenRequest) (sdk.Conn, error) {
	return &sourceConn{}, nil
}

type sourceConn struct{}

func (*sourceConn) Close() error { return nil }

func (*sourceConn) Discover(ctx context.Context, req sdk.DiscoverRequest) (*sdk.DiscoverResponse, error) {
	return &sdk.DiscoverResponse{Streams: []sdk.Stream{
		{Name: "Candidates", Schema: CandidatesSchema, IDField: "id", CursorField: "Modified_Time", Views: []string{"Shortlisted", "All"}, Tombstones: true},
		{Name: "Contacts", Schema: ContactsSchema, IDField: "id", CursorField: "Modified_Time", Tombstones: true},
	}}, nil
}

func (*sourceConn) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadSink) error {
	return nil
}

func (*sourceConn) WriteFeedback(ctx context.Context, req sdk.FeedbackRequest) (*sdk.WriteResponse, error) {
	return &sdk.WriteResponse{}, nil
}

// Sink returns an in-memory sink with campaign events named name. Its
// members have an email key and fixed fields.
func Sink(name string) *FixedSink {
	return &FixedSink{name: name, Members: map[string]map[string]map[string]any{}}
}

// FixedSink records what is written to it: list → key → fields.
type FixedSink struct {
	name    string
	mu      sync.Mutex
	Members map[string]map[string]map[string]any
}

var sinkInfo = &sdk.SinkInfo{
	KeyKind: sdk.KeyEmail,
	Fields: []sdk.Field{
		{Name: "Contact Email", Type: "string"}, {Name: "First Name", Type: "string"},
		{Name: "Last Name", Type: "string"}, {Name: "Lead Source", Type: "string"},
		{Name: "City", Type: "string"}, {Name: "Company Name", Type: "string"},
	},
	CanRemove: true, CanDelete: true,
}

func (f *FixedSink) Info() sdk.Info {
	return sdk.Info{
		Name: f.name, Version: "test", Doc: "A fixed-field sink for tests.",
		Kinds: []sdk.Kind{sdk.KindSink, sdk.KindEvents}, Settings: oauthSettings, Sink: sinkInfo,
	}
}

func (f *FixedSink) Open(ctx context.Context, req sdk.OpenRequest) (sdk.Conn, error) { return f, nil }

func (f *FixedSink) Close() error { return nil }

func (f *FixedSink) Describe(ctx context.Context, req sdk.DescribeRequest) (*sdk.SinkInfo, error) {
	return sinkInfo, nil
}

func (f *FixedSink) Suppressions(ctx context.Context, req sdk.SuppressionsRequest) ([]sdk.Suppression, error) {
	return nil, nil
}

func (f *FixedSink) Write(ctx context.Context, req sdk.WriteRequest, rec arrow.RecordBatch) (*sdk.WriteResponse, error) {
	return nil, fmt.Errorf("%s: writes are not supported by the fixed sink", f.name)
}

func (f *FixedSink) Events(ctx context.Context, req sdk.EventsRequest) (*sdk.EventsResponse, error) {
	return &sdk.EventsResponse{Checkpoint: req.Checkpoint}, nil
}

// Registry returns a registry with the fixed source as "zoho_recruit" and
// the fixed sink as "zoho_campaigns" (the names the language's examples
// use), plus any extra connectors.
func Registry(extra ...sdk.Connector) *sdk.Registry {
	return sdk.NewRegistry(append([]sdk.Connector{Source("zoho_recruit"), Sink("zoho_campaigns")}, extra...)...)
}
