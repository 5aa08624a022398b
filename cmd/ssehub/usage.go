package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

const usageHeader = `Usage: ssehub [flags]

A Server-Sent Events push hub: browsers subscribe with GET /sse, backends
publish with POST /publish (see docs/API.md).

Every flag may also be set by the environment variable on its line; a flag
given on the command line wins. Durations: 500ms, 1s, 1m30s, 24h. Sizes: a
number of bytes, or with KiB, MiB or GiB: 256KiB, 64MiB. A bool flag alone
is true: -h2c=false turns it off.

`

// usageWidth is where descriptions are wrapped.
const usageWidth = 80

// usageRow is one flag in -h.
type usageRow struct{ flag, env, def, text string }

// printUsage writes -h: per flag, a line with the flag and the form of its
// value, its environment variable and its default, in aligned columns, and
// below it the description.
func printUsage(w io.Writer, fs *flag.FlagSet) {
	rows := []usageRow{{"FLAG", "ENVIRONMENT", "DEFAULT", ""}}
	fs.VisitAll(func(f *flag.Flag) { rows = append(rows, usageOf(f)) })
	var flagW, envW int
	for _, r := range rows {
		flagW, envW = max(flagW, len(r.flag)), max(envW, len(r.env))
	}
	io.WriteString(w, usageHeader)
	for _, r := range rows {
		fmt.Fprintf(w, "  %-*s  %-*s  %s\n", flagW, r.flag, envW, r.env, r.def)
		for _, line := range wrap(r.text, usageWidth-6) {
			fmt.Fprintf(w, "      %s\n", line)
		}
	}
}

// usageOf is f's row: "-name form", the form from the value (duration,
// size, host:port; nothing for a bool).
func usageOf(f *flag.Flag) usageRow {
	r := usageRow{flag: "-" + f.Name, env: envName(f.Name), def: f.DefValue, text: f.Usage}
	if v, ok := f.Value.(interface{ form() string }); ok && v.form() != "" {
		r.flag += " " + v.form()
	}
	if r.env == "" {
		r.env = "(none)"
	}
	if r.def == "" {
		r.def = "(none)"
	}
	return r
}

// wrap breaks text into lines of at most width bytes, between words.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) > width:
			lines = append(lines, line)
			line = word
		default:
			line += " " + word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
