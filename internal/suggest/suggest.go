package suggest

import "strings"

// Closest returns the candidate nearest to word if it is near enough to be
// what a typo meant: at most two edits (a swap of neighbours is one), and
// one at most per three letters of word. ASCII case is ignored: a name
// typed in the wrong case (ID for id) is the one meant. Of equally near
// ones, the first in alphabetical order; "" when none is near enough.
func Closest(word string, candidates []string) string {
	best, bestD := "", 3
	lower := strings.ToLower(word)
	for _, c := range candidates {
		if d := EditDistance(lower, strings.ToLower(c)); d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	if best == "" || 3*bestD > len(word) {
		return ""
	}
	return best
}

// EditDistance is the number of insertions, deletions, substitutions and
// swaps of neighbouring bytes that turn a into b (optimal string
// alignment), for names in ASCII.
func EditDistance(a, b string) int {
	// Three rows of the table: d[i][j] is the distance of a[:i] and b[:j].
	before, prev, cur := make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], before[j-2]+1)
			}
		}
		before, prev, cur = prev, cur, before
	}
	return prev[len(b)]
}
