/** The cache's option and result types, shared by the cache and the modules around it. */

/** The tier that answered a read (a single-flight join counts as its own). */
export type Tier = "l1" | "l2" | "loader" | "joined";

export interface CacheSetOptions {
  /** Seconds in L2 (and the upper bound for L1). */
  ttl?: number;
  /** Invalidating any of these tags drops the entry. */
  tags?: readonly string[];
  /** Seconds in L1 (default the cache's L1 TTL, never more than `ttl`). */
  l1Ttl?: number;
}

export interface GetOrSetOptions<T> extends Omit<CacheSetOptions, "tags"> {
  /** Fixed tags, or tags computed from the loaded value (e.g. one per row of a list). */
  tags?: readonly string[] | ((value: T) => readonly string[]);
  /**
   * Who the loader runs as (e.g. `admin`, `manager:<id>`): concurrent misses join one load only
   * within the same scope, so nobody is handed an outcome — a 404 from RLS, say — that was
   * computed under someone else's rights. Hits are not affected (entries are shared as before).
   */
  scope?: string;
}

export interface InvalidateOptions {
  keys?: readonly string[];
  tags?: readonly string[];
  /** The id of this invalidation's row in the database outbox (see shared/cache/outbox.ts). */
  outboxId?: string;
}

/** Options with defaults applied, in milliseconds. */
export type Normalized<T> = {
  ttlMs: number;
  l1TtlMs: number;
  tags?: GetOrSetOptions<T>["tags"];
  scope?: string;
};

/** `ttl` (seconds) or options, with the cache's defaults applied; L1 never outlives L2. */
export function normalizeOptions<T>(
  options: number | GetOrSetOptions<T> | CacheSetOptions | undefined,
  defaults: { ttlSeconds: number; l1TtlSeconds: number },
): Normalized<T> {
  const o = typeof options === "number" ? { ttl: options } : options ?? {};
  const ttlSeconds = o.ttl ?? defaults.ttlSeconds;
  const l1Seconds = Math.min(o.l1Ttl ?? defaults.l1TtlSeconds, ttlSeconds);
  return {
    ttlMs: ttlSeconds * 1000,
    l1TtlMs: l1Seconds * 1000,
    tags: o.tags as GetOrSetOptions<T>["tags"],
    scope: "scope" in o ? o.scope : undefined,
  };
}

// L2 (shared/cache/l2.ts)

export interface L2Options {
  url: string;
  token: string;
  /** `crew:v1:` — every Redis key starts with it. */
  prefix: string;
  timeoutMs: number;
  breakerThreshold: number;
  breakerOpenMs: number;
  /** How long a miss's lease stays valid; loads that take longer are not written back. */
  leaseMs: number;
  /** Keys that seal values in Redis (seal.ts); none = plaintext. */
  encryptionKeys?: string;
}

/** A miss's permission to fill: the sequence value and the Redis dataset (epoch) it came from. */
export interface Lease {
  seq: string;
  epoch: string;
}

export type L2Read =
  | { kind: "hit"; data: string; tags: string[] }
  | { kind: "miss"; lease?: Lease }
  | { kind: "unavailable" };

export type L2Write = "stored" | "rejected" | "unavailable";

/** What one read of the bus returned (shared/cache/bus.ts). */
export interface BusRead {
  /** The id of the newest entry read: where the next read starts. */
  position: string;
  /** Entries after the old position may be gone (trimmed, or Redis restarted empty). */
  gap: boolean;
  /** Entries read, the reader's own included. */
  read: number;
  /** The other isolates' invalidations among them, oldest first. */
  entries: { keys: string[]; tags: string[] }[];
}

/** An invalidation recorded in the database outbox, as the replayer hands it over. */
export interface RecordedInvalidation {
  id: string;
  keys: readonly string[];
  tags: readonly string[];
}
