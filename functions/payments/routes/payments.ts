/**
 * The payments function's routes: create (Idempotency-Key required), payroll, bulk approval, the
 * single status moves, list, monthly summary and one payment. Only admin and finance write
 * payments (RLS agrees); managers read their projects' payments and crew their own. Static paths
 * (`/payroll`, `/approve`, `/summary`) are registered before `/{id}` so they are never an id.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  type AppEnv,
  ErrorBody,
  handle,
  jsonBody,
  jsonResponse,
  route,
} from "../../../shared/http/index.ts";
import { IdParam } from "../../../shared/schemas.ts";
import {
  approveMany,
  changeStatus,
  createPayment,
  getPayment,
  listPayments,
  monthlySummary,
  type PaymentAction,
  requestPayroll,
} from "../../../shared/services/payments/index.ts";
import { accepted } from "./exports.ts";
import {
  ApproveManyBody,
  ApproveManyResult,
  FailBody,
  IdempotencyHeaders,
  JobAccepted,
  ListQuery,
  PayBody,
  Payment,
  PaymentCreate,
  PaymentPage,
  PayrollBody,
  PayrollResult,
  Summary,
  SummaryQuery,
} from "../schemas.ts";

const WRITERS = ["admin", "finance"] as const;
const refusals = {
  404: jsonResponse(ErrorBody, "No such payment (or not visible)"),
  409: jsonResponse(ErrorBody, "The state machine forbids this move (invalid_transition)"),
};

export const paymentRoutes = new OpenAPIHono<AppEnv>();

paymentRoutes.openapi(
  route({
    method: "post",
    path: "/",
    roles: WRITERS,
    summary: "Create a payment (idempotent)",
    description: "Requires `Idempotency-Key`. A retry with the same key and body returns the " +
      "first response (same status and body) and creates nothing; the same key with another " +
      "body is 422 idempotency_key_reused. Replays carry `idempotent-replayed: true`.",
    request: { headers: IdempotencyHeaders, body: jsonBody(PaymentCreate) },
    responses: {
      201: jsonResponse(Payment, "Created (or the replay of the creation)"),
      422: jsonResponse(ErrorBody, "Unknown project/candidate, or key reused with another body"),
    },
  }),
  async (c) => {
    const key = c.req.valid("header")["idempotency-key"];
    const result = await handle(c, "create", (me) => createPayment(me, key, c.req.valid("json")));
    if (result.replayed) c.header("idempotent-replayed", "true");
    return c.json(result.body, 201);
  },
);

paymentRoutes.openapi(
  route({
    method: "post",
    path: "/payroll",
    rateLimit: "expensive",
    roles: WRITERS,
    summary: "Run payroll for a project and period",
    description: "One pending payment per confirmed or completed assignment overlapping the " +
      "period: working days (Mon–Fri) of the overlap × daily_rate; zero amounts skipped. " +
      "Idempotent per (project, candidate, period): a rerun creates nothing and returns the " +
      "same payment ids. With `async: true`, or when the project has more payable assignments " +
      "than PAYROLL_ASYNC_THRESHOLD, it answers 202 with a job to follow at `status_url` " +
      "(the job's result has the counts); asking again with the same values while it is " +
      "queued or running joins that job (any caller answered with it may follow it), other " +
      "values for the same project and period are a 409 naming the live job. A period that " +
      "overlaps one already paid (for any of the candidates) is a 409 naming the paid ranges: " +
      "no day is paid twice.",
    request: { body: jsonBody(PayrollBody) },
    responses: {
      200: jsonResponse(PayrollResult, "Created and existing payments"),
      202: jsonResponse(JobAccepted, "Queued as a job"),
      404: jsonResponse(ErrorBody, "No such project"),
      409: jsonResponse(
        ErrorBody,
        "Days of the period are already paid, or a run of this project and period is live with " +
          "other values",
      ),
    },
  }),
  async (c) => {
    const { async, ...input } = c.req.valid("json");
    const outcome = await handle(c, "payroll", (me) => requestPayroll(me, input, async));
    if (outcome.kind === "done") return c.json(outcome.result, 200);
    return c.json(accepted(outcome.jobId), 202);
  },
);

paymentRoutes.openapi(
  route({
    method: "post",
    path: "/approve",
    rateLimit: "expensive",
    roles: WRITERS,
    summary: "Approve many pending payments in one statement",
    request: { body: jsonBody(ApproveManyBody) },
    responses: { 200: jsonResponse(ApproveManyResult, "Approved ids and per-id errors") },
  }),
  async (c) =>
    c.json(await handle(c, "approve", (me) => approveMany(me, c.req.valid("json").ids)), 200),
);

/** One status move: `POST /{id}/<action>`, timed under the action's name. */
const move = <R extends object>(path: string, summary: string, request: R) =>
  route({
    method: "post",
    path,
    roles: WRITERS,
    summary,
    request: { params: IdParam, ...request },
    responses: { 200: jsonResponse(Payment, "The payment after the move"), ...refusals },
  });

