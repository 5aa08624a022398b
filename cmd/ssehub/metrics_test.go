package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func scrape(t *testing.T, client *http.Client, url, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// /metrics is served on -addr behind the publish keys, or alone on
// -metrics-addr, where it is not on -addr.
func TestMetricsEndpoint(t *testing.T) {
	const key = "0123456789abcdef-key"
	hub := startHub(t, "-publish-key", key)
	if code, _ := scrape(t, hub.client, hub.url+"/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("GET /metrics without the key: %d, want 401", code)
	}
	code, body := scrape(t, hub.client, hub.url+"/metrics", key)
	if code != http.StatusOK || !strings.Contains(body, "ssehub_streams_open") || !strings.Contains(body, "go_goroutines") {
		t.Errorf("GET /metrics with the key: %d, want the hub's and the runtime's metrics:\n%.500s", code, body)
	}

	addr := freeAddr(t)
	alone := startHub(t, "-metrics-addr", addr)
	if code, body := scrape(t, alone.client, "http://"+addr+"/metrics", ""); code != http.StatusOK || !strings.Contains(body, "ssehub_streams_open") {
		t.Errorf("GET /metrics on -metrics-addr: %d\n%.300s", code, body)
	}
	if code, _ := scrape(t, alone.client, alone.url+"/metrics", ""); code != http.StatusNotFound {
		t.Errorf("GET /metrics on -addr with -metrics-addr set: %d, want 404", code)
	}
}
