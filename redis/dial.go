package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Timeouts of the connections Dial makes. They are short on purpose: with
// Redis unreachable, a publish answers 503 within about DialTimeout instead
// of hanging, and the feed notices and retries.
const (
	DialTimeout  = 2 * time.Second
	ReadTimeout  = 3 * time.Second
	WriteTimeout = 3 * time.Second
)

// Dial connects to the Redis at url (redis://[user:password@]host:port/db,
// or rediss:// for TLS) and checks that it answers. Commands are never
// retried by the client: a retried append could publish twice.
func Dial(ctx context.Context, url string) (*goredis.Client, error) {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w (want redis://[user:password@]host:port/db, or rediss:// for TLS)", err)
	}
	opts.DialTimeout = DialTimeout
	opts.ReadTimeout = ReadTimeout
	opts.WriteTimeout = WriteTimeout
	opts.MaxRetries = -1
	opts.DialerRetries = 1 // an unreachable Redis is reported at once, not after five dials
	opts.ContextTimeoutEnabled = true
	client := goredis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("redis at %s: %w", opts.Addr, err)
	}
	return client, nil
}
