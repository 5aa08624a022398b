-- Appends messages in one step, so that a batch is all or nothing and
-- numbered consecutively, then applies retention. With an idempotency key
-- (KEYS[5]) it first looks the key up, and records it in the same step.
--
-- ARGV: max_entries, max_bytes, max_age (µs), max_keys, key window (ms),
-- digest (hex), mask (a '1' per message appended, a '0' per one that is
-- not), then per message appended: size, token, target keys, type, data,
-- event id, private ('1' or ''), retry (ns, '' for none). The last three
-- are stored, as fields i, p and r, only when set, and an event id is
-- indexed (HSET ids id seq): a message of ssehub's own API costs what it
-- did before they existed.
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
      return {'earlier', seqs}
    end
    return {'reused'}
  end
end

local n = (#ARGV - 7) / 8
local first = 0
if n > 0 then
  first = redis.call('HINCRBY', meta, 'head', n) - n + 1
  local bytes, t = 0, int(now)
  for i = 0, n - 1 do
    local a = 8 + 8 * i
    local seq, id, private, retry = int(first + i), ARGV[a + 5], ARGV[a + 6], ARGV[a + 7]
    if id == '' and private == '' and retry == '' then
      redis.call('XADD', stream, seq .. '-0',
        't', t, 's', ARGV[a], 'n', ARGV[a + 1], 'k', ARGV[a + 2], 'y', ARGV[a + 3], 'd', ARGV[a + 4])
    else
      local f = {'XADD', stream, seq .. '-0',
        't', t, 's', ARGV[a], 'n', ARGV[a + 1], 'k', ARGV[a + 2], 'y', ARGV[a + 3], 'd', ARGV[a + 4]}
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
