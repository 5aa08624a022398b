package main

import (
	"flag"
	"os"
	"slices"
	"strings"

	"github.com/ssehub/ssehub/internal/suggest"
)

// envPrefix starts the environment variable of every flag.
const envPrefix = "SSEHUB_"

// environment is where the flags' variables come from: a lookup, and the
// names of the variables set (to report those that no flag reads).
type environment struct {
	get   func(string) string
	names []string
}

// environNames lists the variables of the process's environment that
// getenv sees set: all of them for os.Getenv; for a test's getenv, those
// of its own that the process has too.
func environNames(getenv func(string) string) []string {
	var names []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name != "" && getenv(name) != "" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// envName returns the environment variable of a flag: SSEHUB_<FLAG>, but
// SSEHUB_PUBLISH_KEYS for -publish-key and SSEHUB_ALLOW_HOSTS for
// -allow-host, which take several, and
// SSEHUB_REDIS_URL for -redis; "" for -version, an action rather than a
// setting (a variable left in an environment would make every start print
// the version and exit).
func envName(flag string) string {
	switch flag {
	case "publish-key":
		return "SSEHUB_PUBLISH_KEYS"
	case "allow-host":
		return "SSEHUB_ALLOW_HOSTS"
	case "redis":
		return "SSEHUB_REDIS_URL"
	case "version":
		return ""
	}
	return plainEnvName(flag)
}

func plainEnvName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// readEnv sets each flag not given on the command line from its
// environment variable, when that is set (and not empty).
func (c *config) readEnv(fs *flag.FlagSet, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		if err != nil || name == "" || c.set[f.Name] {
			return
		}
		v := getenv(name)
		if v == "" {
			return
		}
		if e := f.Value.Set(v); e != nil {
			err = badValue(f.Name, name, v, e)
			return
		}
		c.set[f.Name], c.fromEnv[f.Name] = true, true
	})
	return err
}

// notSettings are SSEHUB_ variables of the project's own tooling, not
// settings: CI exports the SSEHUB_REQUIRE_ variables that turn the skips of
// tests needing a service into failures, and the hubs its tests start
// inherit them. (SSEHUB_SCREENSHOT is read by the demo page's browser test.)
var notSettings = map[string]bool{
	"SSEHUB_REQUIRE_REDIS": true, "SSEHUB_REQUIRE_DOCKER": true,
	"SSEHUB_REQUIRE_BROWSER": true, "SSEHUB_REQUIRE_NODE": true, "SSEHUB_REQUIRE_NGINX": true,
	"SSEHUB_SCREENSHOT": true,
}

// envWarning is an SSEHUB_ variable that no flag reads, and the variable
// probably meant ("" when none is close).
type envWarning struct{ name, suggest string }

// unknownEnv returns the SSEHUB_ variables among names (in any case: a
// lower-case one is not read either) that no flag reads. They are reported,
// not refused: an environment shared by several programs may hold
// variables of another tool, and a typo must not keep a hub from starting.
func unknownEnv(names []string, fs *flag.FlagSet) []envWarning {
	spellings := envSpellings(fs)
	var out []envWarning
	for _, name := range names {
		if !strings.HasPrefix(strings.ToUpper(name), envPrefix) || notSettings[name] {
			continue
		}
		if real, ok := spellings[name]; ok && real == name {
			continue
		}
		out = append(out, envWarning{name: name, suggest: suggestEnv(name, spellings)})
	}
	return out
}

// envSpellings maps each flag's variable, and the name it would have
// without an exception (SSEHUB_PUBLISH_KEY, SSEHUB_REDIS), to the variable.
func envSpellings(fs *flag.FlagSet) map[string]string {
	m := make(map[string]string)
	fs.VisitAll(func(f *flag.Flag) {
		if name := envName(f.Name); name != "" {
			m[name] = name
			m[plainEnvName(f.Name)] = name
		}
	})
	return m
}

// suggestEnv returns the variable that name is probably a typo of, or "".
func suggestEnv(name string, spellings map[string]string) string {
	var words []string
	for s := range spellings {
		words = append(words, strings.TrimPrefix(s, envPrefix))
	}
	word := strings.ToUpper(name)[len(envPrefix):]
	if near := suggest.Closest(word, words); near != "" {
		return spellings[envPrefix+near]
	}
	return ""
}
