package plan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// largePlan returns a normalized plan of n changes (adds, updates, removes)
// and n/10 skipped records.
func largePlan(n int) *Plan {
	p := New("large", created)
	p.StateSerial = 99
	p.Changes = make([]Change, 0, n)
	for i := range n {
		key := fmt.Sprintf("member%07d@example.com", i)
		id := fmt.Sprint(1_000_000 + i)
		switch i % 3 {
		case 0:
			p.Changes = append(p.Changes, Change{Action: Add, Key: key, SourceID: id, Fields: map[string]Value{
				"email": StringVal(key), "first_name": StringVal("Name"), "score": IntVal(int64(i)), "vip": BoolVal(i%2 == 0),
			}})
			p.Summary.Add++
		case 1:
			p.Changes = append(p.Changes, Change{Action: Update, Key: key, SourceID: id, Diff: []FieldChange{
				{Field: "score", Before: IntVal(int64(i - 1)), After: IntVal(int64(i))},
			}})
			p.Summary.Update++
		case 2:
			p.Changes = append(p.Changes, Change{Action: Remove, Key: key, SourceID: id, Reason: ReasonLeftSelection})
			p.Summary.Remove++
		}
	}
	for i := range n / 10 {
		p.Skipped = append(p.Skipped, Skipped{Outcome: Rejected, Key: fmt.Sprintf("bad%06d", i), SourceID: fmt.Sprint(i), Reason: "invalid email address"})
		p.Summary.Rejected++
	}
	p.Summary.Selected = p.Summary.Add + p.Summary.Update + p.Summary.Rejected
	p.Summary.Read = p.Summary.Selected
	p.Normalize()
	return p
}

