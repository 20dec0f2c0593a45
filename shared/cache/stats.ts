/** Counters behind `cache.getStats()`. */
import type { BreakerState } from "./breaker.ts";

/** What a snapshot reads from the tiers besides the counters. */
export interface TierInfo {
  l1: { entries: number; bytes: number } | null;
  l2: { breaker: { state: BreakerState; opens: number }; pendingInvalidations: number } | null;
}

/** A point-in-time copy of the cache's counters. */
export interface CacheStatsSnapshot {
  /** Reads asked of the cache (`get`, `getOrSet`, `getOrSetWithInfo`). */
  requests: number;
  /** Reads answered without running a loader: L1 hits + L2 hits + single-flight joins. */
  hits: number;
  /** `hits / requests` in percent, two decimals (0 when there were no reads). */
  hitRate: number;
  l1: { hits: number; misses: number; entries: number; bytes: number };
  l2: {
    enabled: boolean;
    hits: number;
    misses: number;
    writes: number;
    errors: number;
    timeouts: number;
    breaker: BreakerState | "disabled";
    breakerOpens: number;
    latencyMs: { count: number; avg: number; p50: number; p99: number; max: number };
    /**
     * Every L2 round trip since start, counted per upper bound in ms (`le_<ms>`, cumulative as
     * Prometheus buckets are): differences of two snapshots give the exact distribution of the
     * calls in between (the bench sets the L2 timeout from it).
     */
    latencyBuckets: Record<string, number>;
  };
  loaderCalls: number;
  loaderErrors: number;
  /** Concurrent misses that waited on another caller's load instead of running the loader. */
  joins: number;
  /** Reads that wanted L2 but answered without it (error, timeout, breaker open). */
  fallbacks: number;
  /** Loader results not stored because the key or a tag was invalidated while loading. */
  staleSetsRejected: number;
  invalidations: number;
  /** Invalidations that could not reach L2 yet and will be replayed when it is back. */
  pendingInvalidations: number;
  /** Outbox rows this isolate's replayer applied / found already applied by their writer. */
  outbox: { applied: number; skipped: number };
  /** Times Redis turned out to hold a new dataset (restarted empty): L1 was dropped each time. */
  epochChanges: number;
  /**
   * The invalidation bus (shared/cache/bus.ts): reads sent (one Redis command each), other
   * isolates' invalidations applied to L1, reads that found their position trimmed away.
   */
  bus: { reads: number; applied: number; gaps: number };
  /** Values that JSON cannot represent; returned uncached. */
  unserializable: number;
}

const WINDOW = 1024;

/** Upper bounds (ms) of the L2 latency buckets. */
export const LATENCY_BOUNDS_MS = [
  0.25,
  0.5,
  1,
  2,
  3,
  5,
  7.5,
  10,
  15,
  20,
  30,
  50,
  75,
  100,
  150,
  200,
  300,
  500,
  750,
  1000,
  2000,
  5000,
];

/** Mutable counters; latencies keep the last 1024 samples for percentiles. */
export class CacheStats {
  requests = 0;
  l1Hits = 0;
  l1Misses = 0;
  l2Hits = 0;
  l2Misses = 0;
  l2Writes = 0;
  l2Errors = 0;
  l2Timeouts = 0;
  loaderCalls = 0;
  loaderErrors = 0;
  joins = 0;
  fallbacks = 0;
  staleSetsRejected = 0;
  invalidations = 0;
  unserializable = 0;
  replayApplied = 0;
  replaySkipped = 0;
  epochChanges = 0;
  busReads = 0;
  busApplied = 0;
  busGaps = 0;
  private buckets = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  private latencies = new Float64Array(WINDOW);
  private latencyCount = 0;
  private latencySum = 0;
  private latencyMax = 0;

  recordLatency(ms: number): void {
    let i = 0;
    while (i < LATENCY_BOUNDS_MS.length && ms > LATENCY_BOUNDS_MS[i]) i++;
    this.buckets[i]++;
    this.latencies[this.latencyCount % WINDOW] = ms;
    this.latencyCount++;
    this.latencySum += ms;
    if (ms > this.latencyMax) this.latencyMax = ms;
  }

  /** Cumulative counts per bound (`le_<ms>`, then `le_inf`), as `latencyBuckets`. */
  latencyBuckets(): Record<string, number> {
    const out: Record<string, number> = {};
    let running = 0;
    LATENCY_BOUNDS_MS.forEach((bound, i) => {
      running += this.buckets[i];
      out[`le_${bound}`] = running;
    });
    out.le_inf = running + this.buckets[LATENCY_BOUNDS_MS.length];
    return out;
  }

  /** The snapshot `cache.getStats()` returns. */
  snapshot({ l1, l2 }: TierInfo): CacheStatsSnapshot {
    const hits = this.l1Hits + this.l2Hits + this.joins;
    return {
      requests: this.requests,
      hits,
      hitRate: this.requests === 0 ? 0 : round((hits / this.requests) * 100),
      l1: {
        hits: this.l1Hits,
        misses: this.l1Misses,
        entries: l1?.entries ?? 0,
        bytes: l1?.bytes ?? 0,
      },
      l2: {
        enabled: l2 !== null,
        hits: this.l2Hits,
        misses: this.l2Misses,
        writes: this.l2Writes,
        errors: this.l2Errors,
        timeouts: this.l2Timeouts,
        breaker: l2?.breaker.state ?? "disabled",
        breakerOpens: l2?.breaker.opens ?? 0,
        latencyMs: this.latency(),
        latencyBuckets: this.latencyBuckets(),
      },
      loaderCalls: this.loaderCalls,
      loaderErrors: this.loaderErrors,
      joins: this.joins,
      fallbacks: this.fallbacks,
      staleSetsRejected: this.staleSetsRejected,
      invalidations: this.invalidations,
      pendingInvalidations: l2?.pendingInvalidations ?? 0,
      outbox: { applied: this.replayApplied, skipped: this.replaySkipped },
      epochChanges: this.epochChanges,
      bus: { reads: this.busReads, applied: this.busApplied, gaps: this.busGaps },
      unserializable: this.unserializable,
    };
  }

  latency(): CacheStatsSnapshot["l2"]["latencyMs"] {
    const n = Math.min(this.latencyCount, WINDOW);
    if (n === 0) return { count: 0, avg: 0, p50: 0, p99: 0, max: 0 };
    const sorted = this.latencies.slice(0, n).sort();
    const at = (q: number) => round(sorted[Math.min(n - 1, Math.floor(q * n))]);
    return {
      count: this.latencyCount,
      avg: round(this.latencySum / this.latencyCount),
      p50: at(0.5),
      p99: at(0.99),
      max: round(this.latencyMax),
    };
  }
}

/** Two decimals, for percentages and milliseconds. */
export function round(n: number): number {
  return Math.round(n * 100) / 100;
}
