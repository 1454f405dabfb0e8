package dsl

import (
	"math/rand"
	"testing"
)

// naiveDistance is the textbook edit distance.
func naiveDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev = cur
	}
	return prev[len(b)]
}

// TestDistanceWithin compares the banded distance with the textbook one
// on random short strings over a small alphabet, where edits are close.
func TestDistanceWithin(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	word := func() []rune {
		w := make([]rune, r.Intn(8))
		for i := range w {
			w[i] = rune("abcé"[r.Intn(3)])
		}
		return w
	}
	for range 20000 {
		a, b, k := word(), word(), r.Intn(4)
		want := min(naiveDistance(a, b), k+1)
		if got := distanceWithin(a, b, k); got != want {
			t.Fatalf("distanceWithin(%q, %q, %d) = %d, want %d", string(a), string(b), k, got, want)
		}
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"pipeline", "connection", "variable", "eu", "Candidate_Status", "Country"}
	for given, want := range map[string]string{
		"pipline":        "pipeline",
		"conection":      "connection",
		"Candidate_Stat": "Candidate_Status",
		"Countr":         "Country",
		"xx":             "",
		"e":              "",
		"settings":       "",
		"":               "",
	} {
		if got := Suggest(given, names); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", given, got, want)
		}
	}
}
