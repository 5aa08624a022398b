-- Shared by the log's scripts: each is this file followed by its own body.
-- KEYS[1..4]: the stream, the meta hash, the dropped index, the event ids.
local stream, meta, dropped, ids = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

-- Sequence numbers (about 1.8e15) are exact in Lua's doubles, but tostring
-- and concatenation print only 14 significant digits: every number that
-- goes back to Redis as text goes through int.
local function int(n)
  return string.format('%d', n)
end

-- The server's clock, in microseconds: one clock for every node, for entry
-- times, age retention and new numbering.
local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

-- ensure_meta creates the meta hash when it is missing: a new log, or a
-- Redis that lost it (restarted empty). Numbering then starts at the clock
-- in microseconds, above the ids issued before (as ssehub.MemoryLog does),
-- and a stream or index that outlived the old meta is deleted with it.
local function ensure_meta(now)
  if redis.call('EXISTS', meta) == 1 then
    return
  end
  local base = int(now)
  redis.call('DEL', stream, dropped, ids)
  redis.call('HSET', meta, 'base', base, 'head', base, 'floor', '0', 'any', '0', 'bytes', '0', 'epoch', '0')
end

-- raise_head raises the head to seq (a string, exact) when it is below: a
-- node delivered entries up to seq that Redis no longer has (it went back
-- in time). Their targets are unknown, so every position below seq counts
-- as having lost one (the floor, see store.Lost: a reset on resume, never
-- a silent gap), and a new epoch tells the feeds that continuity broke.
local function raise_head(seq)
  if tonumber(redis.call('HGET', meta, 'head')) >= tonumber(seq) then
    return
  end
  redis.call('HSET', meta, 'head', seq)
  if tonumber(redis.call('HGET', meta, 'floor')) < tonumber(seq) then
    redis.call('HSET', meta, 'floor', seq)
  end
  redis.call('HINCRBY', meta, 'epoch', 1)
end

local function fields(entry)
  local f, kv = {}, entry[2]
  for i = 1, #kv, 2 do
    f[kv[i]] = kv[i + 1]
  end
  return f
end

-- forget_older_half is store.DroppedIndex's rule: past max_keys target
-- keys, forget those whose newest dropped entry is at or before the median
-- one, and raise the floor to it.
local function forget_older_half(max_keys)
  local n = redis.call('ZCARD', dropped)
  if n <= max_keys then
    return
  end
  local mid = math.floor(n / 2)
  local score = tonumber(redis.call('ZRANGE', dropped, mid, mid, 'WITHSCORES')[2])
  redis.call('ZREMRANGEBYSCORE', dropped, '-inf', int(score))
  if score > tonumber(redis.call('HGET', meta, 'floor')) then
    redis.call('HSET', meta, 'floor', int(score))
  end
end

-- trim drops the oldest entries that retention does not keep (see
-- ssehub.Retention): beyond max_entries, beyond max_bytes in all (but never
-- the newest), or appended before cutoff (0: no age limit). Each one's
-- target keys go to the dropped index, scored with its sequence number, and
-- its event id leaves the index of ids, unless a newer entry took it over.
local function trim(max_entries, max_bytes, cutoff, max_keys)
  local n = redis.call('XLEN', stream)
  local bytes = tonumber(redis.call('HGET', meta, 'bytes'))
  local head = redis.call('HGET', meta, 'head')
  local last, from, page = nil, '-', 1
  while n > 0 and (n > max_entries or bytes > max_bytes or cutoff > 0) do
    local entries = redis.call('XRANGE', stream, from, '+', 'COUNT', math.min(math.max(page, n - max_entries), 256))
    local kept = #entries == 0
    for _, e in ipairs(entries) do
      local seq = string.match(e[1], '^%d+')
      -- An entry missing a field (not written by these scripts) counts as
      -- appended at time 0, of size 0, sent to everyone: it cannot wedge
      -- the trim.
      local f = fields(e)
      local t, size, keys = tonumber(f.t) or 0, tonumber(f.s) or 0, f.k or '*'
      if not (n > max_entries or (bytes > max_bytes and seq ~= head) or t < cutoff) then
        kept = true
        break
      end
      for k in string.gmatch(keys, '[^\n]+') do
        redis.call('ZADD', dropped, 'GT', seq, k)
      end
      if f.i and redis.call('HGET', ids, f.i) == seq then
        redis.call('HDEL', ids, f.i)
      end
      forget_older_half(max_keys)
      n, bytes, last = n - 1, bytes - size, seq
    end
    if kept then
      break
    end
    from = '(' .. entries[#entries][1]
    page = page * 2
  end
  if last then
    -- Ids are <seq>-0: MINID <last>-1 removes exactly the entries up to last.
    redis.call('XTRIM', stream, 'MINID', last .. '-1')
    redis.call('HSET', meta, 'bytes', int(bytes), 'any', last)
  end
end

-- ARGV[1..4]: the retention limits, for trim.
local function retain(now)
  local max_age = tonumber(ARGV[3])
  local cutoff = 0
  if max_age > 0 then
    cutoff = now - max_age
  end
  trim(tonumber(ARGV[1]), tonumber(ARGV[2]), cutoff, tonumber(ARGV[4]))
end
