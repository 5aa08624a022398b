package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Do sends one command (as a RESP array) to the Redis or Sentinel at addr on
// a fresh connection and returns its parsed reply: a string for simple and
// bulk strings, an int64, nil, []any for arrays, or an error for an error
// reply. It is the harness's own tiny client, so that the harness does not
// depend on the client under test.
func Do(addr string, args ...string) (any, error) {
	replies, err := DoAll(addr, args)
	if err != nil {
		return nil, err
	}
	return replies[0], nil
}

// DoAll sends commands on one connection (WAIT counts the replicas that have
// this connection's writes) and returns their replies; it stops at the first
// error.
func DoAll(addr string, commands ...[]string) ([]any, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	var replies []any
	for _, args := range commands {
		var b strings.Builder
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
		if _, err := c.Write([]byte(b.String())); err != nil {
			return replies, err
		}
		reply, err := readReply(r)
		if err != nil {
			return replies, err
		}
		replies = append(replies, reply)
	}
	return replies, nil
}

// DoString is Do for a command whose reply is a string.
func DoString(addr string, args ...string) (string, error) {
	r, err := Do(addr, args...)
	if err != nil {
		return "", err
	}
	s, ok := r.(string)
	if !ok {
		return "", fmt.Errorf("%s: reply %v is not a string", args[0], r)
	}
	return s, nil
}

// errReply is a Redis error reply.
type errReply string

func (e errReply) Error() string { return string(e) }

func readReply(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty reply line")
	}
	body := line[1:]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return nil, errReply(body)
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := readFull(r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = readReply(r); err != nil {
				var e errReply
				if !errors.As(err, &e) {
					return nil, err
				}
				out[i] = e
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown reply %q", line)
}

func readFull(r *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// infoField returns one field of an INFO reply ("role", "cluster_state").
func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}
