/**
 * The cache, for handlers and services:
 *
 * ```ts
 * import { cache, cacheKey, cacheTag, listKey, listTag, rowTags } from "../../shared/cache.ts";
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
 * `cache` is configured from the environment; see `cacheOptionsFromEnv` for the variables.
 */
import { Cache } from "./cache/cache.ts";
import { cacheOptionsFromEnv } from "./cache/config.ts";

export {
  Cache,
  type CacheSetOptions,
  type CacheSource,
  createCache,
  type GetOrSetOptions,
  type InvalidateOptions,
} from "./cache/cache.ts";
export { type CacheOptions, cacheOptionsFromEnv } from "./cache/config.ts";
export {
  CACHE_SCHEMA_VERSION,
  cacheKey,
  cacheTag,
  candidateTag,
  type KeyPart,
  listKey,
  listTag,
  projectTag,
  rowTags,
} from "./cache/keys.ts";
export type { CacheStatsSnapshot } from "./cache/stats.ts";
export type { BreakerState } from "./cache/breaker.ts";

/** The isolate's cache, configured from the environment (L1 only when Redis is not set). */
export const cache: Cache = new Cache(cacheOptionsFromEnv());
