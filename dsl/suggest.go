package dsl

import "fmt"

// Bounds on the work of a suggestion: a name or a list this long is no
// misspelling, and a hostile file must not make each of its mistakes cost
// a full comparison with each of its names.
const (
	maxSuggestLen        = 128
	maxSuggestCandidates = 5000
)

// Suggest returns the name of candidates closest to given when it is close
// enough to be a likely misspelling, or "".
func Suggest(given string, candidates []string) string {
	g := []rune(given)
	if len(g) > maxSuggestLen || len(candidates) > maxSuggestCandidates {
		return ""
	}
	// Up to two edits, and at most half the name: "xx" is no misspelling
	// of "eu".
	limit := min(3, len(g)/2+1)
	best, bestDist := "", limit
	for _, c := range candidates {
		if d := distanceWithin(g, []rune(c), bestDist-1); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// distanceWithin returns the edit distance between a and b when it is at
// most k, and k+1 otherwise. Only the band of the table within k of its
// diagonal is computed, so the cost is linear in the lengths.
func distanceWithin(a, b []rune, k int) int {
	if k < 0 {
		return 0
	}
	if len(a)-len(b) > k || len(b)-len(a) > k {
		return k + 1
	}
	const far = 1 << 30
	prev := make([]int, len(b)+2)
	cur := make([]int, len(b)+2)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		lo, hi := max(1, i-k), min(len(b), i+k)
		rowMin := far
		if lo == 1 {
			cur[0] = i
			rowMin = i
		} else {
			cur[lo-1] = far
		}
		for j := lo; j <= hi; j++ {
			v := prev[j-1]
			if a[i-1] != b[j-1] {
				v++
			}
			v = min(v, prev[j]+1, cur[j-1]+1)
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		cur[hi+1] = far // outside the band: never the shorter path
		if rowMin > k {
			return k + 1
		}
		prev, cur = cur, prev
	}
	if d := prev[len(b)]; d <= k {
		return d
	}
	return k + 1
}

// DidYouMean returns " Did you mean "x"?" for a likely misspelling, or "".
func DidYouMean(given string, candidates []string) string {
	if s := Suggest(given, candidates); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}
