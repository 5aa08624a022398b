package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// whyNoPrimary explains a failed first PING through the sentinels. When
// none of them knows MasterName, go-redis says "all sentinels specified in
// configuration are unreachable: redis: nil", which sends an operator
// looking for a network fault instead of a misspelt -redis-master: ask the
// sentinels that answer, and name the mistake when it is one. Otherwise err
// is returned as it is.
func whyNoPrimary(ctx context.Context, o Options, base *goredis.Options, err error) error {
	if !strings.Contains(err.Error(), "all sentinels") {
		return err
	}
	answered := 0
	for _, addr := range o.Sentinels {
		sc := goredis.NewSentinelClient(&goredis.Options{
			Addr: addr, TLSConfig: base.TLSConfig,
			DialTimeout: DialTimeout, ReadTimeout: ReadTimeout, MaxRetries: -1, DialerRetries: 1,
		})
		_, aerr := sc.GetMasterAddrByName(ctx, o.MasterName).Result()
		sc.Close()
		switch {
		case aerr == nil:
			return err // this one knows the primary: the failure is elsewhere
		case errors.Is(aerr, goredis.Nil):
			answered++
		}
	}
	if answered == 0 {
		return err
	}
	return fmt.Errorf("no sentinel of %s monitors a primary named %q: give the name of their `sentinel monitor NAME ...` line",
		strings.Join(o.Sentinels, ","), o.MasterName)
}
