package state

import "fmt"

// The enums of this package are stored by name, so a database stays
// readable with the sqlite3 shell and does not depend on constant order.
// Each enum keeps its names in a table indexed by value; index 0 is unused
// so that a zero value is never mistaken for a real one.

func enumString[T ~uint8](names []string, typ string, v T) string {
	if v > 0 && int(v) < len(names) {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", typ, uint8(v))
}

func enumValid[T ~uint8](names []string, v T) bool {
	return v > 0 && int(v) < len(names)
}

func parseEnum[T ~uint8](names []string, typ, s string) (T, error) {
	for i, n := range names {
		if i > 0 && n == s {
			return T(i), nil
		}
	}
	return 0, fmt.Errorf("unknown %s %q in the state database", typ, s)
}
