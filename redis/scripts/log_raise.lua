-- Raises the head to at least ARGV[1], so that the next entries are
-- numbered above it: a node that delivered entries up to ARGV[1] found the
-- log's head below them (Redis restarted from an older snapshot, or a
-- replica that lagged took over), and an id must never be issued twice.
-- Raising it starts a new epoch, which tells the other nodes' feeds that
-- continuity broke (they may have missed entries numbered below their
-- position). Returns the epoch.
ensure_meta(now_us())
raise_head(ARGV[1])
return redis.call('HGET', meta, 'epoch') or '0'
