package column

import (
	"fmt"
	"sort"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// CheckTypes checks the types setting of a file source (a map of column
// name to type name) against the type names and the roles of the id and
// cursor settings' columns: the cursor is a time, the id a string or an
// int.
func CheckTypes(s sdk.Settings) []sdk.Problem {
	var ps []sdk.Problem
	types := s.StringMap("types")
	cols := make([]string, 0, len(types))
	for c := range types {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	for _, c := range cols {
		t, ok := ParseType(types[c])
		switch {
		case !ok:
			ps = append(ps, sdk.Problem{Setting: "types", Summary: "Unknown column type",
				Detail: fmt.Sprintf("Column %q has type %q; use one of string, int, float, bool, time, []string.", c, types[c])})
		case c == s.String("cursor") && t != Time:
			ps = append(ps, sdk.Problem{Setting: "types", Summary: "Cursor column is not a time",
				Detail: fmt.Sprintf("Column %q is the cursor, which is always a time; remove it from types or make it \"time\".", c)})
		case c == s.String("id") && t != String && t != Int:
			ps = append(ps, sdk.Problem{Setting: "types", Summary: "Invalid id column type",
				Detail: fmt.Sprintf("Column %q is the id, which must be a string or an int.", c)})
		}
	}
	return ps
}
