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

/** An invalidation recorded in the database outbox, as the replayer hands it over. */
export interface RecordedInvalidation {
  id: string;
  keys: readonly string[];
  tags: readonly string[];
}

class L2Timeout extends Error {}

/** Most pending invalidations kept while L2 is down; beyond that the oldest are dropped. */
const MAX_PENDING = 10_000;
/** Keys + tags per replay call: a bounded script, well inside one L2 timeout. */
const REPLAY_BATCH = 200;
/** How long an outbox marker says "applied" (the outbox keeps rows for far less). */
const MARKER_MS = 10 * 60_000;

/** The Redis tier; one per cache instance. */
export class L2Store {
  readonly breaker: CircuitBreaker;
  /** Called when Redis turns out to hold a new dataset (restarted empty, or flushed). */
  onEpochChange?: () => void;
  private readonly redis: Redis;
  private readonly read$;
  private readonly write$;
  private readonly invalidate$;
  private readonly seqKey: string;
  private readonly epochKey: string;
  private readonly tagPrefix: string;
  /** The epoch this isolate proposes if Redis has none yet. */
  private readonly proposedEpoch = crypto.randomUUID();
  private epoch: string | undefined;
  private pendingKeys = new Set<string>();
  private pendingTags = new Set<string>();
  private pendingMarkers = new Set<string>();
  private replaying: Promise<void> | null = null;

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
    this.epochKey = `${options.prefix}#epoch`;
    this.tagPrefix = `${options.prefix}#t:`;
  }

  get pendingInvalidations(): number {
    return this.pendingKeys.size + this.pendingTags.size;
  }

  /** Whether a call would go to Redis now (breaker closed, or half-open: the call probes). */
  get available(): boolean {
    return this.breaker.state !== "open";
  }

  /**
   * Hands the breaker's recovery to a supervisor (see `CircuitBreaker.probeBySupervisor`): it
   * probes with `supervised` calls and ends the outage with `recovered()`.
   */
  supervise(): void {
    this.breaker.probeBySupervisor = true;
  }

  /** Ends an outage: sends what this isolate still owes Redis, then lets calls through again. */
  async recovered(): Promise<boolean> {
    await this.replayPending(true);
    if (this.pendingInvalidations > 0 || this.pendingMarkers.size > 0) return false;
    this.breaker.success();
    return true;
  }

  /**
   * Looks a key up; on a miss (when `lease`), also takes a lease for writing the value back.
   * While this isolate still owes Redis invalidations it could not send, Redis may hold what
   * they drop: a read waits for the replay (at most one L2 timeout) and skips Redis if it is not
   * through by then.
   */
  async read(key: string, lease: boolean): Promise<L2Read> {
    if (!(await this.replayed())) return { kind: "unavailable" };
    const reply = await this.call(() =>
      this.read$.exec(
        [this.entryKey(key), this.seqKey, this.epochKey],
        [lease ? "1" : "0", this.proposedEpoch],
      )
    );
    if (reply === undefined) return { kind: "unavailable" };
    const epoch = String(reply.at(-1));
    this.seeEpoch(epoch);
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
    const seq = String(reply[1]);
    return { kind: "miss", lease: seq === "" ? undefined : { seq, epoch } };
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
    lease?: Lease,
  ): Promise<L2Write> {
    // A fill must not land before this isolate's own missed invalidations do.
    const reply = !(await this.replayed()) ? undefined : await this.call(() =>
      this.write$.exec(
        [
          this.entryKey(key),
          this.seqKey,
          this.epochKey,
          this.keyVersionKey(key),
          ...this.tagKeys(tags),
        ],
        [
          data,
          String(Math.max(1, Math.ceil(ttlMs))),
          lease?.seq ?? "",
          String(Math.max(ttlMs, this.options.leaseMs) + 1000),
          lease?.epoch ?? "",
        ],
      )
    );
    if (reply === undefined) {
      // A write-through that failed may leave an older value in Redis: drop it once L2 is back.
      if (lease === undefined) this.remember([key], [], []);
      return "unavailable";
    }
    if (reply === 1) {
      this.stats.l2Writes++;
      return "stored";
    }
    return "rejected";
  }

  /**
   * Drops keys and bumps tag versions, setting the outbox `markers` of what it applies; if L2 is
   * down, remembers all of it for replay.
   */
  async invalidate(
    keys: readonly string[],
    tags: readonly string[],
    markers: readonly string[] = [],
  ): Promise<boolean> {
    if (keys.length === 0 && tags.length === 0) return true;
    const ok = await this.send(keys, tags, markers, false) !== undefined;
    if (!ok) this.remember(keys, tags, markers);
    return ok;
  }

  /**
   * Applies outbox rows the writers may not have applied (crashed, or Redis was unreachable),
   * skipping those whose marker says they were. One pipelined round trip (the client batches
   * calls of one tick). Returns the ids that are applied now.
   */
  async replayRecorded(
    rows: readonly RecordedInvalidation[],
    supervised = false,
  ): Promise<string[]> {
    const done = await Promise.all(rows.map(async (row) => {
      const reply = await this.send(row.keys, row.tags, [row.id], true, supervised);
      if (reply === "skipped") this.stats.replaySkipped++;
      else if (reply !== undefined) this.stats.replayApplied++;
      return reply === undefined ? undefined : row.id;
    }));
    return done.filter((id): id is string => id !== undefined);
  }

  /**
   * `SET NX PX`: "held" if this isolate now holds `name` for `ms` (e.g. to replay the outbox),
   * "taken" if another does, "unavailable" if Redis did not answer. A `supervised` call probes
   * past an open breaker without changing it.
   */
  async tryLock(
    name: string,
    ms: number,
    supervised = false,
  ): Promise<"held" | "taken" | "unavailable"> {
    const reply = await this.call(
      () =>
        this.redis.set(`${this.options.prefix}#lock:${name}`, this.proposedEpoch, {
          nx: true,
          px: Math.max(1, Math.round(ms)),
        }),
      supervised,
    );
    return reply === undefined ? "unavailable" : reply === "OK" ? "held" : "taken";
  }

  /** True once nothing is owed to Redis; starts (or joins) the replay and waits ≤ one timeout. */
  private async replayed(): Promise<boolean> {
    const owed = () => this.pendingInvalidations > 0 || this.pendingMarkers.size > 0;
    if (!owed()) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.replayPending(),
      new Promise((done) => timer = setTimeout(done, this.options.timeoutMs)),
    ]);
    clearTimeout(timer);
    return !owed();
  }

  private seeEpoch(epoch: string): void {
    if (this.epoch !== undefined && this.epoch !== epoch) {
      this.stats.epochChanges++;
      this.onEpochChange?.();
    }
    this.epoch = epoch;
  }

  private send(
    keys: readonly string[],
    tags: readonly string[],
    markers: readonly string[],
    onlyIfUnmarked: boolean,
    supervised = false,
  ): Promise<string | undefined> {
    const redisKeys = [
      this.seqKey,
      ...keys.map((k) => this.entryKey(k)),
      ...keys.map((k) => this.keyVersionKey(k)),
      ...this.tagKeys(tags),
      ...markers.map((m) => this.markerKey(m)),
    ];
    return this.call(
      () =>
        this.invalidate$.exec(redisKeys, [
          String(keys.length),
          String(this.options.leaseMs + 1000),
          String(keys.length + tags.length),
          String(MARKER_MS),
          onlyIfUnmarked ? "1" : "0",
        ]),
      supervised,
    );
  }

  private remember(
    keys: readonly string[],
    tags: readonly string[],
    markers: readonly string[],
  ): void {
    for (const k of keys) this.pendingKeys.add(k);
    for (const t of tags) this.pendingTags.add(t);
    for (const m of markers) this.pendingMarkers.add(m);
    for (const set of [this.pendingKeys, this.pendingTags, this.pendingMarkers]) {
      for (const oldest of set) {
        if (set.size <= MAX_PENDING) break;
        set.delete(oldest);
      }
    }
  }

  /** Sends what this isolate owes Redis, in bounded batches; stops at the first failure. */
  private replayPending(supervised = false): Promise<void> {
    this.replaying ??= (async () => {
      while (this.pendingInvalidations > 0 || this.pendingMarkers.size > 0) {
        const keys = [...this.pendingKeys].slice(0, REPLAY_BATCH);
        const tags = [...this.pendingTags].slice(0, REPLAY_BATCH - keys.length);
        const last = keys.length === this.pendingKeys.size &&
          tags.length === this.pendingTags.size;
        // Markers go with the last batch: only then is everything they stand for applied.
        const markers = last ? [...this.pendingMarkers] : [];
        if (await this.send(keys, tags, markers, false, supervised) === undefined) return;
        for (const k of keys) this.pendingKeys.delete(k);
        for (const t of tags) this.pendingTags.delete(t);
        for (const m of markers) this.pendingMarkers.delete(m);
      }
    })().finally(() => {
      this.replaying = null;
    });
    return this.replaying;
  }

  /**
   * Runs one Redis call under breaker + timeout; `undefined` means "L2 unavailable". A
   * `supervised` call goes out whatever the breaker says and leaves it as it is.
   */
  private async call<T>(fn: () => Promise<T>, supervised = false): Promise<T | undefined> {
    if (!supervised && !this.breaker.allow()) return undefined;
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let pending: Promise<T>;
    try {
      pending = fn();
    } catch {
      this.stats.l2Errors++;
      if (!supervised) this.breaker.failure();
      return undefined;
    }
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
      if (!supervised) this.breaker.success();
      return result;
    } catch (error) {
      const timedOut = error instanceof L2Timeout ||
        (error instanceof DOMException && error.name === "TimeoutError");
      if (timedOut) this.stats.l2Timeouts++;
      else this.stats.l2Errors++;
      if (!supervised) this.breaker.failure();
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

  private markerKey(id: string): string {
    return `${this.options.prefix}#o:${id}`;
  }

  private tagKeys(tags: readonly string[]): string[] {
    return tags.map((t) => this.tagPrefix + t);
  }
}
