// Command httpjson is an example connector plugin: a source reading
// records from a paged HTTP JSON API, built as a binary of its own and
// run by sluice from a plugin block:
//
//	plugin "http_json" {
//	  path   = "bin/httpjson"
//	  sha256 = "..." # sha256sum bin/httpjson
//	}
//
//	connection "people" {
//	  connector = "http_json"
//	  settings = {
//	    url    = "https://api.example.com/people?page=1"
//	    token  = var.api_token
//	    id     = "id"
//	    cursor = "updated_at"
//	    fields = { id = "string", email = "string", name = "string", updated_at = "time" }
//	  }
//	}
//
// A page is a JSON object holding a list of records and the URL of the
// next page ({"records": [...], "next": "/people?page=2"}); the member
// names are settings. It shows what a plugin's author writes: the
// connector (connector.go) and this main, which serves it.
package main

import (
	"fmt"
	"os"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

func main() {
	if err := sdk.Serve(New()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
