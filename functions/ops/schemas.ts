/** The ops function's request and response shapes. */
import { z } from "@hono/zod-openapi";

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

export const Overview = z.object({
  at: z.string(),
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
  counters: z.array(z.object({
    name: z.string(),
    labels: z.record(z.string(), z.string()),
    value: z.number(),
  })),
  functions: z.record(z.string(), z.record(z.string(), z.number())),
  health: z.unknown(),
  statements: Statements,
}).openapi("Overview");

export const History = z.object({
  data: z.array(z.unknown()),
}).openapi("History");
