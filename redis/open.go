package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// Options say which Redis a node uses: one server (URL), a primary found
// through Sentinel (Sentinels and MasterName), or a Redis Cluster (Cluster).
// Exactly one of URL alone, Sentinels or Cluster names the servers.
type Options struct {
	// URL is redis://[user:password@]host:port/db, or rediss:// for TLS.
	// Alone, it names the one server. With Sentinels or Cluster, only its
	// user, password and db are used, for the data nodes (never for the
	// sentinels), and rediss:// turns TLS on for every connection, the
	// sentinels' included, with the URL's host as the name the
	// certificates must carry (without a host, redis://:password@/0, the
	// first address's).
	URL string
	// Sentinels are the host:port of the sentinels that monitor the
	// primary named MasterName; the node follows their failovers.
	Sentinels  []string
	MasterName string
	// Cluster are host:port of some nodes of a Redis Cluster (one is
	// enough to discover the rest). The log lives in one slot (its keys
	// share a hash tag), hence on one master at a time.
	Cluster []string
}

// Open connects to the Redis o names and checks that it answers. As with
// Dial, commands are never retried by the client: a retried append could
// publish twice. A Redis Cluster's MOVED replies are not followed either
// (the command did not run): they answer ssehub.ErrUnavailable and the
// client reloads the slots' map, so that a retry goes to the new master.
func Open(ctx context.Context, o Options) (goredis.UniversalClient, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if len(o.Sentinels) == 0 && len(o.Cluster) == 0 {
		return Dial(ctx, o.URL)
	}
	base, err := o.credentials()
	if err != nil {
		return nil, err
	}
	var client goredis.UniversalClient
	if len(o.Cluster) > 0 {
		cc := goredis.NewClusterClient(clusterOptions(o, base))
		cc.AddHook(reloadOnNetError{cc})
		client = cc
	} else {
		client = goredis.NewFailoverClient(failoverOptions(o, base))
	}
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		if len(o.Sentinels) > 0 {
			err = whyNoPrimary(ctx, o, base, err)
		}
		return nil, fmt.Errorf("redis %s: %w", o.Mode(), err)
	}
	return client, nil
}

// Validate reports what is wrong with o, in words for a flag's user.
func (o Options) Validate() error {
	switch {
	case len(o.Sentinels) > 0 && len(o.Cluster) > 0:
		return errors.New("sentinels and a cluster together: Sentinel watches a primary with replicas, a Redis Cluster fails over by itself; give one of them")
	case len(o.Sentinels) > 0 && o.MasterName == "":
		return errors.New("sentinels without a master name: give the name the sentinels monitor the primary under")
	case len(o.Sentinels) == 0 && o.MasterName != "":
		return errors.New("a master name without sentinels: give the sentinels' host:port too")
	case len(o.Sentinels) == 0 && len(o.Cluster) == 0 && o.URL == "":
		return errors.New("no Redis: give a URL, sentinels or cluster nodes")
	}
	for _, addr := range slices.Concat(o.Sentinels, o.Cluster) {
		if host, port, err := net.SplitHostPort(addr); err != nil || host == "" || port == "" {
			return fmt.Errorf("%q is not host:port", addr)
		}
	}
	if len(o.Cluster) > 0 && o.URL != "" {
		if opts, err := o.credentials(); err == nil && opts.DB != 0 {
			return fmt.Errorf("db %d with a Redis Cluster: a cluster has only db 0", opts.DB)
		}
	}
	return nil
}

// Mode names the servers o connects to, without any password: for the
// start-up line and messages.
func (o Options) Mode() string {
	switch {
	case len(o.Cluster) > 0:
		return "cluster " + strings.Join(o.Cluster, ",")
	case len(o.Sentinels) > 0:
		return "sentinel master " + o.MasterName + " via " + strings.Join(o.Sentinels, ",")
	}
	return redactURL(o.URL)
}

// credentials parses URL for user, password, db and TLS (empty: none).
func (o Options) credentials() (*goredis.Options, error) {
	if o.URL == "" {
		return &goredis.Options{}, nil
	}
	opts, err := goredis.ParseURL(o.URL)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w (want redis://[user:password@]host:port/db, or rediss:// for TLS)", err)
	}
	// With TLS the URL's host is the name the servers' certificates must
	// carry; a URL without a host (rediss://:password@/0) means the host
	// of the first address given, not ParseURL's "localhost".
	if u, err := url.Parse(o.URL); err == nil && u.Hostname() == "" && opts.TLSConfig != nil {
		if addrs := slices.Concat(o.Cluster, o.Sentinels); len(addrs) > 0 {
			opts.TLSConfig.ServerName, _, _ = net.SplitHostPort(addrs[0])
		}
	}
	return opts, nil
}

func failoverOptions(o Options, base *goredis.Options) *goredis.FailoverOptions {
	return &goredis.FailoverOptions{
		MasterName:    o.MasterName,
		SentinelAddrs: o.Sentinels,
		Username:      base.Username,
		Password:      base.Password,
		DB:            base.DB,
		TLSConfig:     base.TLSConfig,

		DialTimeout:           DialTimeout,
		ReadTimeout:           ReadTimeout,
		WriteTimeout:          WriteTimeout,
		MaxRetries:            -1,
		DialerRetries:         1,
		ContextTimeoutEnabled: true,
	}
}

func clusterOptions(o Options, base *goredis.Options) *goredis.ClusterOptions {
	return &goredis.ClusterOptions{
		Addrs:     o.Cluster,
		Username:  base.Username,
		Password:  base.Password,
		TLSConfig: base.TLSConfig,

		MaxRedirects:          -1, // none: see Open
		DialTimeout:           DialTimeout,
		ReadTimeout:           ReadTimeout,
		WriteTimeout:          WriteTimeout,
		MaxRetries:            -1,
		DialerRetries:         1,
		ContextTimeoutEnabled: true,
	}
}

// redactURL hides the password of a Redis URL, for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
