/**
 * L2: Upstash Redis over REST. Every call is bounded by a timeout and guarded by a circuit
 * breaker; failures are reported as values ("unavailable"), never thrown, so the cache can
 * answer from L1 or the loader instead.
 */
import { Redis } from "@upstash/redis";
import { CircuitBreaker } from "./breaker.ts";
import { INVALIDATE_SCRIPT, READ_SCRIPT, WRITE_SCRIPT } from "./scripts.ts";
import type { CacheStats } from "./stats.ts";

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
}

export type L2Read =
  | { kind: "hit"; data: string; tags: string[] }
  | { kind: "miss"; lease?: string }
  | { kind: "unavailable" };

export type L2Write = "stored" | "rejected" | "unavailable";

class L2Timeout extends Error {}

/** Most pending invalidations kept while L2 is down; beyond that the oldest are dropped. */
const MAX_PENDING = 10_000;

/** The Redis tier; one per cache instance. */
export class L2Store {
  readonly breaker: CircuitBreaker;
  private readonly redis: Redis;
  private readonly read$;
  private readonly write$;
  private readonly invalidate$;
  private readonly seqKey: string;
  private readonly tagPrefix: string;
  private pendingKeys = new Set<string>();
  private pendingTags = new Set<string>();
  private replaying: Promise<boolean> | null = null;

  constructor(private readonly options: L2Options, private readonly stats: CacheStats) {
    this.redis = new Redis({
      url: options.url,
      token: options.token,
      // The cache decides what happens on failure; the client's 5 retries with backoff would
      // turn an outage into seconds of latency per request.
      retry: false,
      automaticDeserialization: false,
      enableTelemetry: false,
      readYourWrites: false,
      signal: () => AbortSignal.timeout(options.timeoutMs),
    });
    this.breaker = new CircuitBreaker(options.breakerThreshold, options.breakerOpenMs);
    this.read$ = this.redis.createScript<unknown[]>(READ_SCRIPT);
    this.write$ = this.redis.createScript<number>(WRITE_SCRIPT);
    this.invalidate$ = this.redis.createScript<string>(INVALIDATE_SCRIPT);
    this.seqKey = `${options.prefix}#seq`;
    this.tagPrefix = `${options.prefix}#t:`;
  }

  get pendingInvalidations(): number {
    return this.pendingKeys.size + this.pendingTags.size;
  }

  /** Looks a key up; on a miss (when `lease`), also takes a lease for writing the value back. */
  async read(key: string, lease: boolean): Promise<L2Read> {
    const reply = await this.call(() =>
      this.read$.exec([this.entryKey(key), this.seqKey], [lease ? "1" : "0"])
    );
    if (reply === undefined) return { kind: "unavailable" };
    if (reply[0] === 1) {
      const recorded = JSON.parse(String(reply[2])) as string[];
      const tags: string[] = [];
      for (let i = 0; i < recorded.length; i += 2) {
        if (recorded[i].startsWith(this.tagPrefix)) {
          tags.push(recorded[i].slice(this.tagPrefix.length));
        }
      }
      return { kind: "hit", data: String(reply[1]), tags };
    }
    return { kind: "miss", lease: reply[1] === undefined ? undefined : String(reply[1]) };
  }

  /**
   * Stores a value. With a `lease` it is a cache fill and is refused if anything it depends on
   * was invalidated since the lease; without, it is a write-through that also voids older leases.
   */
  async write(
    key: string,
    data: string,
    ttlMs: number,
    tags: readonly string[],
    lease?: string,
  ): Promise<L2Write> {
    const keys = [this.entryKey(key), this.seqKey, this.keyVersionKey(key), ...this.tagKeys(tags)];
    const keep = Math.max(ttlMs, this.options.leaseMs) + 1000;
    const reply = await this.call(() =>
      this.write$.exec(keys, [
        data,
        String(Math.max(1, Math.ceil(ttlMs))),
        lease ?? "",
        String(keep),
      ])
    );
    if (reply === undefined) {
      // A write-through that failed may leave an older value in Redis: drop it once L2 is back.
      if (lease === undefined) this.remember([key], []);
      return "unavailable";
    }
    if (reply === 1) {
      this.stats.l2Writes++;
      return "stored";
    }
    return "rejected";
  }

  /** Drops keys and bumps tag versions; if L2 is down, remembers them for replay. */
  async invalidate(keys: readonly string[], tags: readonly string[]): Promise<boolean> {
    if (keys.length === 0 && tags.length === 0) return true;
    const ok = await this.send(keys, tags);
    if (!ok) this.remember(keys, tags);
    return ok;
  }

  private async send(keys: readonly string[], tags: readonly string[]): Promise<boolean> {
    const redisKeys = [
      this.seqKey,
      ...keys.map((k) => this.entryKey(k)),
      ...keys.map((k) => this.keyVersionKey(k)),
      ...this.tagKeys(tags),
    ];
    const reply = await this.call(
      () =>
        this.invalidate$.exec(redisKeys, [
          String(keys.length),
          String(this.options.leaseMs + 1000),
        ]),
      false,
    );
    return reply !== undefined;
  }

  private remember(keys: readonly string[], tags: readonly string[]): void {
    for (const k of keys) this.pendingKeys.add(k);
    for (const t of tags) this.pendingTags.add(t);
    for (const set of [this.pendingKeys, this.pendingTags]) {
      for (const oldest of set) {
        if (set.size <= MAX_PENDING) break;
        set.delete(oldest);
      }
    }
  }

  /** Replays invalidations missed during an outage before anything is read from L2 again. */
  private replay(): Promise<boolean> {
    this.replaying ??= (async () => {
      const keys = [...this.pendingKeys];
      const tags = [...this.pendingTags];
      const ok = await this.send(keys, tags);
      if (ok) {
        for (const k of keys) this.pendingKeys.delete(k);
        for (const t of tags) this.pendingTags.delete(t);
      }
      return ok;
    })().finally(() => {
      this.replaying = null;
    });
    return this.replaying;
  }

  /** Runs one Redis call under breaker + timeout; `undefined` means "L2 unavailable". */
  private async call<T>(fn: () => Promise<T>, replayFirst = true): Promise<T | undefined> {
    if (replayFirst && this.pendingInvalidations > 0 && !(await this.replay())) return undefined;
    if (!this.breaker.allow()) return undefined;
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const pending = fn();
    // The loser of the race must not surface later as an unhandled rejection.
    pending.catch(() => {});
    try {
      const result = await Promise.race([
        pending,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new L2Timeout()), this.options.timeoutMs);
        }),
      ]);
      this.stats.recordLatency(performance.now() - started);
      this.breaker.success();
      return result;
    } catch (error) {
      const timedOut = error instanceof L2Timeout ||
        (error instanceof DOMException && error.name === "TimeoutError");
      if (timedOut) this.stats.l2Timeouts++;
      else this.stats.l2Errors++;
      this.breaker.failure();
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private entryKey(key: string): string {
    return this.options.prefix + key;
  }

  private keyVersionKey(key: string): string {
    return `${this.options.prefix}#k:${key}`;
  }

  private tagKeys(tags: readonly string[]): string[] {
    return tags.map((t) => this.tagPrefix + t);
  }
}