func writePlan(t testing.TB, p *Plan) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFileRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		plan *Plan
	}{
		{"sample", samplePlan()},
		{"guard", guardPlan()},
		{"empty", New("empty", created)},
		{"zero", &Plan{FormatVersion: FormatVersion}},
		{"unicode", &Plan{
			FormatVersion: FormatVersion,
			Pipeline:      "日本のニュースレター",
			CreatedAt:     time.Date(2026, 7, 8, 9, 10, 11, 123456789, time.UTC),
			Summary:       Summary{Add: 1, Excluded: 1},
			Changes: []Change{{Action: Add, Key: "ünïcødé@例え.jp", SourceID: "🔑", Reason: "", Fields: map[string]Value{
				"名前":   StringVal("太郎 🎌"),
				"null": NullVal(),
				"nul":  StringVal("a\x00b"),
				"list": ListVal("α", "", "γ"),
				"f":    FloatVal(-0.000001),
				"i":    IntVal(-9223372036854775808),
			}}},
			Skipped:  []Skipped{{Outcome: Excluded, Key: "\x00\xff raw bytes", SourceID: "\t", Reason: "¡no!"}},
			Warnings: []string{"⚠ élan"},
		}},
		{"nil values", &Plan{
			FormatVersion: FormatVersion,
			Changes: []Change{
				{Action: Add, Key: "a", Fields: map[string]Value{"x": NullVal()}},
				{Action: Add, Key: "b", Fields: map[string]Value{}},
				{Action: Add, Key: "c"},
				{Action: Update, Key: "d", Diff: []FieldChange{{Field: "x", Before: NullVal(), After: NullVal()}}},
				{Action: Update, Key: "e", Diff: []FieldChange{}},
			},
			Warnings: []string{},
		}},
		{"large", largePlan(100_000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.plan
			want.Normalize()
			data := writePlan(t, want)
			got, err := Read(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if diff := diffPlans(want, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

// diffPlans is cmp.Diff(want, got). On large plans it compares entry by
// entry with a direct equality, and uses go-cmp only to show a difference:
// go-cmp's reflection costs seconds on 100k changes.
func diffPlans(want, got *Plan) string {
	if len(want.Changes)+len(want.Skipped) <= 1000 {
		return cmp.Diff(want, got)
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Plan{}, "Changes", "Skipped")); diff != "" {
		return diff
	}
	if len(want.Changes) != len(got.Changes) || len(want.Skipped) != len(got.Skipped) {
		return fmt.Sprintf("%d changes and %d skipped, want %d and %d", len(got.Changes), len(got.Skipped), len(want.Changes), len(want.Skipped))
	}
	for i := range want.Changes {
		if !changeEqual(&want.Changes[i], &got.Changes[i]) {
			return fmt.Sprintf("change %d: %s", i, cmp.Diff(want.Changes[i], got.Changes[i]))
		}
	}
	for i := range want.Skipped {
		if want.Skipped[i] != got.Skipped[i] {
			return fmt.Sprintf("skipped %d: %s", i, cmp.Diff(want.Skipped[i], got.Skipped[i]))
		}
	}
	return ""
}

// changeEqual is what cmp.Equal reports for two changes.
func changeEqual(a, b *Change) bool {
	if a.Action != b.Action || a.Key != b.Key || a.SourceID != b.SourceID || a.Reason != b.Reason ||
		(a.Fields == nil) != (b.Fields == nil) || len(a.Fields) != len(b.Fields) ||
		(a.Diff == nil) != (b.Diff == nil) || len(a.Diff) != len(b.Diff) {
		return false
	}
	for k, v := range a.Fields {
		if w, ok := b.Fields[k]; !ok || !v.Equal(w) {
			return false
		}
	}
	for i, d := range a.Diff {
		e := b.Diff[i]
		if d.Field != e.Field || !d.Before.Equal(e.Before) || !d.After.Equal(e.After) {
			return false
		}
	}
	return true
}

func TestFileBatches(t *testing.T) {
	p := largePlan(2*BatchRows + 10)
	data := writePlan(t, p)
	var batches []int
	_, err := readBatches(bytes.NewReader(data), func(rows int) { batches = append(batches, rows) })
	if err != nil {
		t.Fatal(err)
	}
	total := len(p.Changes) + len(p.Skipped)
	want := []int{BatchRows, BatchRows, total - 2*BatchRows}
	if diff := cmp.Diff(want, batches); diff != "" {
		t.Errorf("batch sizes (-want +got):\n%s", diff)
	}
}

// readBatches reads a plan file's Arrow stream, reporting each batch's
// size.
func readBatches(r io.Reader, each func(rows int)) (*arrow.Schema, error) {
	rd, err := ipc.NewReader(r)
	if err != nil {
		return nil, err
	}
	defer rd.Release()
	for rd.Next() {
		each(int(rd.RecordBatch().NumRows()))
	}
	return rd.Schema(), rd.Err()
}

// writeForeignStream writes an Arrow stream that is not a plan.
func writeForeignStream(w io.Writer) error {
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues([]int64{1, 2, 3}, nil)
	col := b.NewArray()
	defer col.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, 3)
	defer rec.Release()
	iw := ipc.NewWriter(w, ipc.WithSchema(schema))
	if err := iw.Write(rec); err != nil {
		return err
	}
	return iw.Close()
}

func TestFileVersions(t *testing.T) {
	p := samplePlan()
	for _, tt := range []struct {
		version string
		want    error
	}{
		{"1.0", nil},
		{"1.9", nil},
		{"2.0", ErrUnsupportedVersion},
		{"0.9", ErrUnsupportedVersion},
		{"", nil}, // checked below: invalid
		{"one", nil},
	} {
		t.Run(tt.version, func(t *testing.T) {
			var b bytes.Buffer
			if err := write(&b, p, tt.version); err != nil {
				t.Fatal(err)
			}
			got, err := Read(&b)
			switch {
			case tt.version == "" || tt.version == "one":
				if err == nil || !strings.Contains(err.Error(), "invalid plan format version") {
					t.Errorf("Read = %v, want an invalid version error", err)
				}
			case tt.want == nil:
				if err != nil {
					t.Fatalf("Read = %v", err)
				}
				if got.FormatVersion != tt.version {
					t.Errorf("FormatVersion = %q, want %q", got.FormatVersion, tt.version)
				}
			default:
				if !errors.Is(err, tt.want) {
					t.Errorf("Read = %v, want %v", err, tt.want)
				}
				if err != nil && !strings.Contains(err.Error(), tt.version) {
					t.Errorf("error %q does not name the version", err)
				}
			}
		})
	}
}

func TestFileErrors(t *testing.T) {
	good := writePlan(t, largePlan(3*BatchRows))
	small := writePlan(t, samplePlan())

	// Not a plan at all.
	for name, data := range map[string][]byte{
		"empty":   nil,
		"text":    []byte("Plan: 1 to add\n"),
		"json":    []byte(`{"format_version":"1.0"}`),
		"garbage": bytes.Repeat([]byte{0xff}, 64),
	} {
		if _, err := Read(bytes.NewReader(data)); !errors.Is(err, ErrNotPlanFile) {
			t.Errorf("%s: Read = %v, want ErrNotPlanFile", name, err)
		}
	}

	// An Arrow stream that is not a plan.
	var other bytes.Buffer
	if err := writeForeignStream(&other); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(&other); !errors.Is(err, ErrNotPlanFile) {
		t.Errorf("foreign Arrow stream: Read = %v, want ErrNotPlanFile", err)
	}

	// Truncated anywhere: an error, never a panic nor a shorter plan.
	for _, n := range []int{8, 100, len(small) / 2, len(small) - 9, len(small) - 8, len(small) - 1} {
		if _, err := Read(bytes.NewReader(small[:n])); err == nil {
			t.Errorf("truncated to %d of %d bytes: no error", n, len(small))
		}
	}
	for _, n := range []int{len(good) / 3, len(good) / 2, len(good) - 8} {
		_, err := Read(bytes.NewReader(good[:n]))
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("truncated to %d of %d bytes: Read = %v, want ErrCorrupt", n, len(good), err)
		}
	}

	// A flipped bit anywhere: an error, never a panic nor a different plan.
	want, err := Read(bytes.NewReader(small))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(small); i++ {
		bad := bytes.Clone(small)
		bad[i] ^= 0x10
		got, err := Read(bytes.NewReader(bad))
		if err == nil && !cmp.Equal(want, got) {
			t.Fatalf("byte %d flipped: read a different plan without error", i)
		}
	}
}

func TestFileWriteErrors(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, &Plan{Changes: []Change{{Key: "k"}}}); err == nil {
		t.Error("wrote a change without an action")
	}
	if err := Write(&b, &Plan{Skipped: []Skipped{{Key: "k"}}}); err == nil {
		t.Error("wrote a skipped record without an outcome")
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.sluice")
	p := samplePlan()
	if err := WriteFile(path, p); err != nil {
		t.Fatal(err)
	}
	// Overwrite: the new plan replaces the old one whole.
	p.StateSerial = 8
	if err := WriteFile(path, p); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("plan file mode %v is readable by others", perm)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}

	// A failed write leaves the old file and no temporary file.
	if err := WriteFile(path, &Plan{Changes: []Change{{Key: "bad"}}}); err == nil {
		t.Fatal("WriteFile of an invalid plan succeeded")
	}
	if got, err := ReadFile(path); err != nil || got.StateSerial != 8 {
		t.Errorf("after a failed write: %v, %v", got, err)
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "plan"), p); err == nil {
		t.Error("WriteFile into a missing directory succeeded")
	}
	if _, err := ReadFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("ReadFile of a missing file succeeded")
	}
}

