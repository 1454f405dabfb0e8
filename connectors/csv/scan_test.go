package csv

import (
	"bytes"
	"encoding/csv"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// scanned is a record as the tests compare it.
type scanned struct {
	Line   int
	Fields []string
	Err    string
}

// scanAll scans text with a buffer of bufLen bytes from a reader
// returning one byte at a time, so that records straddle every refill.
func scanAll(text string, bufLen int) []scanned {
	sc := newScanner(iotest.OneByteReader(strings.NewReader(text)), ',')
	sc.buf = make([]byte, bufLen)
	var out []scanned
	for sc.next() {
		r := scanned{Line: sc.start, Err: sc.err}
		for _, f := range sc.fields(nil) {
			r.Fields = append(r.Fields, string(f))
		}
		out = append(out, r)
	}
	return out
}

// scanChunks scans text through the pipeline's scan function, with
// buffers of bufLen bytes, and flattens its chunks.
func scanChunks(text string, bufLen int) []scanned {
	sc := newScanner(iotest.HalfReader(strings.NewReader(text)), ',')
	sc.buf = make([]byte, bufLen)
	chunks, free, stop := make(chan *chunk, 1), make(chan *chunk, 4), make(chan struct{})
	go scan(sc, chunks, free, stop)
	var out []scanned
	for c := range chunks {
		for _, rec := range c.recs {
			r := scanned{Line: rec.line, Err: rec.err}
			for _, sp := range c.spans[rec.first : rec.first+rec.n] {
				r.Fields = append(r.Fields, string(c.field(sp)))
			}
			out = append(out, r)
		}
		// Reuse dirties the buffers, as the reader's building does.
		for i := range c.buf {
			c.buf[i] = 'X'
		}
		select {
		case free <- c:
		default:
		}
	}
	return out
}

// reference reads text with encoding/csv.
func reference(t *testing.T, text string) []scanned {
	t.Helper()
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	var out []scanned
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("encoding/csv: %v", err)
		}
		line, _ := r.FieldPos(0)
		out = append(out, scanned{Line: line, Fields: rec})
	}
}

func TestScanMatchesEncodingCSV(t *testing.T) {
	texts := []string{
		"a,b,c\n1,2,3\n",
		"a,b\n\n\n1,2",
		"a,\"b\nc\",d\r\ne,f,g\r\n",
		"\"\",\"\"\"\"\n,\n",
		"x,\"a\r\nb\"\n",
		"é,\"ü,ö\"\n\"Washington, D.C.\",\"O'Brien \"\"Bob\"\"\"\n",
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", "1", ",", "\"", "\n", "\r\n", " ", "é", "😀", ""}
	for range 100 {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.UseCRLF = r.IntN(2) == 0
		for range 1 + r.IntN(6) {
			rec := make([]string, 1+r.IntN(4))
			for i := range rec {
				var f strings.Builder
				for range r.IntN(6) {
					f.WriteString(alphabet[r.IntN(len(alphabet))])
				}
				rec[i] = f.String()
			}
			if len(rec) == 1 && rec[0] == "" {
				rec[0] = "x" // encoding/csv writes "" for it, which reads back as a field
			}
			w.Write(rec)
		}
		w.Flush()
		texts = append(texts, b.String())
	}
	for _, text := range texts {
		want := reference(t, text)
		for _, n := range []int{1, 3, 64} {
			if diff := cmp.Diff(want, scanAll(text, n)); diff != "" {
				t.Fatalf("buffer %d, text %q (-encoding/csv +scanner):\n%s", n, text, diff)
			}
			if diff := cmp.Diff(want, scanChunks(text, n)); diff != "" {
				t.Fatalf("pipeline, buffer %d, text %q (-encoding/csv +scan):\n%s", n, text, diff)
			}
		}
	}
}

func TestScanErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []scanned
	}{
		{
			name: "bare quote",
			text: "a,b\"c,d\ne,f\n",
			want: []scanned{{Line: 1, Err: `bare " in non-quoted field`}, {Line: 2, Fields: []string{"e", "f"}}},
		},
		{
			name: "text after closing quote",
			text: "\"a\"b,c\nd\n",
			want: []scanned{{Line: 1, Err: `extraneous or missing " in quoted field`}, {Line: 2, Fields: []string{"d"}}},
		},
		{
			name: "unterminated quote resumes on the next line",
			text: "a\n\"b,c\nd,e\n",
			want: []scanned{{Line: 1, Fields: []string{"a"}}, {Line: 2, Err: "unterminated quoted field"}, {Line: 3, Fields: []string{"d", "e"}}},
		},
		{
			name: "lines after a multi-line field",
			text: "\"a\nb\nc\",x\n\"d\"\"\",\"\"\n",
			want: []scanned{{Line: 1, Fields: []string{"a\nb\nc", "x"}}, {Line: 4, Fields: []string{"d\"", ""}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range []int{1, 5, 1 << 10} {
				if diff := cmp.Diff(tt.want, scanAll(tt.text, n)); diff != "" {
					t.Errorf("buffer %d (-want +got):\n%s", n, diff)
				}
				if diff := cmp.Diff(tt.want, scanChunks(tt.text, n)); diff != "" {
					t.Errorf("pipeline, buffer %d (-want +got):\n%s", n, diff)
				}
			}
		})
	}
}
