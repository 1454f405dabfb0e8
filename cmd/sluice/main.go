// Command sluice is a declarative sync engine: pipelines written in HCL
// move records from a source into a mailing list, reviewed as a plan
// before anything is written, and bring campaign responses back.
package main

import (
	"os"

	"github.com/sluice-sync/sluice/cmd/sluice/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
