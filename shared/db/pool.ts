/**
 * The isolate's connections: `max` slots, each its own postgres.js client with exactly one
 * connection, behind the FIFO gate. A transaction holds one slot from BEGIN to COMMIT.
 *
 * Why one client per connection instead of one postgres.js pool of `max`: a slot can be thrown
 * away on its own. postgres.js 3.4.9 has no way to drop a single connection of its pool, and a
 * connection that broke mid-transaction (pgbouncer or Postgres restarting) keeps the last error
 * and strands the next borrower. Here a slot whose connection failed, or whose transaction ran
 * past the request's deadline, is ended at once (`end({ timeout: 0 })` closes the socket, so
 * pgbouncer drops whatever it queued for it and the server rolls back) and replaced by a fresh
 * client; nothing of the old one is reused, and nothing waits for it.
 */
import postgres from "postgres";
import { AppError, timedOut } from "../errors.ts";
import { type ArrayType, installArrayTypes, loadArrayTypes } from "./arrays.ts";
import { isConnectionError, isRetryable, toAppError } from "./errors.ts";
import { Gate, type PoolStats } from "./gate.ts";
import { deferredCloseSocket } from "./socket.ts";
import { runTransaction, type TxOptions, type Work, type WorkResult } from "./tx.ts";

/** What the pool needs to open connections. */
export interface PoolConfig {
  url: string;
  max: number;
  min: number;
  acquireTimeoutMs: number;
  maxWaiting: number;
  idleTimeoutS?: number;
  maxLifetimeS?: number;
  connectTimeoutS: number;
  applicationName: string;
}

/** Counters beyond the gate's: why slots were replaced. */
export interface SlotStats {
  /** Slots replaced because their connection failed (restart, kill, network). */
  connectionResets: number;
  /** Transactions cut off at the request's deadline (their slot was replaced too). */
  deadlineAborts: number;
}

interface Slot {
  sql: postgres.Sql;
}

/**
 * postgres.js serializes a parameter the server describes as date / timestamp / timestamptz
 * through `new Date(value)`: a string such as a keyset cursor's `…12.123456+00` loses its
 * microseconds, and an impossible one throws a RangeError. Strings go to Postgres as they are
 * (it parses them at full precision, and refuses bad ones as 22007/22008); Dates as ISO text.
 */
const DATETIME = {
  to: 1184,
  from: [1082, 1114, 1184],
  serialize: (x: unknown) => x instanceof Date ? x.toISOString() : String(x),
  parse: (x: string) => new Date(x),
};

/** Thrown inside a slot when the request's deadline passes first. */
class DeadlineReached extends Error {}

/** The error a caller gets when its request's deadline passed before the database answered. */
export const deadlineError = (cause?: unknown) =>
  timedOut("The request ran out of time waiting for the database", cause);

export class Pool {
  readonly gate: Gate;
  readonly slotStats: SlotStats = { connectionResets: 0, deadlineAborts: 0 };
  readonly #config: PoolConfig;
  readonly #idle: Slot[] = [];
  /** Every live slot, idle or in use, so `end()` reaches all of them. */
  readonly #slots = new Set<Slot>();
  #arrayTypes: ArrayType[] | undefined;
  #loadingTypes: Promise<void> | undefined;
  #warmed = false;
  #ending: Promise<void>[] = [];
  #closed = false;

  constructor(config: PoolConfig) {
    this.#config = config;
    this.gate = new Gate(config.max, config.acquireTimeoutMs, config.maxWaiting);
    for (let i = 0; i < config.max; i++) this.#idle.push(this.#newSlot());
  }

