package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestRoundtripScriptCopy fails when the round-trip script's copies of the
// quickstart pipeline and its seed differ from the files in the
// repository: the script checks what the README tells people to run.
func TestRoundtripScriptCopy(t *testing.T) {
	root := filepath.Join("..", "..", "..", "..")
	ar, err := txtar.ParseFile(filepath.Join(root, "cmd", "sluice", "testdata", "script", "feedback_roundtrip.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	copies := map[string][]byte{}
	for _, f := range ar.Files {
		copies[f.Name] = f.Data
	}
	for _, name := range []string{"pipelines/quickstart_roundtrip.hcl", "testdata/roundtrip/candidates.sql"} {
		want, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := copies[name]; !ok || string(got) != string(want) {
			t.Errorf("feedback_roundtrip.txtar's copy of %s differs from the file; copy it again", name)
		}
	}
}
