/**
 * The cache, for services (reads on behalf of a caller go through `cachedForCaller` in
 * authorized.ts, writes record their invalidation with `invalidating` in outbox.ts):
 *
 * ```ts
 * import { cache, cacheKey, cacheTag, listKey, listTag, rowTags } from "../../cache/index.ts";
 * const project = await cache.getOrSet(cacheKey("project", id), () => loadProject(id), {
 *   ttl: 60,
 *   tags: [cacheTag("project", id)],
 * });
 * const page = await cache.getOrSet(listKey("projects", { status }), () => listProjects(status), {
 *   ttl: 30,
 *   tags: (rows) => rowTags("project", rows, listTag("projects")),
 * });
 * // after a write:
 * await cache.invalidate({ tags: [cacheTag("project", id), listTag("projects")] });
 * ```
 *
 * `cache` is configured by shared/config.ts (`CACHE_*`, `UPSTASH_REDIS_REST_*`).
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
