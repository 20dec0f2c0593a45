/**
 * The invalidation bus's reader: how an isolate learns of the other isolates' writes, so its L1
 * entries can live until invalidated instead of a few seconds (bentocache calls this a bus).
 *
 * Every invalidation that reaches Redis appends to a stream in the same script (scripts.ts), the
 * writer's and the outbox replay's alike. An isolate reads what is new with one non-blocking
 * command, at most every `intervalMs` and only while it is answering reads from L1: a lookup
 * starts the read in the background when the last one is older than the interval, so an idle
 * isolate costs Redis nothing. A read that reached the end vouches for L1 up to the moment it was
 * sent (`L1Store.confirm`); an entry neither that fresh nor younger than the bound is not served
 * (l1.ts), so a slow, failing or skipped read costs hits, never staleness.
 *
 * A read is skipped while L2 is not current (breaker open, or the outbox still catching up after
 * an outage): invalidations missed during the outage reach the bus only with the replay.
 */
import type { L1Store } from "./l1.ts";
import type { L2Store } from "./l2.ts";
import type { CacheStats } from "./stats.ts";

/** Entries per read; a backlog longer than this takes more reads before L1 is vouched for. */
const BATCH = 500;

export class BusReader {
  /** The newest entry applied ("" = none yet: the first read only learns where the end is). */
  private position = "";
  private lastSentAt = -Infinity;
  private reading = false;

  constructor(
    private readonly l1: L1Store,
    private readonly l2: L2Store,
    private readonly intervalMs: number,
    private readonly stats: CacheStats,
    /** How a read runs without holding up the lookup (the functions: `background`). */
    private readonly spawn: (work: () => Promise<void>) => void,
  ) {}

  /** Called on every L1 lookup: starts a read when one is due. */
  touch(now: number): void {
    if (this.reading || now - this.lastSentAt < this.intervalMs) return;
    this.reading = true;
    this.lastSentAt = now;
    this.spawn(() => this.read(now).finally(() => this.reading = false));
  }

  /** One read (also what tests call to catch up at once). */
  async read(sentAt = performance.now()): Promise<void> {
    if (!this.l2.current) return;
    this.stats.busReads++;
    const r = await this.l2.readBus(this.position, BATCH);
    if (r === undefined) return;
    if (this.position === "" || r.gap) {
      // What happened before this isolate knew its position (or while the stream lost it) is
      // unknown: entries loaded before this read live by their age alone (l1.ts).
      if (r.gap) this.stats.busGaps++;
      this.l1.cover(sentAt);
    }
    for (const e of r.entries) this.l1.invalidate(e.keys, e.tags);
    this.stats.busApplied += r.entries.length;
    this.position = r.position;
    if (r.read < BATCH) this.l1.confirm(sentAt);
  }
}
