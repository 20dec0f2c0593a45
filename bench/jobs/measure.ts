/**
 * The timing parts shared by both queues, so each side is driven by exactly the same loop:
 * N sends split over C clients, a steady-rate sender, percentiles, and waiting for a count.
 */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `total` calls of `send(i)` from `clients` concurrent loops (each awaits its call before
 * the next, as a client with one connection would) and returns the wall-clock seconds.
 */
export async function timedConcurrent(
  total: number,
  clients: number,
  send: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < total) await send(next++);
  }));
  return (performance.now() - started) / 1000;
}

/**
 * Sends job i at start + i / rate (one sender, one connection). A send that is late is sent at
 * once: the schedule does not drift, and the latency is measured from the job's own created_at,
 * so a late send never counts against the worker.
 */
export async function steadySend(
  ratePerS: number,
  seconds: number,
  send: (i: number) => Promise<unknown>,
): Promise<number> {
  const total = Math.round(ratePerS * seconds);
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / ratePerS;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    await send(i);
  }
  return total;
}

/** Polls `count()` every 100 ms until it reaches `target`; false after `timeoutS`. */
export async function waitForCount(
  count: () => Promise<number>,
  target: number,
  timeoutS: number,
): Promise<boolean> {
  const deadline = performance.now() + timeoutS * 1000;
  while (performance.now() < deadline) {
    if (await count() >= target) return true;
    await sleep(100);
  }
  return await count() >= target;
}

export interface Percentiles {
  jobs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Nearest-rank percentiles of `values` (ms); NaN for an empty sample. */
export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN;
  return {
    jobs: sorted.length,
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    maxMs: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
