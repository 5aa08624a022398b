package loadconn

import (
	"net"
	"strings"
	"testing"
)

func TestSourceAddrs(t *testing.T) {
	hub := net.ParseIP("127.0.0.1")
	srcs := SourceAddrs(hub, 1, 3)
	if len(srcs) != 3 || srcs[2].String() != "127.0.0.3" {
		t.Errorf("sources %v", srcs)
	}
	if srcs := SourceAddrs(hub, 11, 2); srcs[0].String() != "127.0.0.11" || srcs[1].String() != "127.0.0.12" {
		t.Errorf("sources from 11: %v", srcs)
	}
	if s := SourceAddrs(net.ParseIP("::1"), 1, 3); len(s) != 1 || s[0].String() != "::1" {
		t.Errorf("IPv6 sources %v", s)
	}
}

func TestStreamRequest(t *testing.T) {
	node := Node{Host: "127.0.0.1:3090"}
	req := string(StreamRequest(node, "c 1", "42"))
	if !strings.HasPrefix(req, "GET /sse?id=c+1 HTTP/1.1\r\nHost: 127.0.0.1:3090\r\n") ||
		!strings.Contains(req, "\r\nLast-Event-ID: 42\r\n") || !strings.HasSuffix(req, "\r\n\r\n") {
		t.Errorf("request %q", req)
	}
	if req := string(StreamRequest(node, "c1", "4\r\n2")); strings.Contains(req, "Last-Event-ID") {
		t.Errorf("unsafe Last-Event-ID sent: %q", req)
	}
}
