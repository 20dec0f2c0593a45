/** The ops function's request and response shapes. */
import { z } from "@hono/zod-openapi";
import { QueueMetrics } from "../jobs/schemas.ts";
import { COUNTER_NAMES, GAUGE_FIELDS, type GaugeField } from "../../shared/observe/registry.ts";

export const StatementsQuery = z.strictObject({
  min_mean_ms: z.coerce.number().min(0).max(600_000).default(100),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const Statement = z.object({
  queryid: z.string(),
  query: z.string(),
  calls: z.number(),
  total_ms: z.number(),
  mean_ms: z.number(),
  rows: z.number(),
}).openapi("Statement");

export const Statements = z.object({
  min_mean_ms: z.number(),
  slow: z.array(Statement),
  top: z.array(Statement),
}).openapi("Statements");

/** A function's isolate gauges (shared/observe/registry.ts), summed over its live isolates. */
const FunctionGauges = z.object(
  Object.fromEntries(GAUGE_FIELDS.map((field) => [field, z.number()])) as Record<
    GaugeField,
    z.ZodNumber
  >,
).openapi("FunctionGauges");

/** A queue's figures, as the jobs function's metrics answer them (queue.metrics()). */
const Queue = QueueMetrics.shape.queues.element;

/** The database's side (shared/services/ops `health()`). */
const Health = z.object({
  views: z.array(z.object({
    view: z.string(),
    /** Seconds since the view was last refreshed (pg_cron or a refresh job). */
    age_s: z.number().nullable(),
    refreshed_at: z.string().nullable(),
  })),
  cron: z.array(z.object({
    job: z.string(),
    schedule: z.string(),
    active: z.boolean(),
    last_status: z.string().nullable(),
    last_run_at: z.string().nullable(),
    last_success_at: z.string().nullable(),
    failures_24h: z.number().int(),
  })),
  partitions: z.array(z.object({ table: z.string(), months_ahead: z.number().int() })),
  idempotency_keys: z.object({ rows: z.number(), bytes: z.number() }),
  queues: z.array(Queue),
}).openapi("Health");

export const Overview = z.object({
  at: z.string(),
  /** False when there is no Redis: the figures are then the ops isolate's own. */
  aggregated: z.boolean(),
  requests: z.array(z.object({
    function: z.string(),
    method: z.string(),
    route: z.string(),
    status_class: z.string(),
    count: z.number(),
    sum_s: z.number(),
    /** Cumulative counts per upper bound (`le`, seconds; the last is +Inf). */
    buckets: z.array(z.number()),
  })),
  bounds_s: z.array(z.number()),
  /** Every registered counter's series (shared/observe/registry.ts), totals since counting began. */
  counters: z.array(z.object({
    name: z.enum(COUNTER_NAMES),
    labels: z.record(z.string(), z.string()),
    value: z.number(),
  })),
  functions: z.record(z.string(), FunctionGauges),
  health: Health,
  statements: Statements,
}).openapi("Overview");

/** One function in a history snapshot: totals since counting began. */
const FunctionSnapshot = z.object({
  count: z.number(),
  /** 5xx answers. */
  errors: z.number(),
  /** Cumulative duration buckets (the overview's `bounds_s`, then +Inf). */
  buckets: z.array(z.number()),
  l1_hit: z.number().optional(),
  l1_miss: z.number().optional(),
  l2_hit: z.number().optional(),
  l2_miss: z.number().optional(),
  /** In use ÷ allowed over the live isolates, and how many there are. */
  pool_utilization: z.number().optional(),
  isolates: z.number().optional(),
}).openapi("FunctionSnapshot");

const Snapshot = z.object({
  at: z.string(),
  functions: z.record(z.string(), FunctionSnapshot),
}).openapi("Snapshot");

export const History = z.object({
  /** One snapshot per 10 s slot, oldest first. */
  data: z.array(Snapshot),
}).openapi("History");
