/**
 * The job engine: queue SQL, the worker's drain loop, and `defineQueue`. It imports no service
 * and no handler — the app declares its queues with `defineQueue` (each service beside its
 * handler) and hands the list to `drain()` (the `jobs` function, functions/jobs/queues.ts).
 */
export {
  type ClaimedJob,
  defineQueue,
  type JobRun,
  Permanent,
  type QueueDef,
  queueNames,
  type Registry,
  Yielded,
} from "./define.ts";
export { checkpoint, JOB_STATES, send, type SendOptions, sendOrJoin, type Slot } from "./queue.ts";
export { drain, type DrainOptions, type DrainReport } from "./worker.ts";
export { runStats } from "./stats.ts";
