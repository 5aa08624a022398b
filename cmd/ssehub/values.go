package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The flags' values. Each Set error says what is wanted, with an example,
// so that a bad value's message (see badValue) can be read without the
// documentation; each form is what -h shows after the flag's name.

// durationValue is a time.Duration flag.
type durationValue time.Duration

func newDuration(p *time.Duration, def time.Duration) *durationValue {
	*p = def
	return (*durationValue)(p)
}

func (d *durationValue) String() string { return shortDuration(time.Duration(*d)) }
func (d *durationValue) form() string   { return "duration" }

func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err == nil {
		*d = durationValue(v)
		return nil
	}
	// A bare number is the most common mistake: say what it lacks.
	if _, numErr := strconv.ParseFloat(s, 64); numErr == nil {
		return fmt.Errorf("want a duration with a unit, such as %ss (ms, s, m, h)", s)
	}
	return errors.New("want a duration such as 1s, 500ms or 1m30s (units ms, s, m, h)")
}

// shortDuration writes d as a person would: 24h rather than 24h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// intValue is an int flag.
type intValue int

func newInt(p *int, def int) *intValue {
	*p = def
	return (*intValue)(p)
}

func (n *intValue) String() string { return strconv.Itoa(int(*n)) }
func (n *intValue) form() string   { return "n" }

func (n *intValue) Set(s string) error {
	v, err := strconv.ParseInt(s, 10, 0)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return errors.New("want a smaller whole number")
	case err != nil:
		return errors.New("want a whole number, such as 100")
	}
	*n = intValue(v)
	return nil
}

// boolValue is a bool flag: -h2c alone means true, -h2c=false turns it off.
type boolValue bool

func newBool(p *bool, def bool) *boolValue {
	*p = def
	return (*boolValue)(p)
}

func (b *boolValue) String() string   { return strconv.FormatBool(bool(*b)) }
func (b *boolValue) IsBoolFlag() bool { return true }
func (b *boolValue) form() string     { return "" }

func (b *boolValue) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true or false")
	}
	*b = boolValue(v)
	return nil
}

// textValue is a string flag; its form says what it holds (host:port,
// file). Its values are checked by config.validate, which knows what each
// means.
type textValue struct {
	p    *string
	what string
}

func newText(p *string, def, form string) *textValue {
	*p = def
	return &textValue{p: p, what: form}
}

func (t *textValue) String() string     { return *t.p }
func (t *textValue) Set(s string) error { *t.p = s; return nil }
func (t *textValue) form() string       { return t.what }

// choiceValue is a string flag that takes one of a few words.
type choiceValue struct {
	p       *string
	choices []string
}

func newChoice(p *string, def string, choices ...string) *choiceValue {
	*p = def
	return &choiceValue{p: p, choices: choices}
}

func (c *choiceValue) String() string { return *c.p }

func (c *choiceValue) form() string { return strings.Join(c.choices, "|") }

func (c *choiceValue) Set(s string) error {
	for _, ch := range c.choices {
		if strings.EqualFold(s, ch) {
			*c.p = ch
			return nil
		}
	}
	return fmt.Errorf("want one of %s", strings.Join(c.choices, ", "))
}

// levelValue is -log-level: the least severe slog level written.
type levelValue slog.Level

// levels are the words -log-level takes, least severe first.
var levels = []string{"debug", "info", "warn", "error"}

func (l *levelValue) String() string { return strings.ToLower(slog.Level(*l).String()) }
func (l *levelValue) form() string   { return strings.Join(levels, "|") }

func (l *levelValue) Set(s string) error {
	var v slog.Level
	if !slices.Contains(levels, strings.ToLower(s)) || v.UnmarshalText([]byte(s)) != nil {
		return fmt.Errorf("want one of %s", strings.Join(levels, ", "))
	}
	*l = levelValue(v)
	return nil
}

// byteSize is a flag holding a number of bytes, with an optional KiB, MiB
// or GiB suffix.
type byteSize int64

func (b *byteSize) form() string { return "size" }

func (b *byteSize) String() string {
	n := int64(*b)
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

func (b *byteSize) Set(s string) error {
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			s, mult = n, m
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<40)/mult {
		return errors.New("want a number of bytes, such as 262144, 256KiB or 64MiB (suffixes KiB, MiB, GiB)")
	}
	*b = byteSize(n * mult)
	return nil
}

// keyList is the -publish-key flag: keys given in several flags, or
// separated by commas in one.
type keyList []string

// minKeyLen keeps guessable keys out.
const minKeyLen = 16