  /** A client for tooling and tests (the slot handed out first): no gate, no deadline. */
  get raw(): postgres.Sql {
    return (this.#idle.at(-1) ?? [...this.#slots][0]).sql;
  }

  stats(): PoolStats & SlotStats {
    return { ...this.gate.stats(), ...this.slotStats };
  }

  /**
   * Runs one transaction on a slot. `deadline` (a `performance.now()` value) bounds the wait for
   * a slot, the statement timeout and the whole transaction: past it the slot is dropped and the
   * caller gets 504 `timeout`.
   */
  async run<T>(
    opening: (statementTimeoutMs: number) => string,
    work: Work<T>,
    options: TxOptions & { statementTimeoutMs: number; deadline: number },
  ): Promise<WorkResult<T>> {
    if (this.#closed) throw new AppError("db_unavailable", "The database pool is closed");
    const left = () => options.deadline - performance.now();
    if (left() <= 0) throw deadlineError();
    await this.gate.acquire(left(), () => deadlineError());
    const slot = this.#idle.pop()!;
    let healthy = true;
    try {
      if (!this.#warmed) this.#warm();
      await this.#withDeadline(left(), () => this.#ensureArrayTypes(slot));
      for (let attempt = 1;; attempt++) {
        // The server stops the statement by itself at the deadline, even if our socket is gone.
        const timeoutMs = Math.max(1, Math.min(options.statementTimeoutMs, Math.ceil(left())));
        try {
          return await this.#withDeadline(
            left(),
            () => runTransaction(slot.sql, opening(timeoutMs), work, options.beforeCommit),
          );
        } catch (err) {
          if (attempt === 1 && isRetryable(err)) continue;
          throw err;
        }
      }
    } catch (err) {
      this.gate.recordError();
      if (err instanceof DeadlineReached) {
        healthy = false;
        this.slotStats.deadlineAborts++;
        throw deadlineError(err);
      }
      if (isConnectionError(err)) {
        healthy = false;
        this.slotStats.connectionResets++;
      }
      throw toAppError(err);
    } finally {
      this.#idle.push(healthy ? slot : this.#replace(slot));
      this.gate.release();
    }
  }

  /** Closes every connection; running transactions fail. */
  async end(): Promise<void> {
    this.#closed = true;
    await Promise.all([
      ...[...this.#slots].map((s) => s.sql.end({ timeout: 5 }).catch(() => undefined)),
      ...this.#ending,
    ]);
  }

  /** Races `fn` against the deadline; on expiry the slot is abandoned (the caller replaces it). */
  async #withDeadline<T>(ms: number, fn: () => Promise<T>): Promise<T> {
    if (ms === Infinity) return await fn();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const work = fn();
    // Whatever the abandoned work does later must not become an unhandled rejection.
    work.catch(() => undefined);
    try {
      return await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new DeadlineReached()), Math.max(0, ms));
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  #newSlot(): Slot {
    const c = this.#config;
    const sql = postgres(c.url, {
      max: 1,
      // Transaction pooling: a prepared statement would live on a server connection the next
      // transaction may not get (pgbouncer 1.18 hangs on it).
      prepare: false,
      // See shared/db/arrays.ts: postgres.js's own type lookup crashes the isolate when it fails.
      fetch_types: false,
      types: { datetime: DATETIME },
      idle_timeout: c.idleTimeoutS,
      max_lifetime: c.maxLifetimeS,
      connect_timeout: c.connectTimeoutS,
      // Notices can quote row values (RAISE NOTICE in a trigger); postgres.js would log them.
      onnotice: () => {},
      connection: { application_name: c.applicationName },
      // See socket.ts: a close racing a queued write must not throw from a timer. (`socket` is
      // a postgres.js option its type declarations leave out.)
      ...{ socket: deferredCloseSocket() } as Record<never, never>,
    });
    if (this.#arrayTypes) installArrayTypes(sql, this.#arrayTypes);
    const slot = { sql };
    this.#slots.add(slot);
    return slot;
  }

  /** Ends a slot's client without waiting (its socket closes now) and returns a fresh slot. */
  #replace(slot: Slot): Slot {
    this.#slots.delete(slot);
    this.#ending.push(slot.sql.end({ timeout: 0 }).catch(() => undefined));
    if (this.#ending.length > 64) this.#ending.splice(0, 32);
    return this.#newSlot();
  }

  #ensureArrayTypes(slot: Slot): Promise<void> {
    if (this.#arrayTypes) return Promise.resolve();
    this.#loadingTypes ??= loadArrayTypes(slot.sql).then((types) => {
      this.#arrayTypes = types;
      for (const s of this.#slots) installArrayTypes(s.sql, types);
    }).finally(() => this.#loadingTypes = undefined);
    return this.#loadingTypes;
  }

  /** Opens `min` connections on first use so the first requests do not all pay the handshake. */
  #warm(): void {
    this.#warmed = true;
    for (const slot of this.#idle.slice(-Math.max(0, this.#config.min - 1))) {
      slot.sql`select 1`.catch(() => undefined);
    }
  }
}
