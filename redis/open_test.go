package redis

import (
	"context"
	"strings"
	"testing"
)

// Options name one kind of Redis, and say in words what is wrong; Mode
// names the servers without any password.
func TestOptionsValidateAndMode(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string // in the error; "" for none
	}{
		{Options{URL: "redis://127.0.0.1:6379/0"}, ""},
		{Options{Sentinels: []string{"127.0.0.1:26379"}, MasterName: "m"}, ""},
		{Options{Cluster: []string{"[::1]:7000"}, URL: "redis://:pw@/0"}, ""},
		{Options{}, "no Redis"},
		{Options{Sentinels: []string{"127.0.0.1:26379"}}, "without a master name"},
		{Options{MasterName: "m", URL: "redis://127.0.0.1:6379"}, "without sentinels"},
		{Options{Sentinels: []string{"a:1"}, MasterName: "m", Cluster: []string{"b:2"}}, "together"},
		{Options{Cluster: []string{"7000"}}, `"7000" is not host:port`},
		{Options{Cluster: []string{"a:1"}, URL: "redis://:pw@/2"}, "only db 0"},
	} {
		err := c.o.Validate()
		if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: Validate() = %v, want %q", c.o, err, c.want)
		}
		if c.want == "" {
			continue
		}
		if _, oerr := Open(context.Background(), c.o); oerr == nil || oerr.Error() != err.Error() {
			t.Errorf("%+v: Open = %v, want the error of Validate", c.o, oerr)
		}
	}
	tlsOpts, err := Options{URL: "rediss://:pw@/0", Cluster: []string{"node1.example:7000"}}.credentials()
	if err != nil || tlsOpts.TLSConfig == nil || tlsOpts.TLSConfig.ServerName != "node1.example" {
		t.Errorf("rediss:// without a host, on a cluster: %+v, %v; want TLS for the first node's name", tlsOpts, err)
	}
	for o, want := range map[*Options]string{
		{URL: "redis://u:secret@127.0.0.1:6379/1"}:                                      "redis://u:xxxxx@127.0.0.1:6379/1",
		{URL: "redis://:secret@/0", Sentinels: []string{"a:1", "b:2"}, MasterName: "m"}: "sentinel master m via a:1,b:2",
		{URL: "redis://:secret@", Cluster: []string{"a:1"}}:                             "cluster a:1",
	} {
		if got := o.Mode(); got != want {
			t.Errorf("%+v: Mode() = %q, want %q", *o, got, want)
		}
	}
}
