package dsl_test

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad loads arbitrary bytes as a pipeline file and resolves it as
// `sluice validate` does. It must never panic or hang, and every
// diagnostic must say what is wrong and where.
func FuzzLoad(f *testing.F) {
	valid, _ := filepath.Glob("../testdata/valid/*.hcl")
	errs, _ := filepath.Glob("../testdata/errors/*.hcl")
	for _, path := range append(valid, errs...) {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte(everyProblem))
	// One file, rewritten for each input: the fuzz function runs one input
	// at a time in each process, and a directory per input would halve
	// the rate of inputs tried.
	path := filepath.Join(f.TempDir(), "fuzz.hcl")
	f.Fuzz(func(t *testing.T, src []byte) {
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, diags := check(t, []string{path})
		if cfg == nil || cfg.Settings == nil {
			t.Fatal("Load returned no config or no settings")
		}
		for _, d := range diags {
			if d.Summary == "" {
				t.Errorf("a diagnostic has no summary: %#v", d)
			}
			if s := d.Subject; s != nil && (s.Start.Line < 1 || s.Start.Byte > s.End.Byte) {
				t.Errorf("%q has an invalid subject %#v", d.Summary, s)
			}
		}
	})
}
