-- Applies retention (so that entries expire by age with no append), then
-- returns what a read starts from: {base, head, floor, any, bytes, epoch,
-- length, then the newest dropped entry of each target key in ARGV[5..]
-- (nil: none)}.
--
-- ARGV: max_entries, max_bytes, max_age (µs), max_keys, target keys.
local now = now_us()
ensure_meta(now)
retain(now)
local r = redis.call('HMGET', meta, 'base', 'head', 'floor', 'any', 'bytes', 'epoch')
r[6] = r[6] or '0'
r[7] = int(redis.call('XLEN', stream))
if #ARGV > 4 then
  local scores = redis.call('ZMSCORE', dropped, unpack(ARGV, 5))
  for i = 1, #ARGV - 4 do
    r[7 + i] = scores[i]
  end
end
return r
