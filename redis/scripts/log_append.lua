-- Appends messages in one step, so that a batch is all or nothing and
-- numbered consecutively, then applies retention. With an idempotency key
-- (KEYS[5]) it first looks the key up, and records it in the same step.
--
-- ARGV: max_entries, max_bytes, max_age (µs), max_keys, key window (ms),
-- digest (hex), mask (a '1' or '2' per message appended, a '0' per one
-- that is not), seen (the newest seq the appending node's feed has
-- delivered or skipped), then per message appended: size, token, target
-- keys, type, data, and for a '2' three more: event id, private ('1' or
-- ''), retry (ns, '' for none). Those are stored as the fields i, p and r,
-- only when set, and an event id is indexed (HSET ids id seq): a message
-- of ssehub's own API ('1') costs what it did before they existed.
--
-- Returns {'ok', first seq ('0' if none), time (µs)}, {'earlier', seqs}
-- for a key used before with this digest, or {'reused'}.
local now = now_us()
ensure_meta(now)
local key = KEYS[5]
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

local mask = ARGV[7]
local _, skipped = string.gsub(mask, '0', '')
local n = #mask - skipped
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
  local bytes, t, a, i = 0, int(now), 9, 0
  for c in string.gmatch(mask, '[12]') do
    local seq = int(first + i)
    if c == '1' then
      redis.call('XADD', stream, seq .. '-0',
        't', t, 's', ARGV[a], 'n', ARGV[a + 1], 'k', ARGV[a + 2], 'y', ARGV[a + 3], 'd', ARGV[a + 4])
    else
      local f = {'XADD', stream, seq .. '-0',
        't', t, 's', ARGV[a], 'n', ARGV[a + 1], 'k', ARGV[a + 2], 'y', ARGV[a + 3], 'd', ARGV[a + 4]}
      local id, private, retry = ARGV[a + 5], ARGV[a + 6], ARGV[a + 7]
      if id ~= '' then
        f[#f + 1], f[#f + 2] = 'i', id
        redis.call('HSET', ids, id, seq)
      end
      if private ~= '' then
        f[#f + 1], f[#f + 2] = 'p', private
      end
      if retry ~= '' then
        f[#f + 1], f[#f + 2] = 'r', retry
      end
      redis.call(unpack(f))
    end
    bytes = bytes + tonumber(ARGV[a])
    a, i = a + (c == '1' and 5 or 8), i + 1
  end
  redis.call('HINCRBY', meta, 'bytes', int(bytes))
end

if key then
  local seqs, j = {}, 0
  for c in string.gmatch(ARGV[7], '.') do
    if c ~= '0' then
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
