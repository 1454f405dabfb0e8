package report

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/engine/state"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// fixture is a state where pipeline "p" put ann (record 1) and bob
// (record 2) of module Candidates on list "news" of connection "esp",
// zed came from elsewhere, and two campaigns were answered. The pipeline
// is then deleted: its reports stay.
func fixture(t *testing.T) Store {
	t.Helper()
	ctx := context.Background()
	st, err := state.OpenSQLite(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.RegisterPipeline(ctx, state.Pipeline{Name: "p", ConfigHash: "h", SourceConnection: "crm",
		SourceModule: "Candidates", SinkConnection: "esp", SinkList: "news"}); err != nil {
		t.Fatal(err)
	}
	lease, err := st.AcquireLease(ctx, "p", "test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var ms []state.Member
	for i, k := range []string{"ann@example.com", "bob@example.com"} {
		ms = append(ms, state.Member{Key: k, SourceID: []string{"1", "2"}[i], Hash: 1, Fields: []byte("{}"), Status: state.MemberActive})
	}
	if _, err := st.Commit(ctx, &state.Commit{Pipeline: "p", Token: lease.Token, Upsert: ms}); err != nil {
		t.Fatal(err)
	}
	err = st.UpsertCampaigns(ctx, []state.Campaign{
		{Connection: "esp", Key: "c1", Name: "Spring", Type: sdk.CampaignEmail, List: "news", Subject: "Hello", Sender: "jobs@example.com", SentAt: t0},
		{Connection: "esp", Key: "a1", Name: "Drip", Type: sdk.CampaignAutoresponder, List: "news", SentAt: t0.Add(-24 * time.Hour)},
	})
	if err != nil {
		t.Fatal(err)
	}
	ev := func(c, k string, typ sdk.EventType, min int) state.Event {
		return state.Event{Connection: "esp", List: "news", Campaign: c, Key: k, Type: typ, At: t0.Add(time.Duration(min) * time.Minute)}
	}
	_, err = st.AddEvents(ctx, []state.Event{
		ev("c1", "ann@example.com", sdk.EventDelivered, 1), ev("c1", "ann@example.com", sdk.EventOpened, 5),
		ev("c1", "ann@example.com", sdk.EventOpened, 50), ev("c1", "ann@example.com", sdk.EventClicked, 6),
		ev("c1", "bob@example.com", sdk.EventBounced, 2),
		ev("c1", "zed@example.com", sdk.EventOpened, 7),
		ev("a1", "ann@example.com", sdk.EventDelivered, -1000),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetPipelineStatus(ctx, "p", state.PipelineDeleted, "by a test"); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestCampaigns(t *testing.T) {
	st := fixture(t)
	cs, err := Campaigns(context.Background(), st, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.Key+" "+c.Type)
	}
	if diff := cmp.Diff([]string{"a1 autoresponder", "c1 email"}, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	want := map[string]int{"delivered": 1, "unopened": 0, "opened": 2, "clicked": 1, "bounced": 1, "unsubscribed": 0, "complained": 0}
	if diff := cmp.Diff(want, cs[1].Counts); diff != "" || cs[1].Recipients != 3 {
		t.Errorf("c1: %d recipients, counts (-want +got):\n%s", cs[1].Recipients, diff)
	}
	var b bytes.Buffer
	if err := WriteCampaigns(&b, cs, CSV); err != nil {
		t.Fatal(err)
	}
	wantCSV := "connection,campaign,name,type,list,subject,sender,sent_at,recipients,delivered,unopened,opened,clicked,bounced,unsubscribed,complained\n" +
		"esp,a1,Drip,autoresponder,news,,,2026-02-28T08:00:00Z,1,1,0,0,0,0,0,0\n" +
		"esp,c1,Spring,email,news,Hello,jobs@example.com,2026-03-01T08:00:00Z,3,1,0,2,1,1,0,0\n"
	if diff := cmp.Diff(wantCSV, b.String()); diff != "" {
		t.Errorf("csv (-want +got):\n%s", diff)
	}
}

func TestCampaignDetail(t *testing.T) {
	st := fixture(t)
	ctx := context.Background()
	rep, err := CampaignDetail(ctx, st, "c1", CampaignQuery{Response: sdk.EventOpened})
	if err != nil {
		t.Fatal(err)
	}
	want := []Recipient{
		{Key: "ann@example.com", Module: "Candidates", SourceID: "1", Pipeline: "p", Status: "clicked", At: t0.Add(5 * time.Minute)},
		{Key: "zed@example.com", Status: "opened", At: t0.Add(7 * time.Minute)},
	}
	if diff := cmp.Diff(want, rep.Recipients); diff != "" {
		t.Errorf("recipients (-want +got):\n%s", diff)
	}
	if r := rep.Rates[2]; r.Response != "opened" || r.Recipients != 2 || r.Rate != 2.0/3 {
		t.Errorf("opened rate: %+v", r)
	}
	rep, err = CampaignDetail(ctx, st, "c1", CampaignQuery{Response: sdk.EventOpened, Module: "candidates"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[:1], rep.Recipients); diff != "" {
		t.Errorf("recipients from Candidates (-want +got):\n%s", diff)
	}
	var b bytes.Buffer
	if err := WriteCampaign(&b, rep, Text); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		`Campaign c1 "Spring" (email) on list "news" of connection esp`,
		"opened        2           66.7%",
		"Recipients who gave opened, from module candidates (1):",
		"ann@example.com  Candidates  1       p         clicked  2026-03-01T08:05:00Z",
	} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("the text lacks %q:\n%s", line, b.String())
		}
	}
	if _, err := CampaignDetail(ctx, st, "nope", CampaignQuery{}); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("an unknown campaign: %v", err)
	}
}

func TestRecord(t *testing.T) {
	st := fixture(t)
	rep, err := Record(context.Background(), st, "1", RecordQuery{})
	if err != nil {
		t.Fatal(err)
	}
	want := []RecordCampaign{
		{Pipeline: "p", Module: "Candidates", Key: "ann@example.com", Connection: "esp", List: "news", Campaign: "a1", Name: "Drip",
			Type: "autoresponder", SentAt: t0.Add(-24 * time.Hour), Response: "delivered", Responses: []string{"delivered"}, At: t0.Add(-1000 * time.Minute)},
		{Pipeline: "p", Module: "Candidates", Key: "ann@example.com", Connection: "esp", List: "news", Campaign: "c1", Name: "Spring",
			Type: "email", SentAt: t0, Response: "clicked", Responses: []string{"delivered", "opened", "clicked"}, At: t0.Add(time.Minute)},
	}
	if diff := cmp.Diff(want, rep.Campaigns); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	rep, err = Record(context.Background(), st, "1", RecordQuery{Module: "Contacts"})
	if err != nil || len(rep.Campaigns) != 0 {
		t.Errorf("another module: %v, %v", rep, err)
	}
	var b bytes.Buffer
	WriteRecord(&b, &RecordReport{SourceID: "9", Campaigns: []RecordCampaign{}}, Text)
	if got := b.String(); got != "No campaign responses are recorded for record 9.\n" {
		t.Errorf("empty: %q", got)
	}
}

func TestCSVDefusesFormulas(t *testing.T) {
	var b bytes.Buffer
	writeCSV(&b, [][]string{{"=HYPERLINK(1)", "-3", "@x", "ok"}})
	if got, want := b.String(), "'=HYPERLINK(1),-3,'@x,ok\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
