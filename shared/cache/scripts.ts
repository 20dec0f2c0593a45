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
 */

/** KEYS: entry, seq. ARGV: "1" to get a lease on miss. → {1, d, g} | {0, lease} | {0} */
export const READ_SCRIPT = `
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
  if fresh then return {1, e[1], e[2]} end
end
if ARGV[1] == '1' then return {0, tostring(redis.call('INCR', KEYS[2]))} end
return {0}
`;

/**
 * KEYS: entry, seq, key version, tag versions... ARGV: data, ttl ms, lease ("" = write-through),
 * keep ms (lifetime floor for version keys). → 1 stored | 0 refused (stale lease)
 */
export const WRITE_SCRIPT = `
local ttl = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
local keep = tonumber(ARGV[4])
if not lease then
  -- write-through: move the key's version past every outstanding lease so no slower loader
  -- can overwrite this value with what it read before the write
  redis.call('SET', KEYS[3], tostring(redis.call('INCR', KEYS[2])), 'PX', keep)
end
local g = {}
for i = 3, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if lease and v and tonumber(v) > lease then return 0 end
  g[#g + 1] = KEYS[i]
  g[#g + 1] = v or '0'
end
for i = 3, #KEYS do
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
 * KEYS: seq, entries to delete..., version keys to bump... ARGV: number of entries, keep ms.
 * One new sequence value serves every bump: it is newer than every lease handed out so far.
 */
export const INVALIDATE_SCRIPT = `
local n = tonumber(ARGV[1])
local keep = tonumber(ARGV[2])
if n > 0 then redis.call('DEL', unpack(KEYS, 2, n + 1)) end
local v = tostring(redis.call('INCR', KEYS[1]))
for i = n + 2, #KEYS do
  if redis.call('PTTL', KEYS[i]) < keep then
    redis.call('SET', KEYS[i], v, 'PX', keep)
  else
    redis.call('SET', KEYS[i], v, 'KEEPTTL')
  end
end
return v
`;
