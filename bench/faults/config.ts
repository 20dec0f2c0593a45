/**
 * What one fault-suite run works with: its settings (deadline, cache bounds, phase timing) from
 * the env and --quick, the parts it drives (the stack, its own gateway, a direct database
 * connection), and the suite's log and sleep helpers.
 */
import type postgres from "postgres";
import type { StackControl, SuiteGateway } from "./control.ts";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const log = (line: string) =>
  console.error(`[faults ${(performance.now() / 1000).toFixed(1)}] ${line}`);

/** `env[name]`, or an error naming the way the suite is meant to be run. */
export function needEnv(env: Record<string, string>, name: string): string {
  if (!env[name]) throw new Error(`${name} is not set: run through scripts/faults.sh`);
  return env[name];
}

/** How long each part of a phase lasts (ms), and how many load workers run. */
export interface Timing {
  warm: number;
  hold: number;
  stall: number;
  poolHold: number;
  after: number;
  workers: number;
}

/** The bounds the properties are checked against, and the phases' timing. */
export interface Settings {
  /** REQUEST_TIMEOUT_MS: no request may take longer than this + 1 s. */
  deadlineMs: number;
  /** CACHE_STALE_BOUND_MS: how far an L1 answer may lag a write that reached Redis. */
  cacheBoundMs: number;
  replayIntervalMs: number;
  /** No reader may see the old value later than this after L2 is back. */
  staleBoundMs: number;
  recoveryLimitMs: number;
  /** How long the stale-read probe watches. */
  watchMs: number;
  timing: Timing;
}

/** The settings for this env (the stack's, as scripts/faults.sh exports it) and --quick. */
export function faultSettings(env: Record<string, string>, quick: boolean): Settings {
  const deadlineMs = Number(env.REQUEST_TIMEOUT_MS ?? 10_000);
  const cacheBoundMs = Number(env.CACHE_STALE_BOUND_MS ?? 1000);
  const replayIntervalMs = Number(env.CACHE_REPLAY_INTERVAL_MS ?? 2000);
  /** Mirrors shared/cache/outbox.ts replayBoundMs(): two intervals plus the writer's grace period. */
  const staleBoundMs = cacheBoundMs + 2 * replayIntervalMs + 1000;
  const recoveryLimitMs = 2000;
  /** How long the probe watches: past the bound, and past the moment a breaker lets reads in. */
  const watchMs =
    Math.max(staleBoundMs, Number(env.CACHE_BREAKER_OPEN_MS ?? 10_000) + cacheBoundMs) +
    3000;
  const timing = quick
    ? { warm: 1500, hold: 2500, stall: 3500, poolHold: 3500, after: 4000, workers: 8 }
    : { warm: 3000, hold: 5000, stall: 20_000, poolHold: 15_000, after: 8000, workers: 12 };
  return {
    deadlineMs,
    cacheBoundMs,
    replayIntervalMs,
    staleBoundMs,
    recoveryLimitMs,
    watchMs,
    timing,
  };
}

/** The parts a run drives, handed to the phases, the probe and the checks. */
export interface Suite {
  env: Record<string, string>;
  settings: Settings;
  stack: StackControl;
  gateway: SuiteGateway;
  /** A direct (not pooled) connection for the checks. */
  direct: postgres.Sql;
}
