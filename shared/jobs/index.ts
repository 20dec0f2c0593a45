/** The job queue as the functions use it: the worker with every handler, and the queue's SQL. */
import { config } from "../config.ts";
import { handlers } from "./handlers.ts";
import { drain, type DrainOptions, type DrainReport } from "./worker.ts";

export { JOB_STATES, type QueueName, QUEUES, send } from "./queue.ts";
export { runStats } from "./stats.ts";
export type { DrainReport } from "./worker.ts";

/** One worker call: drains every queue (or `queues`) with the configured budget and limits. */
export function runWorker(overrides: Partial<DrainOptions> = {}): Promise<DrainReport> {
  const { budgetMs, batch, concurrency, pollMs, lingerMs } = config.jobs;
  return drain(handlers, { budgetMs, batch, concurrency, pollMs, lingerMs, ...overrides });
}
