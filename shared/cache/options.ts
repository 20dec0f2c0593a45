/** Cache options (the functions' come from shared/config.ts) and their defaults. */

/** Options for one cache instance; every field has a default. */
export interface CacheOptions {
  /** Upstash REST URL; with no URL or token the cache runs on L1 alone. */
  redisUrl?: string;
  redisToken?: string;
  /**
   * `CACHE_ENCRYPTION_KEYS` (`id:base64,…`, the first seals): L2 values are AES-GCM sealed with
   * them (shared/cache/seal.ts); none = plaintext in Redis.
   */
  encryptionKeys?: string;
  /** First part of every Redis key (default "crew"); the schema version follows it. */
  namespace?: string;
  /** TTL used when a call gives none (default 60 s). */
  defaultTtlSeconds?: number;
  /**
   * An L1 entry's own lifetime (default 3600 s, so in effect the call's TTL, which caps it). With
   * Redis, other isolates' writes reach L1 through the bus; `staleBoundMs` is the staleness bound,
   * not this.
   */
  l1TtlSeconds?: number;
  /**
   * The most an L1 answer may lag a write that reached Redis (default 1000 ms): an entry is
   * served only while it is younger than this, or the bus was read to its end within it
   * (shared/cache/l1.ts). Without Redis there is no bus, so it is how long L1 keeps an entry.
   */
  staleBoundMs?: number;
  /**
   * How often an isolate that answers from L1 reads the bus (default 250 ms): one Redis command
   * per read, none while it serves no L1 lookups.
   */
  busIntervalMs?: number;
  l1MaxEntries?: number;
  l1MaxBytes?: number;
  /** false = "L2 only" (every read goes to Redis). */
  l1Enabled?: boolean;
  /** false = cache off: every read runs the loader. */
  enabled?: boolean;
  /**
   * Upper bound on one L2 round trip (default 1000 ms). Measured, not guessed: with the timeout
   * raised to 2 s, the functions' own timing of every Redis round trip in `npm run bench` (large
   * seed, 2 vCPU shared by wrk, gateway, functions, Postgres and Redis) topped out at 200 ms for
   * the 95/5 mix at c=50, 300 ms at c=200 and 500 ms at c=1000 (p99.9 150 / 300 / 500 ms): on
   * a saturated box a round trip is mostly the event loop's queue. The old 150 ms turned such
   * waits into hundreds of timeouts per run (each a fallback to the database, adding load), so
   * the default is twice the worst seen; a Redis that hangs costs the requests in flight one
   * timeout, after which the breaker keeps them off it.
   */
  l2TimeoutMs?: number;
  /** Consecutive L2 failures that open the breaker (default 5). */
  breakerThreshold?: number;
  /**
   * How long an open breaker skips L2 before a call may probe again (default 10 s). In the
   * functions the outbox replayer supervises recovery instead (it probes every
   * `CACHE_REPLAY_INTERVAL_MS` and lets reads back only after replaying), so this applies to
   * caches used without it.
   */
  breakerOpenMs?: number;
  /** Validity of a miss's lease (default 10 s); slower loads are returned but not cached. */
  leaseMs?: number;
}

export type ResolvedCacheOptions =
  & Required<Omit<CacheOptions, "redisUrl" | "redisToken" | "encryptionKeys">>
  & {
    redisUrl?: string;
    redisToken?: string;
    encryptionKeys?: string;
  };

/** Fills in defaults. */
export function resolveOptions(o: CacheOptions): ResolvedCacheOptions {
  return {
    redisUrl: o.redisUrl || undefined,
    redisToken: o.redisToken || undefined,
    encryptionKeys: o.encryptionKeys || undefined,
    namespace: o.namespace || "crew",
    defaultTtlSeconds: o.defaultTtlSeconds ?? 60,
    l1TtlSeconds: o.l1TtlSeconds ?? 3600,
    staleBoundMs: o.staleBoundMs ?? 1000,
    busIntervalMs: o.busIntervalMs ?? 250,
    // The bytes bound is the real one (32 MiB of a 256 MB isolate): 20k entries of a project
    // detail (~1.4 kB each in L1) fit in it, so every project of the large seed can stay.
    l1MaxEntries: o.l1MaxEntries ?? 20_000,
    l1MaxBytes: o.l1MaxBytes ?? 32 * 1024 * 1024,
    l1Enabled: o.l1Enabled ?? true,
    enabled: o.enabled ?? true,
    l2TimeoutMs: o.l2TimeoutMs ?? 1000,
    breakerThreshold: o.breakerThreshold ?? 5,
    breakerOpenMs: o.breakerOpenMs ?? 10_000,
    leaseMs: o.leaseMs ?? 10_000,
  };
}
