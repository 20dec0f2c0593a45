/**
 * L1: the isolate's own memory (lru-cache, bounded by entries and bytes). Values are stored as
 * JSON strings, so no caller can mutate a cached value, and L1 hands out the same shapes as L2.
 *
 * Local invalidation mirrors L2's versioning: tags (and keys) have versions drawn from one local
 * sequence; an entry records the versions it saw, and a load that started before a newer
 * version was set may not fill L1 (the same stale-set guard as L2's leases).
 *
 * Coherence across isolates (with a bus, shared/cache/bus.ts): an entry is served only while it
 * is younger than `boundMs`, or the bus was read to its end within `boundMs` by reads that cover
 * the time since the entry was loaded — every other isolate's invalidation that reached Redis
 * before that read has been applied here. So no answer is older than the bound, however long the
 * entry's own TTL.
 */
import { LRUCache } from "lru-cache";

/**
 * One stored value. Entries are never changed in place, so an entry's identity says "this exact
 * value, still current" (what shared/http/replay.ts relies on).
 */
export interface L1Entry {
  readonly json: string;
  readonly tags: readonly string[];
  readonly versions: readonly number[];
  /** When the load that produced it began (`performance.now()`). */
  readonly at: number;
}

/** Where a load began: the version sequence and the time (see `L1Store.set`). */
export interface Mark {
  readonly seq: number;
  readonly at: number;
}

export interface L1Options {
  maxEntries: number;
  maxBytes: number;
  /** The staleness bound (see the module comment); absent = entries live their TTL. */
  boundMs?: number;
}

/** The in-memory tier. */
export class L1Store {
  private readonly lru: LRUCache<string, L1Entry>;
  private readonly versions = new Map<string, number>();
  private readonly maxVersions: number;
  private seq = 0;
  /** The version of anything not in `versions` (raised when the map is reset). */
  private floor = 0;
  private readonly boundMs: number;
  /** When the last bus read that reached the end was sent. */
  private confirmedAt = -Infinity;
  /**
   * Since when the bus reads form an unbroken record (the first read, or the last that found its
   * position trimmed away): only entries loaded since may be vouched for by them.
   */
  private coveredFrom = Infinity;

  constructor(options: L1Options) {
    this.lru = new LRUCache<string, L1Entry>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      // UTF-16 strings: two bytes a character, plus a rough per-entry overhead.
      sizeCalculation: (e, key) => (e.json.length + key.length) * 2 + 64 + e.tags.length * 48,
    });
    this.maxVersions = Math.max(1024, options.maxEntries * 4);
    this.boundMs = options.boundMs ?? Infinity;
  }

  get entries(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }

  /** A point to compare against when a load finishes (see `set`'s `since`). */
  mark(): Mark {
    return { seq: this.seq, at: performance.now() };
  }

  /**
   * The bus's record starts again at `sentAt` (its first read, or one that found entries trimmed
   * away): entries loaded earlier live by their age alone.
   */
  cover(sentAt: number): void {
    this.coveredFrom = sentAt;
  }

  /** Every invalidation sent before `sentAt` has been applied (a bus read reached the end). */
  confirm(sentAt: number): void {
    if (sentAt > this.confirmedAt) this.confirmedAt = sentAt;
  }

  /** The cached JSON, or undefined on a miss or when a tag moved on since it was stored. */
  get(key: string): string | undefined {
    return this.entry(key)?.json;
  }

  /** The current entry of `key` (same rules as `get`); `now` if the caller read the clock. */
  entry(key: string, now = performance.now()): L1Entry | undefined {
    const e = this.lru.get(key);
    if (!e) return undefined;
    const vouched = e.at >= this.coveredFrom && this.confirmedAt > e.at ? this.confirmedAt : e.at;
    if (now - vouched > this.boundMs) {
      this.lru.delete(key);
      return undefined;
    }
    for (let i = 0; i < e.tags.length; i++) {
      if (this.version(e.tags[i]) !== e.versions[i]) {
        this.lru.delete(key);
        return undefined;
      }
    }
    return e;
  }

  /**
   * Stores JSON for `ttlMs`. With `since` (a `mark()` taken before the load began), the store
   * is skipped if the key or a tag was invalidated meanwhile, and the entry's age counts from
   * the mark; returns whether it stored.
   */
  set(key: string, json: string, tags: readonly string[], ttlMs: number, since?: Mark): boolean {
    if (since !== undefined) {
      if (this.version(keyTag(key)) > since.seq) return false;
      for (const t of tags) if (this.version(t) > since.seq) return false;
    }
    if (ttlMs <= 0) return false;
    const at = since?.at ?? performance.now();
    this.lru.set(key, { json, tags, versions: tags.map((t) => this.version(t)), at }, {
      ttl: ttlMs,
    });
    return true;
  }

  /** Drops keys and moves tags on at once, so this isolate reads its own writes. */
  invalidate(keys: readonly string[], tags: readonly string[]): void {
    const v = ++this.seq;
    for (const k of keys) {
      this.lru.delete(k);
      this.versions.set(keyTag(k), v);
    }
    for (const t of tags) this.versions.set(t, v);
    // Forgetting versions could revive entries that recorded older ones, so forget those
    // entries too.
    if (this.versions.size > this.maxVersions) this.invalidateAll();
  }

  /**
   * Drops every entry and refuses every load in flight (they compare against the floor): when
   * the version map overflows, and when Redis turns out to be a new dataset (an epoch change).
   */
  invalidateAll(): void {
    this.versions.clear();
    this.lru.clear();
    this.floor = ++this.seq;
  }

  clear(): void {
    this.lru.clear();
  }

  private version(tag: string): number {
    return this.versions.get(tag) ?? this.floor;
  }
}

/** Key versions live in the tag map under a name no tag can have. */
function keyTag(key: string): string {
  return `\u0000key:${key}`;
}
