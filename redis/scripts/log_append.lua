-- Appends messages in one step, so that a batch is all or nothing and
-- numbered consecutively, then applies retention. With an idempotency key
-- (KEYS[4]) it first looks the key up, and records it in the same step.
--
-- ARGV: max_entries, max_bytes, max_age (µs), max_keys, key window (ms),
-- digest (hex), mask (a '1' per message appended, a '0' per one that is
-- not), seen (the newest seq the appending node's feed has delivered or
-- skipped), then per message appended: size, token, target keys, type,
-- data.
--
-- Returns {'ok', first seq ('0' if none), time (µs)}, {'earlier', seqs}
-- for a key used before with this digest, or {'reused'}.
local now = now_us()
ensure_meta(now)
local key = KEYS[4]
if key then
  local prev = redis.call('GET', key)
  if prev then
    local digest, seqs = string.match(prev, '^(%x*):(.*)$')
    if digest == ARGV[6] then
      -- Rewritten as it is, so that this reply is a write: a WAIT after it
      -- (-redis-replicas) then covers the entries it names, which an
      -- earlier call appended and may not have seen replicated.
      redis.call('SET', key, prev, 'KEEPTTL')
      return {'earlier', seqs}
    end
    return {'reused'}
  end
end

local n = (#ARGV - 8) / 5
local first = 0
-- A head below what the appending node has delivered went back in time (a
-- replica that lagged took over, Redis restarted from an older snapshot):
-- raise it first, as log_raise.lua does, so that no id is issued twice,
-- even before any feed has noticed.
if n > 0 then
  raise_head(ARGV[8])
end
if n > 0 then
  first = redis.call('HINCRBY', meta, 'head', n) - n + 1
  local bytes, t = 0, int(now)
  for i = 0, n - 1 do
    local a = 9 + 5 * i
    redis.call('XADD', stream, int(first + i) .. '-0',
      't', t, 's', ARGV[a], 'n', ARGV[a + 1], 'k', ARGV[a + 2], 'y', ARGV[a + 3], 'd', ARGV[a + 4])
    bytes = bytes + tonumber(ARGV[a])
  end
  redis.call('HINCRBY', meta, 'bytes', int(bytes))
end

if key then
  local seqs, j = {}, 0
  for c in string.gmatch(ARGV[7], '.') do
    if c == '1' then
      seqs[#seqs + 1] = int(first + j)
      j = j + 1
    else
      seqs[#seqs + 1] = '0'
    end
  end
  redis.call('SET', key, ARGV[6] .. ':' .. table.concat(seqs, ','), 'PX', ARGV[5])
end

retain(now)
return {'ok', int(first), int(now)}