paymentRoutes.openapi(move("/{id}/approve", "Approve a pending payment", {}), async (c) => {
  const { id } = c.req.valid("param");
  return c.json(await moved(c, id, { action: "approve" }), 200);
});

paymentRoutes.openapi(
  move("/{id}/cancel", "Cancel a pending or approved payment (not one in a bank file)", {}),
  async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await moved(c, id, { action: "cancel" }), 200);
  },
);

paymentRoutes.openapi(
  move("/{id}/pay", "Mark an approved payment paid", { body: jsonBody(PayBody) }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { reference } = c.req.valid("json");
    return c.json(await moved(c, id, { action: "pay", reference }), 200);
  },
);

paymentRoutes.openapi(
  move("/{id}/fail", "Mark an approved payment failed", { body: jsonBody(FailBody) }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { reason } = c.req.valid("json");
    return c.json(await moved(c, id, { action: "fail", reason }), 200);
  },
);

function moved(c: Context<AppEnv>, id: string, change: PaymentAction) {
  return handle(c, change.action, (me) => changeStatus(me, id, change));
}

paymentRoutes.openapi(
  route({
    method: "get",
    path: "/",
    roles: ["admin", "finance", "manager", "crew"],
    summary: "List payments",
    description: "Keyset paged by payment_date desc, id. The date window is always bounded " +
      "(default: the last 12 months up to 92 days ahead). Managers see their projects' " +
      "payments, crew their own.",
    request: { query: ListQuery },
    responses: { 200: jsonResponse(PaymentPage, "A page of payments") },
  }),
  async (c) =>
    c.json(await handle(c, "payments", (me) => listPayments(me, c.req.valid("query"))), 200),
);

paymentRoutes.openapi(
  route({
    method: "get",
    path: "/summary",
    rateLimit: "expensive",
    roles: ["admin", "finance"],
    summary: "Monthly payment totals per status",
    description: "From the materialized view (refreshed every 5 minutes); `live=true` computes " +
      "the same numbers from the payments table. Totals are per month, so the answer covers " +
      "whole months and says so: `from` is the first day of the first month, `to` the last day " +
      "of the last.",
    request: { query: SummaryQuery },
    responses: { 200: jsonResponse(Summary, "Monthly totals") },
  }),
  async (c) => {
    const { from, to, live } = c.req.valid("query");
    const range = { from, to, live: live === "true" };
    return c.json(await handle(c, "summary", (me) => monthlySummary(me, range)), 200);
  },
);

paymentRoutes.openapi(
  route({
    method: "get",
    path: "/{id}",
    roles: ["admin", "finance", "manager", "crew"],
    replay: true,
    summary: "One payment",
    request: { params: IdParam },
    responses: {
      200: jsonResponse(Payment, "The payment"),
      404: jsonResponse(ErrorBody, "Not found or not visible to the caller"),
    },
  }),
  async (c) =>
    c.json(await handle(c, "payment", (me) => getPayment(me, c.req.valid("param").id)), 200),
);
