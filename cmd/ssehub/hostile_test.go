package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/ssetest"
)

// h2cClient speaks only cleartext HTTP/2 and counts the connections it
// dials: it opens another connection when one has as many streams as the
// server allows.
func h2cClient(t *testing.T) (*http.Client, *atomic.Int64) {
	dials := new(atomic.Int64)
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	var d net.Dialer
	tr := &http.Transport{
		Protocols: p,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return d.DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}, dials
}

// One HTTP/2 connection carries at most -h2-max-streams streams (100 by
// default; net/http's own default is 250): a client opens its 101st stream
// on a second connection, and with -h2-max-streams 10, its 11th.
func TestH2StreamsPerConnection(t *testing.T) {
	for _, c := range []struct {
		args []string
		max  int
	}{{nil, 100}, {[]string{"-h2-max-streams", "10"}, 10}} {
		t.Run(strconv.Itoa(c.max), func(t *testing.T) {
			r := startRun(t, nil, append([]string{"-addr", "127.0.0.1:0", "-tick", "0"}, c.args...)...)
			client, dials := h2cClient(t)
			for i := range c.max {
				ssetest.OpenRegistered(t, client, fmt.Sprintf("%s/sse?id=c%d", r.url, i), nil)
			}
			if n := dials.Load(); n != 1 {
				t.Fatalf("%d streams took %d connections, want 1", c.max, n)
			}
			s := ssetest.OpenRegistered(t, client, fmt.Sprintf("%s/sse?id=c%d", r.url, c.max), nil)
			if n := dials.Load(); n != 2 || s.Resp.ProtoMajor != 2 {
				t.Errorf("stream %d: %s over %d connections, want HTTP/2 over 2: the first took more than %d", c.max+1, s.Resp.Proto, n, c.max)
			}
		})
	}
}

// -max-streams holds over HTTP/2 as over HTTP/1.1: past it streams get 503,
// however few connections carry them. Without the flag the limit is
// ssehub.DefaultMaxStreams or what the open-files limit allows, and the
// start-up line says which.
func TestMaxStreamsOverHTTP2(t *testing.T) {
	r := startRun(t, nil, "-addr", "127.0.0.1:0", "-tick", "0", "-max-streams", "3")
	h2c, _ := h2cClient(t)
	for name, client := range map[string]*http.Client{"HTTP/2.0": h2c, "HTTP/1.1": r.client} {
		t.Run(name, func(t *testing.T) {
			var streams []*ssetest.Stream
			for i := range 3 {
				streams = append(streams, ssetest.OpenRegistered(t, client, fmt.Sprintf("%s/sse?id=m%d", r.url, i), nil))
			}
			ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", r.url+"/sse?id=m3", nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Proto != name || !strings.Contains(string(b), "at most 3 streams") {
				t.Errorf("a 4th stream: %s %d %s, want %s 503 saying the hub serves at most 3", resp.Proto, resp.StatusCode, b, name)
			}
			for _, s := range streams {
				s.Close()
			}
			ssetest.Eventually(t, "the streams ended on the hub", func() bool {
				code, body := r.send(t, "GET", "/clients", "", nil)
				return code == http.StatusOK && !strings.Contains(body, `"m`)
			})
		})
	}

	def := startRun(t, nil, "-addr", "127.0.0.1:0", "-tick", "0")
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	want := "max_streams=" + strconv.Itoa(defaultMaxStreams(lim.Cur))
	if log := def.stderr.String(); !strings.Contains(log, want) {
		t.Errorf("start-up log without -max-streams lacks %s:\n%s", want, log)
	}
}

// -body-timeout and -allow-host, end to end: a publish whose body stops
// after one byte is answered 408 and its connection closed within the
// timeout; an open hub refuses publishing for a rebinding Host, and
// accepts it for a name of -allow-host.
func TestBodyTimeoutAndAllowHostFlags(t *testing.T) {
	r := startRun(t, map[string]string{"SSEHUB_ALLOW_HOSTS": "hub.internal"}, "-addr", "127.0.0.1:0", "-tick", "0", "-body-timeout", "300ms")
	nc, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	start := time.Now()
	nc.SetDeadline(start.Add(3 * time.Second))
	fmt.Fprintf(nc, "POST /publish HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", r.addr)
	got, err := io.ReadAll(nc)
	if err != nil {
		t.Fatalf("connection still open %v after one byte of the body (-body-timeout 300ms): %v", time.Since(start).Round(time.Millisecond), err)
	}
	if resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(got)), nil); err != nil || resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("slow body: %q (%v), want a 408", got, err)
	}

	for host, want := range map[string]int{"rebind.attacker.example": http.StatusForbidden, "hub.internal:3020": http.StatusOK, r.addr: http.StatusOK} {
		ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
		req, _ := http.NewRequestWithContext(ctx, "POST", r.url+"/publish", strings.NewReader("broadcast=true&data=x"))
		req.Host = host
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := r.client.Do(req)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		if resp.StatusCode != want || (want == http.StatusForbidden && !strings.Contains(string(b), "-allow-host")) {
			t.Errorf("publish for Host %q: %d %s, want %d", host, resp.StatusCode, b, want)
		}
	}
}