func FuzzRead(f *testing.F) {
	for _, p := range []*Plan{samplePlan(), guardPlan(), noChangesPlan(), New("empty", created), largePlan(50)} {
		var b bytes.Buffer
		if err := Write(&b, p); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
		f.Add(b.Bytes()[:b.Len()/2])
	}
	var v2 bytes.Buffer
	if err := write(&v2, samplePlan(), "2.0"); err != nil {
		f.Fatal(err)
	}
	f.Add(v2.Bytes())
	var other bytes.Buffer
	if err := writeForeignStream(&other); err != nil {
		f.Fatal(err)
	}
	f.Add(other.Bytes())
	f.Add([]byte{})
	f.Add([]byte("\xff\xff\xff\xff\x10\x00\x00\x00garbage"))

	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever reads must write and read back the same.
		var b bytes.Buffer
		if err := Write(&b, p); err != nil {
			t.Fatalf("Write of a plan Read accepted: %v", err)
		}
		q, err := Read(&b)
		if err != nil {
			t.Fatalf("Read of a plan Write made: %v", err)
		}
		if diff := cmp.Diff(p, q, cmpopts.IgnoreFields(Plan{}, "FormatVersion")); diff != "" {
			t.Fatalf("second round trip (-first +second):\n%s", diff)
		}
	})
}

// TestReadDamagedLengths sets lengths inside the schema message to huge
// values: Read must refuse them before Arrow sizes anything by them.
func TestReadDamagedLengths(t *testing.T) {
	good := writePlan(t, samplePlan())
	// The stream starts with the continuation marker and the schema
	// message's length; its flatbuffer follows.
	const metaStart = 8
	meta := good[metaStart:]
	msg, err := rootTable(meta)
	if err != nil {
		t.Fatal(err)
	}
	schema, _, err := msg.table(2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		field int
	}{{"fields", 1}, {"custom metadata", 2}} {
		at, ok, err := schema.target(tt.field)
		if err != nil || !ok {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for _, n := range []uint32{0x7fffffff, 0xffffffff, 1 << 20} {
			bad := bytes.Clone(good)
			binary.LittleEndian.PutUint32(bad[metaStart+int(at):], n)
			if _, err := Read(bytes.NewReader(bad)); !errors.Is(err, ErrNotPlanFile) && !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s length %#x: Read = %v", tt.name, n, err)
			}
		}
	}
}
