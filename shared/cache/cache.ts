/**
 * The two-tier cache: L1 in the isolate's memory, L2 in Upstash Redis, with cache-aside
 * (`getOrSet`), write-through (`set`), O(1) invalidation by key and tag, single-flight loads and
 * lease-guarded fills. It never throws into a handler except a loader's own error.
 */
import { type CacheOptions, type ResolvedCacheOptions, resolveOptions } from "./options.ts";
import { CACHE_SCHEMA_VERSION } from "./keys.ts";
import { type L1Entry, L1Store } from "./l1.ts";
import { BusReader } from "./bus.ts";
import { background } from "../background.ts";
import { runLoader, serialize } from "./load.ts";
import { L2Store, type Lease, type RecordedInvalidation } from "./l2.ts";
import { Flights, type Loaded } from "./flights.ts";
import { CacheStats, type CacheStatsSnapshot } from "./stats.ts";
import type { BreakerState } from "./breaker.ts";
import {
  type CacheSetOptions,
  type GetOrSetOptions,
  type InvalidateOptions,
  type Normalized,
  normalizeOptions,
  type Tier,
} from "./types.ts";

export type { CacheSetOptions, GetOrSetOptions, InvalidateOptions, L1Entry, Tier };

/** A two-tier cache instance. Build with `createCache`; the app uses the `cache` singleton. */
export class Cache {
  readonly options: ResolvedCacheOptions;
  /** Every Redis key starts with this, e.g. `crew:v1:`. */
  readonly prefix: string;
  private readonly stats = new CacheStats();
  private readonly l1: L1Store | null;
  private readonly l2: L2Store | null;
  private readonly bus: BusReader | null;
  private readonly flights = new Flights();

  constructor(options: CacheOptions = {}) {
    this.options = resolveOptions(options);
    const o = this.options;
    this.prefix = `${o.namespace}:v${CACHE_SCHEMA_VERSION}:`;
    this.l1 = o.l1Enabled
      ? new L1Store({
        maxEntries: o.l1MaxEntries,
        maxBytes: o.l1MaxBytes,
        boundMs: o.staleBoundMs,
      })
      : null;
    this.l2 = o.redisUrl && o.redisToken
      ? new L2Store({
        url: o.redisUrl,
        token: o.redisToken,
        prefix: this.prefix,
        timeoutMs: o.l2TimeoutMs,
        breakerThreshold: o.breakerThreshold,
        breakerOpenMs: o.breakerOpenMs,
        leaseMs: o.leaseMs,
        encryptionKeys: o.encryptionKeys,
      }, this.stats)
      : null;
    // A Redis that came back empty cannot say what this isolate missed while it was away.
    if (this.l2) this.l2.onEpochChange = () => this.l1?.invalidateAll();
    this.bus = this.l1 && this.l2
      ? new BusReader(this.l1, this.l2, o.busIntervalMs, this.stats, (work) => {
        background(work);
      })
      : null;
  }

  /** Reads the bus now (tests; the cache reads it on its own while answering from L1). */
  async readBus(): Promise<void> {
    await this.bus?.read();
  }

  /** Whether a Redis tier is configured (then writes record their invalidations durably). */
  get hasL2(): boolean {
    return this.l2 !== null;
  }

  /** The L2 breaker's state ("disabled" without Redis). */
  get l2State(): BreakerState | "disabled" {
    return this.l2?.breaker.state ?? "disabled";
  }

  /**
   * Hands L2's recovery after an outage to a supervisor (the outbox replayer): reads stay off
   * Redis until it calls `l2Recovered()`, i.e. until Redis has caught up with the outage.
   */
  superviseL2(): void {
    this.l2?.supervise();
  }

  /** Keeps reads off Redis until `catchUp` settles (≤ one L2 timeout each; see `L2Store`). */
  holdL2Until(catchUp: Promise<unknown>): void {
    this.l2?.holdUntil(catchUp);
  }

  /** Ends an L2 outage (supervisor only); false if this isolate's own backlog did not go out. */
  async l2Recovered(): Promise<boolean> {
    return await this.l2?.recovered() ?? false;
  }

