package redis

import goredis "github.com/redis/go-redis/v9"

// presenceKeys names a cluster's keys and holds the scripts that read and
// write them. Every key of the presence shares the hash tag {presence}, so
// that a script may touch any of them.
//
//	<prefix>:{presence}:nodes               ZSET  node -> expiry (Redis clock, ms)
//	<prefix>:{presence}:totals              HASH  node -> streams open there
//	<prefix>:{presence}:node:<node>:ids     ZSET  client ids with a stream there (score 0: ordered by id)
//	<prefix>:{presence}:node:<node>:counts  HASH  client -> streams there
//	<prefix>:{presence}:node:<node>:streams HASH  client -> JSON [ssehub.StreamInfo]
//	<prefix>:{presence}:kicks               HASH  client -> latest kick (ms)
//	<prefix>:{presence}:kicktimes           ZSET  client -> latest kick (ms): the same kicks, by time
//
// The kicks are kept only when the hub remembers them (ssehub.Node.KickLimit
// above 0), at most KickLimit of them: a kick beyond it forgets the oldest,
// and kicks older than KickMemory leave, a bounded number per script (see
// forgetKicksLua).
//
//	<prefix>:{presence}:kick                channel "<node> <ms> <client>" per kick
//
// Readers count only the nodes whose expiry is ahead of Redis's clock, so a
// dead node stops being counted NodeTTL after its last refresh whether or
// not anyone has deleted its keys yet.
type presenceKeys struct {
	totals      string
	kickChannel string
	prefix      string

	refresh, leave, swap   *goredis.Script
	elsewhere, total, kick *goredis.Script
	streams, page          *goredis.Script
}

type nodeKeys struct{ ids, counts, streams string }

func newPresenceKeys(prefix string) presenceKeys {
	p := prefix + ":{presence}:"
	return presenceKeys{
		prefix:      p,
		totals:      p + "totals",
		kickChannel: p + "kick",
		refresh:     script(forgetKicksLua + refreshLua),
		leave:       script(leaveLua),
		swap:        goredis.NewScript(swapLua),
		elsewhere:   script(elsewhereLua),
		total:       script(totalLua),
		kick:        script(forgetKicksLua + kickLua),
		streams:     script(streamsLua),
		page:        script(pageLua),
	}
}

// route is the KEYS of a script that names its keys in ARGV: one key of the
// presence's slot, so that a Redis Cluster client sends the script to the
// master that holds them.
func (k presenceKeys) route() []string { return []string{k.totals} }

func (k presenceKeys) kicks() string     { return k.prefix + "kicks" }
func (k presenceKeys) kickTimes() string { return k.prefix + "kicktimes" }

func (k presenceKeys) node(name string) nodeKeys {
	n := k.prefix + "node:" + name + ":"
	return nodeKeys{ids: n + "ids", counts: n + "counts", streams: n + "streams"}
}

// script makes a presence script: its body runs after presenceLua, with
// ARGV[1] the prefix and ARGV[2] this node's name.
func script(body string) *goredis.Script { return goredis.NewScript(presenceLua + body) }

// presenceLua is what the presence scripts share: the key names, Redis's
// clock, and the live nodes other than this one.
const presenceLua = `
local p = ARGV[1] .. ':{presence}:'
local self = ARGV[2]
local function nodekey(n, what) return p .. 'node:' .. n .. ':' .. what end
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function others()
  local live = redis.call('ZRANGEBYSCORE', p .. 'nodes', now(), '+inf')
  local out = {}
  for _, n in ipairs(live) do
    if n ~= self then out[#out + 1] = n end
  end
  return out
end
local function elsewhere(client)
  local sum = 0
  for _, n in ipairs(others()) do
    sum = sum + (tonumber(redis.call('HGET', nodekey(n, 'counts'), client)) or 0)
  end
  return sum
end
`

// forgetKicksLua forgets the oldest kicks, at most `most` of them: those
// older than `before` (ms), and those beyond `limit` (0: no limit). The
// oldest by time are the first by rank, so both are the start of the
// sorted set, found in O(log n).
const forgetKicksLua = `
local function forgetKicks(before, limit, most)
  local times = p .. 'kicktimes'
  local n = redis.call('ZCOUNT', times, '-inf', before)
  if limit > 0 then n = math.max(n, redis.call('ZCARD', times) - limit) end
  n = math.min(n, most)
  if n > 0 then
    redis.call('HDEL', p .. 'kicks', unpack(redis.call('ZRANGE', times, 0, n - 1)))
    redis.call('ZREMRANGEBYRANK', times, 0, n - 1)
  end
end
`

// refreshForget bounds the kicks one refresh forgets, and kickForget those
// one kick forgets (besides the one it replaces at the limit): Redis runs
// nothing else during a script.
const (
	refreshForget = 1000
	kickForget    = 100
)

