package cli

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-sync/sluice/connectors"
)

var update = flag.Bool("update", false, "rewrite the committed connector reference")

// TestConnectorReference fails when docs/connectors is stale: the
// reference is generated from each connector's settings spec, the one
// place settings are declared.
func TestConnectorReference(t *testing.T) {
	reg := connectors.Builtin()
	dir := filepath.Join("..", "..", "..", "..", "docs", "connectors")
	for _, name := range reg.Names() {
		c, _ := reg.Lookup(name)
		want := ConnectorDoc(c.Info())
		path := filepath.Join(dir, name+".md")
		if *update {
			os.MkdirAll(dir, 0o755)
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != want {
			t.Errorf("%s is stale; regenerate it with: go test ./cmd/sluice/internal/cli -run TestConnectorReference -update", path)
		}
	}
}
