/**
 * The jobs function's routes: the worker (`POST /run`, service role only — pg_cron + pg_net
 * on hosted projects, scripts/stack/scheduler.ts locally), a job's status for whoever asked for
 * it, and the admin operations (queues, dead letters, retry / discard / cancel, probes).
 * Static paths come before `/{id}` so they are never an id.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { config } from "../../../shared/config.ts";
import {
  type AppEnv,
  ErrorBody,
  handle,
  jsonBody,
  jsonResponse,
  route,
} from "../../../shared/http/index.ts";
import { drain, runStats } from "../../../shared/jobs/index.ts";
import {
  deadLetters,
  getJob,
  type JobOperation,
  operate,
  operationNeeds,
  queueMetrics,
  sendProbes,
} from "../../../shared/services/jobs/index.ts";
import { IdParam } from "../../../shared/schemas.ts";
import {
  DeadLetter,
  DeadQuery,
  Job,
  ProbeAccepted,
  ProbeBody,
  QueueMetrics,
  RunBody,
  RunReport,
} from "../schemas.ts";
import { queues } from "../queues.ts";
import { z } from "@hono/zod-openapi";

export const jobRoutes = new OpenAPIHono<AppEnv>();

jobRoutes.openapi(
  route({
    method: "post",
    path: "/run",
    roles: "service_role",
    // The scheduler calls it every second while jobs wait: its request line is debug.
    quiet: true,
    summary: "Drain due jobs for a time budget (the worker)",
    description: "Claims batches of due jobs, runs their handlers and finishes, retries or " +
      "dead-letters each; idle, it polls for JOBS_LINGER_MS before answering. Called every " +
      "second by the scheduler when queue.wants_worker() is true.",
    // Optional: no body (and no content type) is `{}`; a malformed one is a 400, nothing drained.
    request: { body: { required: false, content: { "application/json": { schema: RunBody } } } },
    responses: { 200: jsonResponse(RunReport, "What the run did") },
  }),
  async (c) => {
    const { queues: only, budget_ms } = c.req.valid("json");
    const { budgetMs, batch, concurrency, pollMs, lingerMs } = config.jobs;
    const report = await drain(queues, {
      budgetMs: budget_ms ?? budgetMs,
      batch,
      concurrency,
      pollMs,
      lingerMs,
      queues: only,
    });
    return c.json(report, 200);
  },
);

jobRoutes.openapi(
  route({
    method: "get",
    path: "/queues",
    roles: ["admin"],
    summary: "Queues: depth, oldest waiting job, running, dead letters",
    responses: { 200: jsonResponse(QueueMetrics, "Per queue, and this isolate's worker counts") },
  }),
  async (c) =>
    c.json({ queues: await handle(c, "queues", () => queueMetrics()), worker: runStats() }, 200),
);

jobRoutes.openapi(
  route({
    method: "get",
    path: "/dead",
    roles: ["admin"],
    summary: "Dead letters with their errors",
    request: { query: DeadQuery },
    responses: { 200: jsonResponse(z.object({ data: z.array(DeadLetter) }), "Dead letters") },
  }),
  async (c) => {
    const { queue, limit } = c.req.valid("query");
    return c.json({ data: await handle(c, "dead", () => deadLetters(queue, limit)) }, 200);
  },
);

jobRoutes.openapi(
  route({
    method: "post",
    path: "/probe",
    roles: ["admin"],
    summary: "Enqueue probe jobs (an end-to-end check of the worker)",
    request: { body: jsonBody(ProbeBody) },
    responses: { 202: jsonResponse(ProbeAccepted, "Queued") },
  }),
  async (c) => {
    const { count, sleep_ms } = c.req.valid("json");
    const ids = await handle(c, "probe", (me) => sendProbes(me, count, sleep_ms));
    return c.json({ job_ids: ids }, 202);
  },
);

jobRoutes.openapi(
  route({
    method: "get",
    path: "/{id}",
    roles: ["admin", "finance", "manager", "crew"],
    summary: "A job's status, progress and result",
    description: "The caller's own jobs (the ones their requests queued); admins see any.",
    request: { params: IdParam },
    responses: {
      200: jsonResponse(Job, "The job"),
      404: jsonResponse(ErrorBody, "No such job (or not yours)"),
    },
  }),
  async (c) => c.json(await handle(c, "job", (me) => getJob(me, c.req.valid("param").id)), 200),
);

const operation = (op: JobOperation, summary: string) => {
  jobRoutes.openapi(
    route({
      method: "post",
      path: `/{id}/${op}`,
      roles: ["admin"],
      summary,
      description: `Only from state ${operationNeeds[op]}.`,
      request: { params: IdParam },
      responses: {
        200: jsonResponse(Job, "The job afterwards"),
        404: jsonResponse(ErrorBody, "No such job"),
        409: jsonResponse(ErrorBody, "Not in a state this applies to (invalid_transition)"),
      },
    }),
    async (c) => c.json(await handle(c, op, () => operate(c.req.valid("param").id, op)), 200),
  );
};
operation("retry", "Retry a dead letter (attempts start again)");
operation("discard", "Discard a dead letter (archived as discarded)");
operation("cancel", "Cancel a waiting job");
