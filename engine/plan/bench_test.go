package plan

import (
	"bytes"
	"io"
	"testing"
)

const benchChanges = 100_000

func BenchmarkWriteJSON(b *testing.B) {
	p := largePlan(benchChanges)
	var out bytes.Buffer
	if err := WriteJSON(&out, p); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(out.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteJSON(io.Discard, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteText(b *testing.B) {
	p := largePlan(benchChanges)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteText(io.Discard, p, TextOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	p := largePlan(benchChanges)
	var out bytes.Buffer
	if err := Write(&out, p); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(out.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(io.Discard, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRead(b *testing.B) {
	var file bytes.Buffer
	if err := Write(&file, largePlan(benchChanges)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(file.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(file.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}
