package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// writeVersion writes what -version prints: the module's version, then
// what the build recorded (module path, version control revision, its
// time and whether the tree had changes, Go version), so that a running hub
// can be traced to its source. ok false (a binary built without module
// support) leaves only the Go version and platform.
func writeVersion(w io.Writer, info *debug.BuildInfo, ok bool) {
	if !ok {
		fmt.Fprintf(w, "ssehub (no build information)\n  go        %s\n  platform  %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return
	}
	version := info.Main.Version
	if version == "" {
		version = "(unknown)"
	}
	fmt.Fprintf(w, "ssehub %s\n", version)
	settings := make(map[string]string)
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	for _, kv := range [][2]string{
		{"module", info.Main.Path},
		{"path", info.Path},
		{"revision", settings["vcs.revision"]},
		{"time", settings["vcs.time"]},
		{"modified", settings["vcs.modified"]},
		{"go", info.GoVersion},
		{"platform", runtime.GOOS + "/" + runtime.GOARCH},
	} {
		if kv[1] != "" {
			fmt.Fprintf(w, "  %-9s %s\n", kv[0], kv[1])
		}
	}
}