// refreshLua: ARGV[3] the node TTL (ms), ARGV[4] the kick memory (ms),
// ARGV[5] the streams open here, ARGV[6] the kick limit (0: none), ARGV[7]
// the most kicks to forget. Returns 1 if the node's record was alive, 0 if
// it had to be made anew.
const refreshLua = `
local t = now()
local nodes = p .. 'nodes'
local mine = tonumber(redis.call('ZSCORE', nodes, self))
for _, n in ipairs(redis.call('ZRANGEBYSCORE', nodes, '-inf', '(' .. t)) do
  if n ~= self then
    redis.call('DEL', nodekey(n, 'ids'), nodekey(n, 'counts'), nodekey(n, 'streams'))
    redis.call('HDEL', p .. 'totals', n)
    redis.call('ZREM', nodes, n)
  end
end
redis.call('ZADD', nodes, t + tonumber(ARGV[3]), self)
redis.call('HSET', p .. 'totals', self, ARGV[5])
forgetKicks(t - tonumber(ARGV[4]), tonumber(ARGV[6]), tonumber(ARGV[7]))
if mine and mine >= t then return 1 end
return 0
`

// leaveLua removes this node's record.
const leaveLua = `
redis.call('DEL', nodekey(self, 'ids'), nodekey(self, 'counts'), nodekey(self, 'streams'))
redis.call('HDEL', p .. 'totals', self)
redis.call('ZREM', p .. 'nodes', self)
return 0
`

// swapLua: KEYS[1..3] the rewritten keys, KEYS[4..6] the live ones, KEYS[7]
// the totals; ARGV[1] the node, ARGV[2] its streams. The rewritten keys take
// the live ones' place in one step.
const swapLua = `
for i = 1, 3 do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('RENAME', KEYS[i], KEYS[i + 3])
  else
    redis.call('DEL', KEYS[i + 3])
  end
end
redis.call('HSET', KEYS[7], ARGV[1], ARGV[2])
return 0
`

// elsewhereLua: ARGV[3] a client. Returns its streams on the other live
// nodes and its latest kick (ms, 0 for none).
const elsewhereLua = `
return {elsewhere(ARGV[3]), tonumber(redis.call('HGET', p .. 'kicks', ARGV[3])) or 0}
`

// totalLua returns the streams open on the other live nodes, and how many
// nodes those are.
const totalLua = `
local sum, nodes = 0, 0
for _, n in ipairs(others()) do
  sum = sum + (tonumber(redis.call('HGET', p .. 'totals', n)) or 0)
  nodes = nodes + 1
end
return {sum, nodes}
`

// kickLua: ARGV[3] the client, ARGV[4] the kick's time (ms), ARGV[5] the
// kick memory (ms), ARGV[6] the kick limit (0: the kick is not recorded),
// ARGV[7] the most kicks to forget. Records the kick, tells every node, and
// returns the client's streams on the others.
const kickLua = `
local at, limit = tonumber(ARGV[4]), tonumber(ARGV[6])
if limit > 0 then
  if at > (tonumber(redis.call('HGET', p .. 'kicks', ARGV[3])) or 0) then
    redis.call('HSET', p .. 'kicks', ARGV[3], ARGV[4])
    redis.call('ZADD', p .. 'kicktimes', at, ARGV[3])
  end
  forgetKicks(now() - tonumber(ARGV[5]), limit, tonumber(ARGV[7]))
end
redis.call('PUBLISH', p .. 'kick', self .. ' ' .. ARGV[4] .. ' ' .. ARGV[3])
return elsewhere(ARGV[3])
`

// streamsLua: ARGV[3] a client. Returns the JSON of its streams on each
// other live node that has some.
const streamsLua = `
local out = {}
for _, n in ipairs(others()) do
  local v = redis.call('HGET', nodekey(n, 'streams'), ARGV[3])
  if v then out[#out + 1] = v end
end
return out
`

// pageLua: ARGV[3] the id to list after ("" for the first page), ARGV[4]
// how many per node. Returns id, count, id, count... of the smallest ids
// after ARGV[3] on each other live node (an id may come more than once).
const pageLua = `
local min = '-'
if ARGV[3] ~= '' then min = '(' .. ARGV[3] end
local out = {}
for _, n in ipairs(others()) do
  local ids = redis.call('ZRANGEBYLEX', nodekey(n, 'ids'), min, '+', 'LIMIT', 0, tonumber(ARGV[4]))
  if #ids > 0 then
    local counts = redis.call('HMGET', nodekey(n, 'counts'), unpack(ids))
    for i, id in ipairs(ids) do
      out[#out + 1] = id
      out[#out + 1] = tonumber(counts[i]) or 0
    end
  end
end
return out
`
