/**
 * Lua scripts run inside Redis so each cache operation is ONE REST round trip and atomic.
 *
 * Data model (all keys under the namespace prefix, e.g. `crew:v1:`):
 * - entry `<prefix><key>`: hash { d: JSON value, g: JSON [tagKey, version, ...] }
 * - tag version `<prefix>#t:<tag>` and key version `<prefix>#k:<key>`: the value of the
 *   sequence `<prefix>#seq` at the last invalidation ("0" or missing = never invalidated).
 *   Every entry implicitly carries its own key version as a tag.
 * - A read is a hit only if every recorded tag version still matches (O(1) invalidation: bump a
 *   version, no scan). Version keys outlive every entry that recorded them (their TTL is extended
 *   on write), so an expired version key can never make an old entry look valid again.
 * - Leases (memcache-style): a miss returns a lease = the next sequence value. A write with a
 *   lease is refused if the key or any tag has a version newer than the lease, i.e. was
 *   invalidated after the loader started: the stale-set race cannot put old data back.
 * - Epoch `<prefix>#epoch`: a random id set once per Redis dataset. Redis restarted empty (or
 *   flushed) starts a new epoch and its sequence starts again at 1, so a lease of the old epoch
 *   could look newer than every fresh version: a write with a lease of another epoch is refused,
 *   and the client learns of the new epoch from every read (see `L2Store.onEpochChange`).
 * - Outbox markers `<prefix>#o:<id>`: an invalidation recorded in the database's outbox (see
 *   shared/cache/outbox.ts) sets its marker when applied, so the replayer skips what the writer itself
 *   already applied.
 * - The bus `<prefix>#bus`: a stream with one entry per applied invalidation (`o` the sending
 *   isolate, `k` the keys, `t` the tags, as JSON), appended by the same script that bumps the
 *   versions, so no invalidation reaches L2 without reaching the bus. Every isolate reads it
 *   (`BUS_SCRIPT`) to drop its own L1 copies (shared/cache/bus.ts); it keeps about
 *   `BUS_MAXLEN` entries, and a reader that finds its position trimmed away starts its record over
 *   (entries it loaded before then live by their age alone).
 */

/** Entries the bus keeps (approximately: `XADD MAXLEN ~`). */
export const BUS_MAXLEN = 10_000;

/**
 * KEYS: entry, seq, epoch. ARGV: "1" to get a lease on miss, an epoch id to use if none is set.
 * → {1, d, g, epoch} | {0, lease or "", epoch}
 */
export const READ_SCRIPT = `
local ep = redis.call('GET', KEYS[3])
if not ep then
  redis.call('SET', KEYS[3], ARGV[2], 'NX')
  ep = redis.call('GET', KEYS[3])
end
local e = redis.call('HMGET', KEYS[1], 'd', 'g')
if e[1] then
  local g = cjson.decode(e[2])
  local fresh = true
  for i = 1, #g, 2 do
    if (redis.call('GET', g[i]) or '0') ~= g[i + 1] then
      fresh = false
      break
    end
  end
  if fresh then return {1, e[1], e[2], ep} end
end
if ARGV[1] == '1' then return {0, tostring(redis.call('INCR', KEYS[2])), ep} end
return {0, '', ep}
`;

/**
 * KEYS: entry, seq, epoch, key version, tag versions... ARGV: data, ttl ms, lease ("" =
 * write-through), keep ms (lifetime floor for version keys), the lease's epoch.
 * → 1 stored | 0 refused (stale lease, or a lease of another epoch)
 */
export const WRITE_SCRIPT = `
local ttl = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
local keep = tonumber(ARGV[4])
if lease and redis.call('GET', KEYS[3]) ~= ARGV[5] then return 0 end
if not lease then
  -- write-through: move the key's version past every outstanding lease so no slower loader
  -- can overwrite this value with what it read before the write
  redis.call('SET', KEYS[4], tostring(redis.call('INCR', KEYS[2])), 'PX', keep)
end
local g = {}
for i = 4, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if lease and v and tonumber(v) > lease then return 0 end
  g[#g + 1] = KEYS[i]
  g[#g + 1] = v or '0'
end
for i = 4, #KEYS do
  local p = redis.call('PTTL', KEYS[i])
  if p == -2 then
    redis.call('SET', KEYS[i], '0', 'PX', keep)
  elseif p >= 0 and p < keep then
    redis.call('PEXPIRE', KEYS[i], keep)
  end
end
redis.call('HSET', KEYS[1], 'd', ARGV[1], 'g', cjson.encode(g))
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
`;

/**
 * KEYS: seq, bus, entries to delete (n)..., version keys to bump (v)..., outbox markers...
 * ARGV: n, keep ms, v, marker ms, "1" = skip everything if the first marker is already set (a
 * replay of an outbox row the writer applied itself), the sending isolate's id, the keys and the
 * tags as JSON (the bus entry).
 * One new sequence value serves every bump: it is newer than every lease handed out so far.
 * → the new sequence value, or "skipped"
 */
export const INVALIDATE_SCRIPT = `
local n = tonumber(ARGV[1])
local keep = tonumber(ARGV[2])
local v = tonumber(ARGV[3])
local firstMarker = n + v + 3
if ARGV[5] == '1' and KEYS[firstMarker] and redis.call('EXISTS', KEYS[firstMarker]) == 1 then
  return 'skipped'
end
if n > 0 then redis.call('DEL', unpack(KEYS, 3, n + 2)) end
local seq = tostring(redis.call('INCR', KEYS[1]))
for i = n + 3, n + v + 2 do
  if redis.call('PTTL', KEYS[i]) < keep then
    redis.call('SET', KEYS[i], seq, 'PX', keep)
  else
    redis.call('SET', KEYS[i], seq, 'KEEPTTL')
  end
end
for i = firstMarker, #KEYS do
  redis.call('SET', KEYS[i], '1', 'PX', tonumber(ARGV[4]))
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', '${BUS_MAXLEN}', '*', 'o', ARGV[6], 'k', ARGV[7], 't', ARGV[8])
return seq
`;

/**
 * KEYS: bus. ARGV: the reader's position ("" = none yet: only learn the newest id), how many
 * entries at most.
 * → {position, gap, id, o, k, t, id, o, k, t, ...}: the entries after the position (oldest first),
 * the new position, and gap = 1 when entries after the old position may have been trimmed away
 * (the position itself is gone, or the whole stream: Redis restarted empty or was flushed).
 */
export const BUS_SCRIPT = `
local function before(a, b)
  local am, as = string.match(a, '(%d+)-(%d+)')
  local bm, bs = string.match(b, '(%d+)-(%d+)')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end
local after = ARGV[1]
if after == '' then
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  return {last[1] and last[1][1] or '0-0', 0}
end
local gap = 0
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
if after ~= '0-0' and (first[1] == nil or before(after, first[1][1])) then gap = 1 end
local out = {after, gap}
local from = '(' .. after
if gap == 1 then
  out[1] = '0-0'
  from = '-'
end
for _, e in ipairs(redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', tonumber(ARGV[2]))) do
  local f = {}
  for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
  out[#out + 1] = e[1]
  out[#out + 1] = f.o
  out[#out + 1] = f.k
  out[#out + 1] = f.t
  out[1] = e[1]
end
return out
`;
