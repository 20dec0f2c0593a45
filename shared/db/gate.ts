/**
 * A FIFO semaphore in front of the postgres.js pool. postgres.js queues without limit and has no
 * acquire timeout, so under a traffic spike requests would pile up until the edge runtime's wall
 * clock kills them. The gate bounds both the wait (a timer per waiter) and the queue length, so an
 * overloaded isolate answers 503 + Retry-After at once instead of hanging; it also owns the pool
 * statistics because it is the one place that sees every borrow.
 */
import { AppError } from "../errors.ts";

/** What `getPoolStats()` reports. Times in milliseconds. */
export interface PoolStats {
  max: number;
  active: number;
  idle: number;
  waiting: number;
  /** Percent of `max` in use right now, 0–100 (as the seed's `getPoolStats().utilization`). */
  utilization: number;
  /** Highest `active` seen since the pool was created. */
  peakActive: number;
  /** Units of work (transactions) started. */
  queries: number;
  /** Units of work that ended in an error (after the one retry). */
  errors: number;
  acquireWaitMs: { count: number; avg: number; p99: number; max: number };
  /** Borrowers refused because no connection freed up within the acquire timeout. */
  timeouts: number;
}

interface Waiter {
  grant: () => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Recent waits kept for the p99; older ones only feed count/avg/max. */
const WAIT_SAMPLES = 1024;

/** The typed error a borrower gets when the pool stays full for the whole acquire timeout. */
export function poolExhausted(waitedMs: number): AppError {
  return new AppError("pool_exhausted", "The database is busy; retry shortly", {
    retryAfter: 1,
    details: { waited_ms: Math.round(waitedMs) },
  });
}

/** FIFO semaphore with a per-waiter timeout; see the module comment for why it exists. */
export class Gate {
  #active = 0;
  #peak = 0;
  #waiters: Waiter[] = [];
  #queries = 0;
  #errors = 0;
  #timeouts = 0;
  #waitCount = 0;
  #waitTotal = 0;
  #waitMax = 0;
  #samples: number[] = [];

  constructor(
    readonly max: number,
    readonly acquireTimeoutMs: number,
    readonly maxWaiting: number,
  ) {}

  /**
   * Resolves once a slot is held; rejects with 503 pool_exhausted after the acquire timeout, or
   * with `expired(waitedMs)` when `timeoutMs` (the request's remaining time) is the shorter wait.
   */
  acquire(
    timeoutMs = this.acquireTimeoutMs,
    expired: (waitedMs: number) => AppError = poolExhausted,
  ): Promise<void> {
    this.#queries++;
    if (this.#active < this.max && this.#waiters.length === 0) {
      this.#take();
      this.#recordWait(0);
      return Promise.resolve();
    }
    if (this.#waiters.length >= this.maxWaiting) {
      this.#timeouts++;
      return Promise.reject(poolExhausted(0));
    }
    const limit = Math.max(0, Math.min(timeoutMs, this.acquireTimeoutMs));
    const onTimeout = timeoutMs < this.acquireTimeoutMs ? expired : poolExhausted;
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          this.#recordWait(performance.now() - started);
          resolve();
        },
        timer: setTimeout(() => {
          const at = this.#waiters.indexOf(waiter);
          if (at >= 0) this.#waiters.splice(at, 1);
          this.#timeouts++;
          reject(onTimeout(performance.now() - started));
        }, limit),
      };
      this.#waiters.push(waiter);
    });
  }

  /** Gives the slot to the oldest waiter, or frees it. Call exactly once per successful acquire. */
  release(): void {
    const next = this.#waiters.shift();
    // Handing over directly keeps `active` unchanged and stops a newcomer jumping the queue.
    if (next) next.grant();
    else this.#active--;
  }

  /** Counts a unit of work that failed, for the stats. */
  recordError(): void {
    this.#errors++;
  }

  /** A snapshot of the counters. */
  stats(): PoolStats {
    const sorted = [...this.#samples].sort((a, b) => a - b);
    const p99 = sorted.length
      ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]
      : 0;
    return {
      max: this.max,
      active: this.#active,
      idle: this.max - this.#active,
      waiting: this.#waiters.length,
      utilization: Math.round((this.#active / this.max) * 100),
      peakActive: this.#peak,
      queries: this.#queries,
      errors: this.#errors,
      acquireWaitMs: {
        count: this.#waitCount,
        avg: this.#waitCount ? round2(this.#waitTotal / this.#waitCount) : 0,
        p99: round2(p99),
        max: round2(this.#waitMax),
      },
      timeouts: this.#timeouts,
    };
  }

  #take(): void {
    this.#active++;
    if (this.#active > this.#peak) this.#peak = this.#active;
  }

  #recordWait(ms: number): void {
    this.#waitCount++;
    this.#waitTotal += ms;
    if (ms > this.#waitMax) this.#waitMax = ms;
    if (this.#samples.length === WAIT_SAMPLES) this.#samples.shift();
    this.#samples.push(ms);
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;
