package main

import (
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sluice-sync/sluice/cmd/sluice/internal/cli"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"sluice": func() { os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
		// sqlite3-exec FILE SQL runs a statement, as a person would with
		// the sqlite3 shell.
		"sqlite3-exec": func() { os.Exit(sqliteExec(os.Args[1], os.Args[2], false)) },
		// sqlite3-query FILE SQL prints each row, columns separated by |.
		"sqlite3-query": func() { os.Exit(sqliteExec(os.Args[1], os.Args[2], true)) },
	})
}

func sqliteExec(path, stmt string, query bool) int {
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	if !query {
		if _, err := db.Exec(stmt); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	rows, err := db.Query(stmt)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		rows.Scan(ptrs...)
		out := make([]string, len(vals))
		for i, v := range vals {
			out[i] = v.String
		}
		fmt.Println(strings.Join(out, "|"))
	}
	return 0
}

// TestScripts runs the CLI scripts of testdata/script: commands, their
// output and exit codes, and the files they leave.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			return nil
		},
	})
}
