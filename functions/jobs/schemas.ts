/** The jobs function's request and response shapes. */
import { z } from "@hono/zod-openapi";
import { JOB_STATES } from "../../shared/jobs/index.ts";
import { Uuid } from "../../shared/schemas.ts";
import { QUEUE_NAMES } from "./queues.ts";

const Queue = z.enum(QUEUE_NAMES);

export const Job = z.object({
  id: Uuid,
  queue: z.string(),
  state: z.enum(JOB_STATES),
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  progress: z.unknown(),
  result: z.unknown(),
  last_error: z.string().nullable(),
  created_by: Uuid.nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  run_at: z.string().nullable(),
}).openapi("Job");

export const DeadLetter = Job.extend({ payload: z.unknown(), errors: z.unknown() })
  .openapi("DeadLetter");

export const QueueMetrics = z.object({
  queues: z.array(z.object({
    queue: z.string(),
    queued: z.number().int(),
    scheduled: z.number().int(),
    running: z.number().int(),
    dead: z.number().int(),
    oldest_queued_s: z.number(),
    succeeded_1h: z.number().int(),
    archived: z.number().int(),
  })),
  worker: z.record(z.string(), z.record(z.string(), z.number())),
}).openapi("QueueMetrics");

export const RunBody = z.strictObject({
  queues: z.array(Queue).min(1).optional(),
  /** At most the configured budget; a shorter run for tests and manual drains. */
  budget_ms: z.number().int().min(1_000).max(140_000).optional(),
}).openapi("WorkerRun");

export const RunReport = z.object({
  claimed: z.number().int(),
  succeeded: z.number().int(),
  retried: z.number().int(),
  dead: z.number().int(),
  released: z.number().int(),
  superseded: z.number().int(),
  lost: z.number().int(),
  errors: z.number().int(),
  ms: z.number().int(),
}).openapi("WorkerReport");

export const DeadQuery = z.strictObject({
  queue: Queue.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const ProbeBody = z.strictObject({
  count: z.number().int().min(1).max(100).default(1),
  sleep_ms: z.number().int().min(0).max(3_000).default(0),
}).openapi("ProbeRequest");

export const ProbeAccepted = z.object({ job_ids: z.array(Uuid) }).openapi("ProbeAccepted");
