/**
 * The worker's counters in this isolate, per queue and outcome (succeeded, retried, dead,
 * released, superseded, lost) — in `GET /jobs/queues` (its `worker` field) and flushed with the
 * other metrics (shared/observe/flush.ts); the queues' own depth comes from the database
 * (`queue.metrics()`).
 */
const runs = new Map<string, Record<string, number>>();

export function recordRun(queue: string, outcome: string): void {
  const counts = runs.get(queue) ?? {};
  counts[outcome] = (counts[outcome] ?? 0) + 1;
  runs.set(queue, counts);
}

/** A copy of the counters: `{ [queue]: { [outcome]: n } }`. */
export function runStats(): Record<string, Record<string, number>> {
  return Object.fromEntries([...runs].map(([queue, counts]) => [queue, { ...counts }]));
}
