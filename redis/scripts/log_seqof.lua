-- Finds the entry appended with event id ARGV[2]: returns its seq, or
-- false when no retained entry has it. The index names only entries the
-- scripts have not trimmed; an entry older than max_age (ARGV[1], µs; 0:
-- no age limit) that no script has trimmed yet is not retained either,
-- as ReadAfter would count it dropped. Reads only.
local seq = redis.call('HGET', ids, ARGV[2])
if not seq then
  return false
end
local e = redis.call('XRANGE', stream, seq .. '-0', seq .. '-0')
if #e == 0 then
  return false -- trimmed by a node that kept no index of ids
end
local max_age = tonumber(ARGV[1])
if max_age > 0 and (tonumber(fields(e[1]).t) or 0) < now_us() - max_age then
  return false
end
return seq