  /** The cached value, or `undefined` on a miss (a cached `null` comes back as `null`). */
  async get<T>(key: string): Promise<T | undefined> {
    this.stats.requests++;
    if (!this.options.enabled) return undefined;
    const local = this.readL1(key);
    if (local !== undefined) return JSON.parse(local) as T;
    if (!this.l2) return undefined;
    const mark = this.l1?.mark();
    const r = await this.l2.read(key, false);
    if (r.kind === "hit") {
      this.stats.l2Hits++;
      this.l1?.set(key, r.data, r.tags, this.options.l1TtlSeconds * 1000, mark);
      return JSON.parse(r.data) as T;
    }
    if (r.kind === "miss") this.stats.l2Misses++;
    else this.stats.fallbacks++;
    return undefined;
  }

  /**
   * Cache-aside: the cached value, or the loader's result (stored in both tiers).
   * `options` is a TTL in seconds or `{ ttl, tags, l1Ttl }`. Concurrent misses of one key share
   * one loader call. The loader's error propagates and is not cached.
   */
  async getOrSet<T>(
    key: string,
    loader: () => Promise<T> | T,
    options?: number | GetOrSetOptions<T>,
  ): Promise<T> {
    return (await this.getOrSetWithInfo(key, loader, options)).value;
  }

  /** `getOrSet` that also says where the value came from (for an `x-cache` header). */
  async getOrSetWithInfo<T>(
    key: string,
    loader: () => Promise<T> | T,
    options?: number | GetOrSetOptions<T>,
  ): Promise<{ value: T; source: Tier }> {
    const { value, source } = await this.getOrSetEntry(key, loader, options);
    return { value, source };
  }

  /** `getOrSetWithInfo` plus the L1 entry now holding the value, if any (see `isCurrent`). */
  async getOrSetEntry<T>(
    key: string,
    loader: () => Promise<T> | T,
    options?: number | GetOrSetOptions<T>,
  ): Promise<{ value: T; source: Tier; entry?: L1Entry }> {
    this.stats.requests++;
    if (!this.options.enabled) {
      const value = await runLoader(loader, this.stats);
      const json = serialize(value, this.stats);
      return { value: json === undefined ? value : JSON.parse(json), source: "loader" };
    }
    const entry = this.readL1Entry(key);
    if (entry !== undefined) return { value: JSON.parse(entry.json), source: "l1", entry };

    const o = this.normalize(options);
    const r = await this.flights.run(
      key,
      o.scope,
      o.tags,
      (keepRaw) => this.load(key, loader, o, keepRaw),
    );
    if (r.joined) this.stats.joins++;
    // When L1 now holds exactly what was loaded, say so: a replay can start with this answer.
    const stored = r.json ? this.l1?.entry(key) : undefined;
    return {
      value: r.value,
      source: r.source,
      entry: stored?.json === r.json ? stored : undefined,
    };
  }

  /** Write-through: puts `value` in both tiers now, so the next read is a hit. */
  async set<T>(key: string, value: T, options?: number | CacheSetOptions): Promise<void> {
    if (!this.options.enabled) return;
    const o = this.normalize<T>(options);
    const tags = Array.isArray(o.tags) ? o.tags : [];
    const json = serialize(value, this.stats);
    // Older loads of this key (local or in flight) must not overwrite the new value.
    this.l1?.invalidate([key], []);
    this.flights.drop([key], []);
    if (json === undefined) {
      await this.l2?.invalidate([key], []);
      return;
    }
    this.l1?.set(key, json, tags, o.l1TtlMs);
    await this.l2?.write(key, json, o.ttlMs, tags);
  }

  /**
   * Drops keys and every entry carrying one of the tags: at once in this isolate, in Redis and on
   * the bus for the others (their L1 may lag by at most `staleBoundMs`). If Redis is
   * unreachable, the invalidation is replayed before Redis is read again.
   */
  async invalidate(what: InvalidateOptions): Promise<void> {
    const keys = what.keys ?? [];
    const tags = what.tags ?? [];
    if (keys.length === 0 && tags.length === 0) return;
    this.stats.invalidations++;
    this.l1?.invalidate(keys, tags);
    this.flights.drop(keys, tags);
    await this.l2?.invalidate(keys, tags, what.outboxId ? [what.outboxId] : []);
  }

