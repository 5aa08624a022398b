package client

import (
	"net/http"
	"testing"
	"time"
)

// Retry-After in seconds or as an HTTP date; anything else, a date past,
// or a negative number asks for no particular wait.
func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":     0,
		"1":    time.Second,
		" 30":  30 * time.Second,
		"-5":   0,
		"1.5":  0,
		"soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
		"99999999": 24 * time.Hour,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("Retry-After %q: %v, want %v", v, got, want)
		}
	}
}

// The backoff doubles from 100 ms to 2 s, within the upper half of each
// step.
func TestBackoff(t *testing.T) {
	for attempt, max := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 5: 1600 * time.Millisecond, 6: 2 * time.Second, 60: 2 * time.Second} {
		for range 100 {
			if d := backoff(attempt); d < max/2 || d > max {
				t.Fatalf("backoff(%d) = %v, want %v to %v", attempt, d, max/2, max)
			}
		}
	}
}
