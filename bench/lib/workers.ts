/**
 * The function workers behind one of our gateways, as its `GET /health` lists them
 * (scripts/stack/gateway.ts): per function, slots that are cold, starting or ready, each with its
 * cumulative process CPU (all its workers so far, /proc, 10 ms ticks), starts and retirements.
 * Differenced around a run, they give the workers' CPU per request and how often they recycled.
 */

/** One slot of a function's pool, as the gateway's `/health` lists it. */
export type { SlotStatus as Slot } from "../../scripts/stack/function-pool.ts";
import type { SlotStatus as Slot } from "../../scripts/stack/function-pool.ts";

export type Health = Record<string, Slot[]>;

/** The slots of every function of the gateway at `gatewayUrl`. */
export async function readHealth(gatewayUrl: string): Promise<Health> {
  const response = await fetch(`${gatewayUrl}/health`, { signal: AbortSignal.timeout(5_000) });
  const body = await response.json() as { functions?: Record<string, { slots?: Slot[] }> };
  return Object.fromEntries(
    Object.entries(body.functions ?? {}).map(([fn, f]) => [fn, f.slots ?? []]),
  );
}

/** CPU, starts and retirements of `functions`' slots, summed. */
export interface WorkerTotals {
  cpuMs: number;
  starts: number;
  retired: Record<string, number>;
}

export function totals(health: Health, functions: string[]): WorkerTotals {
  const out: WorkerTotals = { cpuMs: 0, starts: 0, retired: {} };
  for (const slot of functions.flatMap((fn) => health[fn] ?? [])) {
    out.cpuMs += slot.cpuMs;
    out.starts += slot.starts;
    for (const [why, n] of Object.entries(slot.retired)) {
      out.retired[why] = (out.retired[why] ?? 0) + n;
    }
  }
  return out;
}

export function totalsDelta(before: WorkerTotals, after: WorkerTotals): WorkerTotals {
  const retired: Record<string, number> = {};
  for (const [why, n] of Object.entries(after.retired)) {
    const d = n - (before.retired[why] ?? 0);
    if (d > 0) retired[why] = d;
  }
  return { cpuMs: after.cpuMs - before.cpuMs, starts: after.starts - before.starts, retired };
}

export const retiredCount = (t: WorkerTotals) =>
  Object.values(t.retired).reduce((a, b) => a + b, 0);

/** `wall_clock 3, early_drop 1`, or `none`. */
export const retiredText = (retired: Record<string, number>) =>
  Object.entries(retired).map(([why, n]) => `${why} ${n}`).join(", ") || "none";

/**
 * The gateway samples each worker's CPU every 100 ms: wait two samples after the load stops, so
 * the last of it is in `cpuMs` before it is read.
 */
export const CPU_SETTLE_MS = 250;

/** Polls `/health` until `ok(health)` holds; throws after `timeoutMs`. */
export async function waitForHealth(
  gatewayUrl: string,
  ok: (health: Health) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<Health> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = await readHealth(gatewayUrl);
    if (ok(health)) return health;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 50));
  }
}
