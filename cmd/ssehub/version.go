package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is the release the binary was built as, stamped at link time by
// scripts/image.sh and release builds:
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/ssehub
//
// Empty in a plain go build, where -version falls back to the module's
// version from the build information: "(devel)" in a checkout, the tag
// with go install ...@v1.2.3.
var version string

// writeVersion writes what -version prints: the stamped version, or else
// the module's, then what the build recorded (module path, version control
// revision, its time and whether the tree had changes, Go version), so
// that a running hub can be traced to its source. ok false (a binary built
// without module support) leaves only the Go version and platform.
func writeVersion(w io.Writer, info *debug.BuildInfo, ok bool) {
	if !ok {
		v := version
		if v == "" {
			v = "(no build information)"
		}
		fmt.Fprintf(w, "ssehub %s\n  go        %s\n  platform  %s/%s\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return
	}
	v := version
	if v == "" {
		v = info.Main.Version
	}
	if v == "" {
		v = "(unknown)"
	}
	fmt.Fprintf(w, "ssehub %s\n", v)
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
