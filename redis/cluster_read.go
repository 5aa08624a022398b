package redis

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ssehub/ssehub"
)

// Streams implements ssehub.Cluster.
func (c *Cluster) Streams(ctx context.Context, client string) ([]ssehub.StreamInfo, error) {
	lists, err := c.keys.streams.Run(ctx, c.rdb, c.keys.route(), c.opts.Prefix, c.opts.Node, client).StringSlice()
	if err != nil {
		return nil, storeError("presence", err)
	}
	var all []ssehub.StreamInfo
	for _, l := range lists {
		var streams []ssehub.StreamInfo
		if err := json.Unmarshal([]byte(l), &streams); err != nil {
			return nil, fmt.Errorf("redis: the presence of client %q is not what a node writes: %w", client, err)
		}
		all = append(all, streams...)
	}
	return all, nil
}

// ClientPage implements ssehub.Cluster: each other live node lists its
// limit+1 smallest ids after `after`, and the smallest of those, summed per
// client, are the page.
func (c *Cluster) ClientPage(ctx context.Context, after string, limit int) ([]ssehub.ClientStreams, bool, error) {
	vals, err := c.keys.page.Run(ctx, c.rdb, c.keys.route(), c.opts.Prefix, c.opts.Node, after, limit+1).Slice()
	if err != nil {
		return nil, false, storeError("presence", err)
	}
	at := make(map[string]int)
	var page []ssehub.ClientStreams
	for i := 0; i+1 < len(vals); i += 2 {
		id, _ := vals[i].(string)
		n, _ := vals[i+1].(int64)
		if j, ok := at[id]; ok {
			page[j].Streams += int(n)
			continue
		}
		at[id] = len(page)
		page = append(page, ssehub.ClientStreams{ID: id, Streams: int(n)})
	}
	slices.SortFunc(page, func(a, b ssehub.ClientStreams) int { return cmp.Compare(a.ID, b.ID) })
	if len(page) > limit {
		return page[:limit], true, nil
	}
	return page, false, nil
}