// String never shows the keys: it is what -h would print as a default.
func (k *keyList) String() string {
	if len(*k) == 0 {
		return ""
	}
	return fmt.Sprintf("%d key(s)", len(*k))
}

func (k *keyList) form() string { return "key" }

// Set's errors never quote the key: the flag is secret (see secretFlags),
// and badValue leaves its value out too.
func (k *keyList) Set(s string) error {
	for key := range strings.SplitSeq(s, ",") {
		key = strings.TrimSpace(key)
		switch {
		case len(key) < minKeyLen:
			return fmt.Errorf("a publish key must have at least %d characters (make one with: openssl rand -hex 32)", minKeyLen)
		case strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r == 0x7f }):
			return errors.New("a publish key must not contain spaces or control characters")
		}
		*k = append(*k, key)
	}
	return nil
}

// hostList is the -allow-host flag: host names given in several flags, or
// separated by commas in one.
type hostList []string

func (h *hostList) String() string { return strings.Join(*h, ",") }
func (h *hostList) form() string   { return "names" }

func (h *hostList) Set(s string) error {
	return appendNames((*[]string)(h), s, ".-_", "want host names such as hub.internal, comma-separated (no scheme, port or wildcard)")
}

// checked wraps every flag's Value so that a bad value on the command line
// is reported by ssehub (badValue: the flag, the value unless it is a
// secret, what is wanted) instead of by the flag package, whose message
// quotes every value, secrets included.
type checked struct {
	flag.Value
	name  string
	first *error // where the first bad value is kept for parseConfig
}

func (v checked) Set(s string) error {
	err := v.Value.Set(s)
	if err != nil && *v.first == nil {
		*v.first = badValue(v.name, "", s, err)
	}
	return err
}

// IsBoolFlag keeps a wrapped bool flag usable without a value (-h2c).
func (v checked) IsBoolFlag() bool {
	b, ok := v.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// form is what the flag's value looks like, for -h ("" for a bool).
func (v checked) form() string {
	if f, ok := v.Value.(interface{ form() string }); ok {
		return f.form()
	}
	return "value"
}

// addrValue is a listen address, host:port, checked when it is set: a
// value that cannot be an address is a bad value (exit 2), unlike one that
// cannot be listened on now (in use: exit 1). example is the port shown in
// the messages; optional allows "" (no listener).
type addrValue struct {
	p        *string
	example  string
	optional bool
}

func newAddr(p *string, def, example string, optional bool) *addrValue {
	*p = def
	return &addrValue{p: p, example: example, optional: optional}
}

func (a *addrValue) String() string { return *a.p }
func (a *addrValue) form() string   { return "host:port" }

func (a *addrValue) Set(s string) error {
	if s == "" && a.optional {
		*a.p = s
		return nil
	}
	host, port, err := net.SplitHostPort(s)
	switch {
	case strings.Contains(s, "://"):
		return fmt.Errorf("want host:port without a scheme, such as %s or 127.0.0.1%s", a.example, a.example)
	case err != nil:
		return fmt.Errorf("want host:port, such as %s or 127.0.0.1%s", a.example, a.example)
	case strings.ContainsFunc(host, outside(".-_:%")): // no host name or IP address (with an IPv6 zone) holds another rune
		return fmt.Errorf("want a host name or IP address before the port, such as 127.0.0.1%s (no scheme, path or spaces)", a.example)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("want a port from 0 to 65535 after the colon, such as %s", a.example)
	}
	*a.p = s
	return nil
}

// nameList is a flag holding names, given in several flags or separated
// by commas in one: -sse-params.
type nameList []string

func (l *nameList) String() string { return strings.Join(*l, ",") }
func (l *nameList) form() string   { return "names" }

// Set takes names that a URL carries as they are: letters, digits and
// - _ . ~ (anything else would be percent-encoded, and is a likely mistake,
// such as a whole query "_=1").
func (l *nameList) Set(s string) error {
	return appendNames((*[]string)(l), s, "-_.~", "want parameter names separated by commas, such as _,v (letters, digits, - _ . ~)")
}

// appendNames appends to list the names separated by commas in s, each
// made of ASCII letters, digits and the runes in punct; an empty name or
// another rune is refused with the error want.
func appendNames(list *[]string, s, punct, want string) error {
	for name := range strings.SplitSeq(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" || strings.ContainsFunc(name, outside(punct)) {
			return errors.New(want)
		}
		*list = append(*list, name)
	}
	return nil
}

// outside returns a test for a rune that is neither an ASCII letter or
// digit nor one of punct.
func outside(punct string) func(rune) bool {
	return func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(punct, r))
	}
}
