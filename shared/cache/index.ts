/**
 * The cache. Services do not call it directly: a read on behalf of a caller goes through
 * `cachedForCaller` (authorized.ts: the rule that a hit reaches only someone RLS would show the
 * row to), and a write records what it changes with `invalidating` (outbox.ts: in the write's own
 * transaction, so a Redis outage cannot lose it):
 *
 * ```ts
 * import { cachedForCaller } from "../../cache/authorized.ts";
 * import { invalidating } from "../../cache/outbox.ts";
 * import { cacheKey, cacheTag } from "../../cache/index.ts";
 *
 * const found = await cachedForCaller(caller, {
 *   key: cacheKey("project", id),
 *   ttl: 60,
 *   tags: [cacheTag("project", id)],
 *   load: () => loadProject(caller, id), // asUser(...): RLS decides what exists
 *   maySee: (project) => canSee(caller, project),
 * });
 * const saved = await invalidating(
 *   (options) => asUser(caller.claims, (tx) => updateProject(tx, patch), options),
 *   (saved) => ({ tags: [cacheTag("project", saved.id)] }),
 * );
 * ```
 *
 * `cache` itself (getOrSet, set, invalidate) is for those two and for tests; it is configured by
 * shared/config.ts (`CACHE_*`, `UPSTASH_REDIS_REST_*`).
 */
import { Cache } from "./cache.ts";
import { config } from "../config.ts";

export {
  Cache,
  type CacheSetOptions,
  createCache,
  type GetOrSetOptions,
  type InvalidateOptions,
  type L1Entry,
  type Tier,
} from "./cache.ts";
export type { CacheOptions } from "./options.ts";
export {
  CACHE_SCHEMA_VERSION,
  cacheKey,
  cacheTag,
  candidateTag,
  type KeyPart,
  listKey,
  listTag,
  privateListKey,
  projectTag,
  rowTags,
  scopedKey,
} from "./keys.ts";
export type { CacheStatsSnapshot } from "./stats.ts";
export type { BreakerState } from "./breaker.ts";

/** The isolate's cache, from the config (L1 only when Redis is not set). */
export const cache: Cache = new Cache(config.cache);
