/**
 * L2: Upstash Redis over REST. Every call is bounded by a timeout and guarded by a circuit
 * breaker; failures are reported as values ("unavailable"), never thrown, so the cache can
 * answer from L1 or the loader instead.
 */
import { Redis } from "@upstash/redis";
import { CircuitBreaker } from "./breaker.ts";
import { guardedCall } from "./l2-call.ts";
import { PendingInvalidations } from "./pending.ts";
import { BUS_SCRIPT, INVALIDATE_SCRIPT, READ_SCRIPT, WRITE_SCRIPT } from "./scripts.ts";
import type { CacheStats } from "./stats.ts";
import { createSealer, type Sealer } from "./seal.ts";
import type { BusRead, L2Options, L2Read, L2Write, Lease, RecordedInvalidation } from "./types.ts";

export type { BusRead, L2Options, L2Read, L2Write, Lease, RecordedInvalidation };

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
  private readonly bus$;
  private readonly seqKey: string;
  private readonly busKey: string;
  private readonly epochKey: string;
  private readonly tagPrefix: string;
  /** The epoch this isolate proposes if Redis has none yet. */
  private readonly proposedEpoch = crypto.randomUUID();
  /** This store's name on the bus: a reader skips the entries it sent itself. */
  readonly origin = crypto.randomUUID();
  private epoch: string | undefined;
  private readonly pending = new PendingInvalidations();
  /** A catch-up this isolate's Redis calls wait for first (the outbox's, at a cold start). */
  private catchingUp?: Promise<unknown>;
  /** Seals values on their way to Redis and opens them on the way back (seal.ts). */
  private readonly sealer: Promise<Sealer>;

  constructor(private readonly options: L2Options, private readonly stats: CacheStats) {
    this.sealer = createSealer(options.encryptionKeys);
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
    this.bus$ = this.redis.createScript<string[]>(BUS_SCRIPT);
    this.seqKey = `${options.prefix}#seq`;
    this.busKey = `${options.prefix}#bus`;
    this.epochKey = `${options.prefix}#epoch`;
    this.tagPrefix = `${options.prefix}#t:`;
  }

  get pendingInvalidations(): number {
    return this.pending.size;
  }

  /**
   * Whether what Redis says now is all there is to know: the breaker is closed and no catch-up
   * runs. After an outage the outbox replay has to put the missed invalidations on the bus
   * before a bus read may vouch for L1 again.
   */
  get current(): boolean {
    return this.breaker.state === "closed" && this.catchingUp === undefined;
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

  /**
   * Holds reads and write-backs until `catchUp` settles (each waits ≤ one timeout, then skips
   * Redis): a fresh isolate must not read what a write made stale while no isolate was alive to
   * replay its outbox row.
   */
  holdUntil(catchUp: Promise<unknown>): void {
    // Settles either way, and never rejects (nobody may be waiting on it).
    const held: Promise<unknown> = catchUp.then(() => {}, () => {}).finally(() => {
      if (this.catchingUp === held) this.catchingUp = undefined;
    });
    this.catchingUp = held;
  }

  /** Ends an outage: sends what this isolate still owes Redis, then lets calls through again. */
  async recovered(): Promise<boolean> {
    await this.replayPending(true);
    if (this.pending.owed) return false;
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
      const data = await (await this.sealer).open(key, String(reply[1]));
      // An entry that does not open (sealed with a retired key, tampered with, or written in
      // plaintext before sealing) is a miss; the next write replaces it.
      if (data === undefined) return { kind: "miss" };
      return { kind: "hit", data, tags };
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
    const sealed = await (await this.sealer).close(key, data);
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
          sealed,
          String(Math.max(1, Math.ceil(ttlMs))),
          lease?.seq ?? "",
          String(Math.max(ttlMs, this.options.leaseMs) + 1000),
          lease?.epoch ?? "",
        ],
      )
    );
    if (reply === undefined) {
      // A write-through that failed may leave an older value in Redis: drop it once L2 is back.
      if (lease === undefined) this.pending.add([key], [], []);
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
    if (!ok) this.pending.add(keys, tags, markers);
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
   * The bus entries after `position` (at most `count`), the new position, and whether entries
   * may have been trimmed away since (then the reader cannot know what it missed).
   * `undefined` when Redis did not answer.
   */
  async readBus(position: string, count: number): Promise<BusRead | undefined> {
    const reply = await this.call(() => this.bus$.exec([this.busKey], [position, String(count)]));
    if (reply === undefined) return undefined;
    const entries: BusRead["entries"] = [];
    for (let i = 2; i + 3 < reply.length; i += 4) {
      if (reply[i + 1] === this.origin) continue;
      entries.push({
        keys: JSON.parse(String(reply[i + 2])) as string[],
        tags: JSON.parse(String(reply[i + 3])) as string[],
      });
    }
    return {
      position: String(reply[0]),
      gap: Number(reply[1]) === 1,
      read: (reply.length - 2) / 4,
      entries,
    };
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

  /**
   * True once nothing is owed to Redis and no catch-up is running; starts (or joins) the replay
   * and waits ≤ one timeout.
   */
  private async replayed(): Promise<boolean> {
    if (this.catchingUp && !await this.within(this.catchingUp)) return false;
    if (!this.pending.owed) return true;
    await this.within(this.replayPending());
    return !this.pending.owed;
  }

  /** Whether `work` settled within one L2 timeout. */
  private async within(work: Promise<unknown>): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settled = await Promise.race([
      work.then(() => true, () => true),
      new Promise<false>((done) => timer = setTimeout(() => done(false), this.options.timeoutMs)),
    ]);
    clearTimeout(timer);
    return settled;
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
      this.busKey,
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
          this.origin,
          JSON.stringify(keys),
          JSON.stringify(tags),
        ]),
      supervised,
    );
  }

  /** Sends what this isolate owes Redis (see PendingInvalidations). */
  private replayPending(supervised = false): Promise<void> {
    return this.pending.replay(async (keys, tags, markers) =>
      await this.send(keys, tags, markers, false, supervised) !== undefined
    );
  }

  /** One Redis call under breaker and timeout; `undefined` means "L2 unavailable". */
  private call<T>(fn: () => Promise<T>, supervised = false): Promise<T | undefined> {
    return guardedCall(
      { breaker: this.breaker, stats: this.stats, timeoutMs: this.options.timeoutMs },
      fn,
      supervised,
    );
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