  /**
   * Applies invalidations recorded in the outbox (skipping those already applied); returns the
   * ids that L2 now reflects. Used by the outbox replayer only.
   */
  async replayRecorded(
    rows: readonly RecordedInvalidation[],
    supervised = false,
  ): Promise<string[]> {
    if (!this.l2 || rows.length === 0) return [];
    for (const row of rows) this.l1?.invalidate(row.keys, row.tags);
    return await this.l2.replayRecorded(rows, supervised);
  }

  /**
   * A short lock in L2 (`SET NX PX`), so one isolate at a time does shared chores; `supervised`
   * probes past an open breaker (see `superviseL2`).
   */
  async tryLock(
    name: string,
    ms: number,
    supervised = false,
  ): Promise<"held" | "taken" | "unavailable"> {
    return await this.l2?.tryLock(name, ms, supervised) ?? "unavailable";
  }

  /** Counters since start or the last `resetStats()`. */
  getStats(): CacheStatsSnapshot {
    return this.stats.snapshot({
      l1: this.l1,
      l2: this.l2 && {
        breaker: this.l2.breaker,
        pendingInvalidations: this.l2.pendingInvalidations,
      },
    });
  }

  /** Zeroes the counters (not the cached data). */
  resetStats(): void {
    Object.assign(this.stats, new CacheStats());
    if (this.l2) this.l2.breaker.opens = 0;
  }

  /** Empties this isolate's L1 (Redis keeps its entries). */
  clearLocal(): void {
    this.l1?.clear();
  }

  /** Whether `entry` (an L1 answer) is still `key`'s current one; a yes is an L1 hit. */
  isCurrent(key: string, entry: L1Entry): boolean {
    if (!this.options.enabled || !this.l1) return false;
    const now = performance.now();
    this.bus?.touch(now);
    if (this.l1.entry(key, now) !== entry) return false;
    this.stats.requests++;
    this.stats.l1Hits++;
    return true;
  }

  private readL1(key: string): string | undefined {
    return this.readL1Entry(key)?.json;
  }

  private readL1Entry(key: string): L1Entry | undefined {
    if (!this.l1) return undefined;
    // One clock read per lookup, for the bus's schedule and the entry's staleness bound alike.
    const now = performance.now();
    this.bus?.touch(now);
    const entry = this.l1.entry(key, now);
    if (entry === undefined) this.stats.l1Misses++;
    else this.stats.l1Hits++;
    return entry;
  }

  /** The single-flight body: L2 (taking a lease on miss), else the loader, then fill. */
  private async load<T>(
    key: string,
    loader: () => Promise<T> | T,
    o: Normalized<T>,
    keepRaw: (value: T) => void,
  ): Promise<Loaded> {
    const mark = this.l1?.mark();
    const started = performance.now();
    let lease: Lease | undefined;
    if (this.l2) {
      const r = await this.l2.read(key, true);
      if (r.kind === "hit") {
        this.stats.l2Hits++;
        this.l1?.set(key, r.data, r.tags, o.l1TtlMs, mark);
        return { json: r.data, source: "l2" };
      }
      if (r.kind === "miss") {
        this.stats.l2Misses++;
        lease = r.lease;
      } else this.stats.fallbacks++;
    }
    const value = await runLoader(loader, this.stats);
    const json = serialize(value, this.stats);
    if (json === undefined) {
      keepRaw(value);
      return { json: "", source: "loader" };
    }
    const tags = typeof o.tags === "function" ? o.tags(value) : o.tags ?? [];
    let fresh = true;
    if (this.l2 && lease !== undefined) {
      // Past the lease's lifetime the invalidation markers it relies on may be gone: skip.
      fresh = performance.now() - started < this.options.leaseMs &&
        await this.l2.write(key, json, o.ttlMs, tags, lease) !== "rejected";
      if (!fresh) this.stats.staleSetsRejected++;
    }
    if (fresh) this.l1?.set(key, json, tags, o.l1TtlMs, mark);
    return { json, source: "loader" };
  }

  private normalize<T>(options?: number | GetOrSetOptions<T> | CacheSetOptions): Normalized<T> {
    const { defaultTtlSeconds: ttlSeconds, l1TtlSeconds } = this.options;
    return normalizeOptions(options, { ttlSeconds, l1TtlSeconds });
  }
}

/** Builds an isolated cache (tests, or a second namespace). */
export function createCache(options: CacheOptions = {}): Cache {
  return new Cache(options);
}
