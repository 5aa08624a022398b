package main

import (
	"strings"
	"testing"
)

func TestPayloadRoundTrip(t *testing.T) {
	for _, c := range []struct {
		seq  uint64
		t    int64
		size int
	}{
		{0, 0, 0},
		{7, 1700000000123456789, 64},
		{123456, 1, 1000},
		{1<<64 - 1, 1<<63 - 1, 10},
	} {
		p := appendPayload([]byte("prefix"), c.seq, c.t, c.size)
		data := string(p[len("prefix"):])
		if c.size > 40 && len(data) != c.size {
			t.Errorf("size %d: payload is %d bytes", c.size, len(data))
		}
		if strings.ContainsAny(data, "\r\n\"\\") {
			t.Errorf("payload %q has characters that need escaping", data)
		}
		seq, ts, ok := parsePayload(data)
		if !ok || seq != c.seq || ts != c.t {
			t.Errorf("parse(%q) = %d %d %v, want %d %d", data, seq, ts, ok, c.seq, c.t)
		}
	}
}

func TestPayloadRejects(t *testing.T) {
	for _, s := range []string{
		"", "12", "12 ", " 12 34", "a 1", "1 a", "1 2x", "1 2\n",
		"1 99999999999999999999",    // overflows uint64
		"1 9223372036854775808",     // overflows int64
		"99999999999999999999999 1", // seq overflows
		"reset", "hello world",
	} {
		if _, _, ok := parsePayload(s); ok {
			t.Errorf("parsePayload(%q) accepted", s)
		}
	}
}

func TestParseTargetLoopbackOnly(t *testing.T) {
	for _, u := range []string{
		"http://127.0.0.1:3090", "http://127.9.8.7:1", "http://[::1]:3090", "http://localhost:8080", "http://LOCALHOST",
		"https://127.0.0.1:3090", "https://localhost",
	} {
		if _, err := parseTarget(u); err != nil {
			t.Errorf("parseTarget(%q): %v", u, err)
		}
	}
	for _, u := range []string{
		"http://10.0.0.1:3090", "http://example.com", "https://example.com", "ftp://127.0.0.1:3090", "http://0.0.0.0:3090",
		"http://128.0.0.1", "http://[::2]:80", "http://localhost.example.com", "127.0.0.1:3090",
	} {
		if _, err := parseTarget(u); err == nil {
			t.Errorf("parseTarget(%q) accepted", u)
		}
	}
	tg, _ := parseTarget("http://localhost:3090")
	if tg.Addr != "127.0.0.1:3090" || tg.Host != "localhost:3090" || tg.TLS {
		t.Errorf("localhost: addr %q host %q tls %v", tg.Addr, tg.Host, tg.TLS)
	}
	tg, _ = parseTarget("https://localhost")
	if tg.Addr != "127.0.0.1:443" || tg.Name != "localhost" || !tg.TLS || tg.Base != "https://localhost" {
		t.Errorf("https://localhost: %+v", tg)
	}
}

func TestSSEHubBody(t *testing.T) {
	if got := string(ssehubBody("c\"1", []byte("1 2 xx"), false)); got != `{"clients":["c\"1"],"data":"1 2 xx"}` {
		t.Errorf("ssehub body %s", got)
	}
	if got := string(ssehubBody("", []byte("a\nb"), false)); got != `{"broadcast":true,"data":"a\nb"}` {
		t.Errorf("ssehub body %s", got)
	}
	if got := string(ssehubBody("c1", []byte("x"), true)); got != `{"topics":["https://ssebench.test/clients/c1/events"],"data":"x"}` {
		t.Errorf("Mercure mode body %s", got)
	}
	if got := string(ssehubBody("", []byte("x"), true)); got != `{"topics":["https://ssebench.test/everyone/events"],"data":"x"}` {
		t.Errorf("Mercure mode body %s", got)
	}
}

// Without -url the tool goes where a hub started without flags listens
// (ssehub -addr :3020), over HTTP/1.1.
func TestDefaultURL(t *testing.T) {
	c := Config{Scenario: "idle", Conns: 1}
	if err := c.normalize(); err != nil {
		t.Fatal(err)
	}
	if c.URL != "http://127.0.0.1:3020" || c.Proto != protoH1 || c.H2StreamsPerConn != 100 {
		t.Errorf("URL %q, proto %q, %d streams per HTTP/2 connection", c.URL, c.Proto, c.H2StreamsPerConn)
	}
}

func TestNormalizeDefaults(t *testing.T) {
	c := Config{URL: "http://127.0.0.1:1", Scenario: "targeted", Conns: 45000}
	if err := c.normalize(); err != nil {
		t.Fatal(err)
	}
	if c.Sources != 3 || c.Rate != 10000 || c.Clients != 45000 || c.DialConcurrency != 128 || c.Duration.Seconds() != 20 {
		t.Errorf("defaults %+v", c)
	}
	for _, bad := range []Config{
		{URL: "http://192.168.1.1:1", Scenario: "idle", Conns: 1},
		{URL: "http://127.0.0.1:1", Scenario: "nope", Conns: 1},
		{URL: "http://127.0.0.1:1", Scenario: "idle", Conns: 1, Target: "other"},
		{URL: "http://127.0.0.1:1", Scenario: "idle"},
		{URL: "http://127.0.0.1:1,http://127.0.0.1:1", Scenario: "idle", Conns: 1},
		{URL: "http://127.0.0.1:1,http://[::1]:2", Scenario: "idle", Conns: 1},
		{URL: "http://127.0.0.1:1,http://10.0.0.1:2", Scenario: "idle", Conns: 1},
		{URL: "http://127.0.0.1:1", Scenario: "idle", Conns: 1, Sources: 2, SourceFirst: 250},
		{URL: "http://127.0.0.1:1", Scenario: "latency", Conns: 1, Listen: true},
		{URL: "http://127.0.0.1:1,https://127.0.0.1:2", Scenario: "idle", Conns: 1},
		{URL: "http://127.0.0.1:1", Scenario: "idle", Conns: 1, Proto: "h3"},
		{URL: "http://127.0.0.1:1", Scenario: "idle", Conns: 1, Proto: protoH2, H2StreamsPerConn: -1},
		{URL: "http://127.0.0.1:1", Scenario: "idle", Conns: 1, Insecure: true},
		{URL: "http://127.0.0.1:1", Scenario: "idle", Conns: 1, CAFile: "ca.pem"},
		{URL: "https://127.0.0.1:1", Scenario: "idle", Conns: 1, CAFile: "ca.pem", Insecure: true},
	} {
		if err := bad.normalize(); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}
