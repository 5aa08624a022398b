package suggest

import "testing"

func TestClosest(t *testing.T) {
	words := []string{"ADDR", "TICK", "STORE", "NODE", "SHUTDOWN_TIMEOUT", "MAX_STREAMS", "MAX_TOPICS"}
	for word, want := range map[string]string{
		"ADDR":             "ADDR",
		"ADRR":             "ADDR", // a substitution
		"ADR":              "ADDR", // a deletion
		"TIKC":             "TICK", // a swap
		"STOER":            "STORE",
		"SHUTDOWN_TIMOUT":  "SHUTDOWN_TIMEOUT",
		"MAX_STREAM":       "MAX_STREAMS",
		"NO":               "",     // too short to guess
		"NOD":              "NODE", // one edit in three letters
		"XYZW":             "",
		"SHUTDOWN_TIME_OK": "",     // three edits
		"addr":             "ADDR", // case is not an edit
		"tikc":             "TICK",
	} {
		if got := Closest(word, words); got != want {
			t.Errorf("Closest(%q) = %q, want %q", word, got, want)
		}
	}
}

// Query parameters: lower and mixed case, short names.
func TestClosestQueryNames(t *testing.T) {
	names := []string{"id", "topic", "lastEventId", "token"}
	for word, want := range map[string]string{
		"topics":      "topic",
		"Topic":       "topic",
		"ID":          "id", // wrong case only: no edit at all
		"lastEventID": "lastEventId",
		"last_event":  "",
		"tokn":        "token",
		"ix":          "", // one edit in two letters is too many to guess
		"v":           "",
		"":            "",
	} {
		if got := Closest(word, names); got != want {
			t.Errorf("Closest(%q) = %q, want %q", word, got, want)
		}
	}
}

// Of two candidates equally near, the first in alphabetical order, whatever
// the order given.
func TestClosestTie(t *testing.T) {
	for _, c := range [][]string{{"abce", "abcd"}, {"abcd", "abce"}} {
		if got := Closest("abcx", c); got != "abcd" {
			t.Errorf("Closest(abcx, %q) = %q, want abcd", c, got)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"", "abc", 3}, {"abc", "", 3}, {"abc", "abc", 0},
		{"abc", "abd", 1}, {"abc", "acb", 1}, {"abc", "ab", 1}, {"ab", "abc", 1},
		{"kitten", "sitting", 3}, {"ca", "abc", 3}, {"ID", "id", 2},
	} {
		if got := EditDistance(c.a, c.b); got != c.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
