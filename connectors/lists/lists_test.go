package lists

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func openStore(t *testing.T) *conn {
	t.Helper()
	path := filepath.Join(t.TempDir(), "nested", "dir", "lists.db")
	c, err := New().Open(context.Background(), sdk.OpenRequest{Settings: sdk.Settings{"path": path}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	lc := c.(*conn)
	lc.now = func() time.Time { return fixedNow }
	return lc
}

// rows builds a batch with a string key column "Email" and string
// columns named in cols, one row per element of vals (key first; "" in a
// field is null).
func rows(t testing.TB, cols []string, vals ...[]string) arrow.RecordBatch {
	t.Helper()
	fields := []arrow.Field{{Name: "Email", Type: arrow.BinaryTypes.String, Nullable: true}}
	for _, c := range cols {
		fields = append(fields, arrow.Field{Name: c, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for _, row := range vals {
		for i, v := range row {
			if v == "" && i > 0 {
				b.Field(i).AppendNull()
				continue
			}
			b.Field(i).(*array.StringBuilder).Append(v)
		}
	}
	return b.NewRecordBatch()
}

func write(t *testing.T, c *conn, req sdk.WriteRequest, rec arrow.RecordBatch) *sdk.WriteResponse {
	t.Helper()
	defer rec.Release()
	if req.Key == "" {
		req.Key = "Email"
	}
	resp, err := c.Write(context.Background(), req, rec)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

type member struct{ List, Key, Status, Fields, Updated string }

func members(t *testing.T, db *sql.DB) []member {
	t.Helper()
	rs, err := db.Query(`SELECT list, key, status, fields, updated_at FROM members ORDER BY list, key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []member
	for rs.Next() {
		var m member
		if err := rs.Scan(&m.List, &m.Key, &m.Status, &m.Fields, &m.Updated); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func exec1(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}

const now = "2025-06-01T12:00:00Z"

func TestUpsert(t *testing.T) {
	c := openStore(t)
	up := sdk.WriteRequest{List: "news", Op: sdk.OpUpsert}

	_, err := c.Write(context.Background(), sdk.WriteRequest{List: "news", Key: "Email", Op: sdk.OpUpsert}, rows(t, nil, []string{"a@x.com"}))
	if !errors.Is(err, sdk.ErrListNotFound) || !strings.Contains(err.Error(), `"news"`) {
		t.Fatalf("write to a missing list: %v", err)
	}

	up.Create = true
	resp := write(t, c, up, rows(t, []string{"First Name", "City"},
		[]string{"a@x.com", "Ann", "Tokyo"},
		[]string{"not-an-email", "B", ""},
		[]string{"b@x.com", "Bob", ""},
		[]string{"Ann <c@x.com>", "C", ""},
		[]string{"", "D", ""},
		[]string{"d@localhost", "D", ""},
	))
	wantFailed := []sdk.RecordError{
		{Row: 1, Reason: `"not-an-email" is not a valid email address`},
		{Row: 3, Reason: `"Ann <c@x.com>" is not a valid email address`},
		{Row: 4, Reason: `the key "Email" is empty`},
		{Row: 5, Reason: `"d@localhost" is not a valid email address`},
	}
	if diff := cmp.Diff(wantFailed, resp.Failed); diff != "" {
		t.Errorf("failed (-want +got):\n%s", diff)
	}
	want := []member{
		{"news", "a@x.com", "active", `{"First Name":"Ann","City":"Tokyo"}`, now},
		{"news", "b@x.com", "active", `{"First Name":"Bob"}`, now},
	}
	if diff := cmp.Diff(want, members(t, c.db)); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	var created string
	if err := c.db.QueryRow(`SELECT created_at FROM lists WHERE name = 'news'`).Scan(&created); err != nil || created != now {
		t.Errorf("list row: %q, %v", created, err)
	}

	// A person unsubscribes a; a later sync replaces the fields but
	// keeps the status.
	exec1(t, c.db, `UPDATE members SET status = 'unsubscribed' WHERE key = 'a@x.com'`)
	exec1(t, c.db, `UPDATE members SET status = 'bounced' WHERE key = 'b@x.com'`)
	c.now = func() time.Time { return fixedNow.Add(time.Hour) }
	resp = write(t, c, sdk.WriteRequest{List: "news", Op: sdk.OpUpsert}, rows(t, []string{"First Name"},
		[]string{"a@x.com", "Anna"}, []string{"b@x.com", "Bobby"}, []string{"e@x.com", "Eve"}))
	if len(resp.Failed) != 0 {
		t.Errorf("failed: %+v", resp.Failed)
	}
	// The same key twice in a batch: the last row wins.
	write(t, c, sdk.WriteRequest{List: "news", Op: sdk.OpUpsert}, rows(t, []string{"First Name"},
		[]string{"e@x.com", "Eve"}, []string{"e@x.com", "Evelyn"}))
	later := "2025-06-01T13:00:00Z"
	want = []member{
		{"news", "a@x.com", "unsubscribed", `{"First Name":"Anna"}`, later},
		{"news", "b@x.com", "bounced", `{"First Name":"Bobby"}`, later},
		{"news", "e@x.com", "active", `{"First Name":"Evelyn"}`, later},
	}
	if diff := cmp.Diff(want, members(t, c.db)); diff != "" {
		t.Errorf("members after the second sync (-want +got):\n%s", diff)
	}
}

func TestTypedFields(t *testing.T) {
	c := openStore(t)
	fields := []arrow.Field{
		{Name: "Email", Type: arrow.BinaryTypes.String},
		{Name: "Age", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "Vip", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "Seen", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "Tags", Type: arrow.ListOf(arrow.BinaryTypes.String)},
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"a@x.com", "b@x.com"}, nil)
	b.Field(1).(*array.Int64Builder).AppendValues([]int64{30, 0}, []bool{true, false})
	b.Field(2).(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil)
	b.Field(3).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(fixedNow.UnixMicro()), 0}, nil)
	lb := b.Field(4).(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.StringBuilder).AppendValues([]string{"go", "sql"}, nil)
	lb.Append(true)
	rec := b.NewRecordBatch()
	b.Release()
	write(t, c, sdk.WriteRequest{List: "l", Create: true, Op: sdk.OpUpsert}, rec)
	want := []member{
		{"l", "a@x.com", "active", `{"Age":30,"Vip":true,"Seen":"2025-06-01T12:00:00Z","Tags":["go","sql"]}`, now},
		{"l", "b@x.com", "active", `{"Vip":false,"Seen":"1970-01-01T00:00:00Z","Tags":[]}`, now},
	}
	if diff := cmp.Diff(want, members(t, c.db)); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	info, err := c.Describe(context.Background(), sdk.DescribeRequest{List: "l"})
	if err != nil {
		t.Fatal(err)
	}
	wantInfo := &sdk.SinkInfo{KeyKind: sdk.KeyEmail, OpenFields: true, CanRemove: true, CanDelete: true, Fields: []sdk.Field{
		{Name: "Age", Type: "int"}, {Name: "Seen", Type: "string"}, {Name: "Tags", Type: "[]string"}, {Name: "Vip", Type: "bool"},
	}}
	if diff := cmp.Diff(wantInfo, info); diff != "" {
		t.Errorf("Describe (-want +got):\n%s", diff)
	}
	info, err = c.Describe(context.Background(), sdk.DescribeRequest{List: "no such list"})
	if err != nil || len(info.Fields) != 0 || info.KeyKind != sdk.KeyEmail {
		t.Errorf("Describe of a missing list: %+v, %v", info, err)
	}
}

func TestRemoveAndDelete(t *testing.T) {
	c := openStore(t)
	for _, l := range []string{"a", "b"} {
		write(t, c, sdk.WriteRequest{List: l, Create: true, Op: sdk.OpUpsert}, rows(t, nil,
			[]string{"x@x.com"}, []string{"y@x.com"}, []string{"z@x.com"}))
	}
	exec1(t, c.db, `INSERT INTO do_not_mail(key) VALUES('y@x.com')`)

	_, err := c.Write(context.Background(), sdk.WriteRequest{List: "c", Key: "Email", Op: sdk.OpRemove, Create: true}, rows(t, nil, []string{"x@x.com"}))
	if !errors.Is(err, sdk.ErrListNotFound) {
		t.Errorf("remove from a missing list: %v", err)
	}
	resp := write(t, c, sdk.WriteRequest{List: "a", Op: sdk.OpRemove}, rows(t, nil, []string{"x@x.com"}, []string{"nobody@x.com"}, []string{""}))
	if diff := cmp.Diff([]sdk.RecordError{{Row: 2, Reason: `the key "Email" is empty`}}, resp.Failed); diff != "" {
		t.Errorf("remove failed (-want +got):\n%s", diff)
	}
	write(t, c, sdk.WriteRequest{List: "ignored", Op: sdk.OpDelete}, rows(t, nil, []string{"y@x.com"}))

	var got []string
	for _, m := range members(t, c.db) {
		got = append(got, m.List+" "+m.Key)
	}
	want := []string{"a z@x.com", "b x@x.com", "b z@x.com"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	var n int
	if err := c.db.QueryRow(`SELECT count(*) FROM do_not_mail`).Scan(&n); err != nil || n != 1 {
		t.Errorf("do_not_mail rows: %d, %v", n, err)
	}
}

func TestWriteErrors(t *testing.T) {
	c := openStore(t)
	ctx := context.Background()
	rec := rows(t, nil, []string{"a@x.com"})
	defer rec.Release()
	if _, err := c.Write(ctx, sdk.WriteRequest{List: "l", Create: true, Key: "Nope", Op: sdk.OpUpsert}, rec); err == nil {
		t.Error("missing key column: no error")
	}
	if _, err := c.Write(ctx, sdk.WriteRequest{List: "l", Create: true, Key: "Email", Op: sdk.Op(9)}, rec); err == nil {
		t.Error("unknown op: no error")
	}
	if got := members(t, c.db); len(got) != 0 {
		t.Errorf("members: %+v", got)
	}
}

func TestSuppressions(t *testing.T) {
	c := openStore(t)
	write(t, c, sdk.WriteRequest{List: "news", Create: true, Op: sdk.OpUpsert}, rows(t, nil,
		[]string{"a@x.com"}, []string{"b@x.com"}, []string{"c@x.com"}, []string{"d@x.com"}))
	write(t, c, sdk.WriteRequest{List: "other", Create: true, Op: sdk.OpUpsert}, rows(t, nil, []string{"e@x.com"}))
	exec1(t, c.db, `UPDATE members SET status = 'unsubscribed' WHERE key IN ('c@x.com', 'e@x.com')`)
	exec1(t, c.db, `UPDATE members SET status = 'complained' WHERE key = 'a@x.com'`)
	exec1(t, c.db, `UPDATE members SET status = 'bounced' WHERE key = 'b@x.com'`)
	exec1(t, c.db, `INSERT INTO do_not_mail(key) VALUES('z@x.com'), ('d@x.com')`)

	got, err := c.Suppressions(context.Background(), sdk.SuppressionsRequest{List: "news"})
	if err != nil {
		t.Fatal(err)
	}
	want := []sdk.Suppression{
		{Key: "a@x.com", Reason: sdk.SuppressComplained, List: "news"},
		{Key: "c@x.com", Reason: sdk.SuppressUnsubscribed, List: "news"},
		{Key: "d@x.com", Reason: sdk.SuppressDoNotMail},
		{Key: "z@x.com", Reason: sdk.SuppressDoNotMail},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("suppressions (-want +got):\n%s", diff)
	}
}

func TestEvents(t *testing.T) {
	c := openStore(t)
	ctx := context.Background()
	write(t, c, sdk.WriteRequest{List: "news", Create: true, Op: sdk.OpUpsert}, rows(t, []string{"Name"}, []string{"a@x.com", "Ann"}))
	exec1(t, c.db, `INSERT INTO campaigns VALUES
		('c1', 'June', 'email', 'news', 'Hello', 'me@x.com', '2025-06-01T09:00:00Z'),
		('c2', 'Welcome', 'autoresponder', 'news', 'Hi', 'me@x.com', '2025-05-01 08:00:00'),
		('c3', 'Elsewhere', NULL, 'other', 'S', 'me@x.com', NULL)`)
	exec1(t, c.db, `INSERT INTO events VALUES
		('c1', 'a@x.com', 'delivered', '2025-06-01T09:01:00Z'),
		('c3', 'a@x.com', 'opened', '2025-06-01T09:02:00Z'),
		('c1', 'b@x.com', 'bounced', '2025-06-01 09:03:00'),
		('c2', 'a@x.com', 'clicked', '2025-06-01T11:04:00+02:00')`)

	wantCampaigns := []sdk.Campaign{
		{Key: "c2", Name: "Welcome", Type: sdk.CampaignAutoresponder, List: "news", Subject: "Hi", Sender: "me@x.com", SentAt: time.Date(2025, 5, 1, 8, 0, 0, 0, time.UTC)},
		{Key: "c1", Name: "June", Type: sdk.CampaignEmail, List: "news", Subject: "Hello", Sender: "me@x.com", SentAt: time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)},
	}
	ann := map[string]string{"Name": "Ann"}
	at := func(h, m int) time.Time { return time.Date(2025, 6, 1, h, m, 0, 0, time.UTC) }
	resp, err := c.Events(ctx, sdk.EventsRequest{List: "news"})
	if err != nil {
		t.Fatal(err)
	}
	want := &sdk.EventsResponse{
		Campaigns: wantCampaigns,
		Events: []sdk.Event{
			{Campaign: "c1", Key: "a@x.com", Type: sdk.EventDelivered, At: at(9, 1), Fields: ann},
			{Campaign: "c1", Key: "b@x.com", Type: sdk.EventBounced, At: at(9, 3)},
			{Campaign: "c2", Key: "a@x.com", Type: sdk.EventClicked, At: at(9, 4), Fields: ann},
		},
		Checkpoint: "4",
	}
	if diff := cmp.Diff(want, resp); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	// Nothing new: the checkpoint stays.
	resp, err = c.Events(ctx, sdk.EventsRequest{List: "news", Checkpoint: "4"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Events) != 0 || resp.Checkpoint != "4" || len(resp.Campaigns) != 2 {
		t.Errorf("no new events: %+v", resp)
	}

	exec1(t, c.db, `INSERT INTO events VALUES ('c1', 'a@x.com', 'unsubscribed', '2025-06-02T00:00:00Z')`)
	resp, err = c.Events(ctx, sdk.EventsRequest{List: "news", Checkpoint: "4"})
	if err != nil {
		t.Fatal(err)
	}
	wantEvents := []sdk.Event{{Campaign: "c1", Key: "a@x.com", Type: sdk.EventUnsubscribed, At: time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC), Fields: ann}}
	if diff := cmp.Diff(wantEvents, resp.Events); diff != "" || resp.Checkpoint != "5" {
		t.Errorf("events after 4 (-want +got):\n%s\ncheckpoint %q", diff, resp.Checkpoint)
	}

	// Rows that cannot be read are errors, not skipped.
	exec1(t, c.db, `INSERT INTO events VALUES ('c1', 'a@x.com', 'open', '2025-06-02T00:00:00Z')`)
	if _, err := c.Events(ctx, sdk.EventsRequest{List: "news", Checkpoint: "5"}); err == nil || !strings.Contains(err.Error(), `events row 6: unknown event "open"`) {
		t.Errorf("unknown event: %v", err)
	}
	exec1(t, c.db, `UPDATE events SET event = 'opened', at = 'yesterday' WHERE rowid = 6`)
	if _, err := c.Events(ctx, sdk.EventsRequest{List: "news", Checkpoint: "5"}); err == nil || !strings.Contains(err.Error(), `invalid time "yesterday"`) {
		t.Errorf("bad time: %v", err)
	}
	if _, err := c.Events(ctx, sdk.EventsRequest{List: "news", Checkpoint: "x"}); err == nil {
		t.Error("bad checkpoint: no error")
	}
}

func TestInfo(t *testing.T) {
	info := New().Info()
	if info.Name != "lists" || !info.Offers(sdk.KindSink) || !info.Offers(sdk.KindEvents) || info.Offers(sdk.KindSource) {
		t.Errorf("info: %+v", info)
	}
	want := &sdk.SinkInfo{KeyKind: sdk.KeyEmail, OpenFields: true, CanRemove: true, CanDelete: true}
	if diff := cmp.Diff(want, info.Sink); diff != "" {
		t.Errorf("info.Sink (-want +got):\n%s", diff)
	}
	if s, ok := info.Setting("path"); !ok || !s.Required {
		t.Errorf("path setting: %+v", s)
	}
}

// The helper process of TestSecondProcess: it reads the store given in
// its environment with database/sql and prints the members it sees.
func TestHelperReader(t *testing.T) {
	path := os.Getenv("LISTS_HELPER_DB")
	if path == "" {
		t.Skip("requires LISTS_HELPER_DB: a helper process run by TestSecondProcess")
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM members WHERE list = 'news'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE members SET status = 'unsubscribed' WHERE key = 'a@x.com'`); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("members=%d\n", n)
}

// Another process can read and change the file while the connector has
// it open.
func TestSecondProcess(t *testing.T) {
	c := openStore(t)
	write(t, c, sdk.WriteRequest{List: "news", Create: true, Op: sdk.OpUpsert}, rows(t, nil, []string{"a@x.com"}, []string{"b@x.com"}))
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperReader$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LISTS_HELPER_DB="+c.path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "members=2") {
		t.Errorf("helper saw:\n%s", out)
	}
	got, err := c.Suppressions(context.Background(), sdk.SuppressionsRequest{List: "news"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]sdk.Suppression{{Key: "a@x.com", Reason: sdk.SuppressUnsubscribed, List: "news"}}, got); diff != "" {
		t.Errorf("suppressions after the helper's change (-want +got):\n%s", diff)
	}
	// And the connector writes on after it.
	write(t, c, sdk.WriteRequest{List: "news", Op: sdk.OpUpsert}, rows(t, nil, []string{"c@x.com"}))
}

// A write waits for a lock someone else holds, then succeeds.
func TestWriteWaitsForLock(t *testing.T) {
	c := openStore(t)
	write(t, c, sdk.WriteRequest{List: "news", Create: true, Op: sdk.OpUpsert}, rows(t, nil, []string{"a@x.com"}))
	other, err := sql.Open("sqlite3", "file:"+c.path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()
	hold, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	if _, err := hold.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	if _, err := hold.ExecContext(ctx, `UPDATE members SET status = 'complained' WHERE key = 'a@x.com'`); err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{})
	go func() {
		time.Sleep(200 * time.Millisecond)
		hold.ExecContext(ctx, `COMMIT`)
		close(released)
	}()
	start := time.Now()
	write(t, c, sdk.WriteRequest{List: "news", Op: sdk.OpUpsert}, rows(t, []string{"N"}, []string{"a@x.com", "x"}))
	<-released
	if waited := time.Since(start); waited < 150*time.Millisecond {
		t.Errorf("the write did not wait for the lock (%v)", waited)
	}
	got := members(t, c.db)
	if len(got) != 1 || got[0].Status != "complained" || got[0].Fields != `{"N":"x"}` {
		t.Errorf("members: %+v", got)
	}
}

// BenchmarkUpsert upserts batches of 10k new members of five fields.
func BenchmarkUpsert(b *testing.B) {
	const n = 10_000
	path := filepath.Join(b.TempDir(), "lists.db")
	cn, err := New().Open(context.Background(), sdk.OpenRequest{Settings: sdk.Settings{"path": path}})
	if err != nil {
		b.Fatal(err)
	}
	defer cn.Close()
	c := cn.(*conn)
	cols := []string{"First Name", "Last Name", "Full Name", "City", "source"}
	batches := make([]arrow.RecordBatch, 0)
	mk := func(k int) arrow.RecordBatch {
		vals := make([][]string, n)
		for i := range vals {
			vals[i] = []string{fmt.Sprintf("user%d.%d@example.com", k, i), "Sōta", "O'Brien", "Sōta O'Brien", "Tokyo", "recruit"}
		}
		return rows(b, cols, vals...)
	}
	b.ReportAllocs()
	k := 0
	for b.Loop() {
		b.StopTimer()
		rec := mk(k)
		batches = append(batches, rec)
		k++
		b.StartTimer()
		resp, err := c.Write(context.Background(), sdk.WriteRequest{List: "news", Create: true, Key: "Email", Op: sdk.OpUpsert}, rec)
		if err != nil || len(resp.Failed) != 0 {
			b.Fatal(err, resp)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	for _, r := range batches {
		r.Release()
	}
}

// Batches larger than one statement are written whole.
func TestManyRows(t *testing.T) {
	c := openStore(t)
	keys := func(from, to int) [][]string {
		var out [][]string
		for i := from; i < to; i++ {
			out = append(out, []string{fmt.Sprintf("u%03d@x.com", i), fmt.Sprint(i)})
		}
		return out
	}
	count := func() int {
		var n int
		if err := c.db.QueryRow(`SELECT count(*) FROM members`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	write(t, c, sdk.WriteRequest{List: "l", Create: true, Op: sdk.OpUpsert}, rows(t, []string{"N"}, keys(0, 150)...))
	if n := count(); n != 150 {
		t.Fatalf("after upsert: %d members", n)
	}
	write(t, c, sdk.WriteRequest{List: "l", Op: sdk.OpRemove}, rows(t, []string{"N"}, keys(0, 70)...))
	if n := count(); n != 80 {
		t.Fatalf("after remove: %d members", n)
	}
	write(t, c, sdk.WriteRequest{Op: sdk.OpDelete}, rows(t, []string{"N"}, keys(70, 135)...))
	if n := count(); n != 15 {
		t.Fatalf("after delete: %d members", n)
	}
}
