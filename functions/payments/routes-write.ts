/**
 * Write routes of the payments function: create (Idempotency-Key required), payroll, bulk
 * approval and the single status moves. Only admin and finance write payments (RLS agrees);
 * managers read their projects' payments and crew their own.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv, ErrorBody, jsonBody, jsonResponse, route, timed } from "../../shared/http.ts";
import { IdParam } from "../../shared/schemas.ts";
import { runPayroll } from "../../shared/services/payments-payroll.ts";
import { approveMany, changeStatus, createPayment } from "../../shared/services/payments-write.ts";
import {
  ApproveManyBody,
  ApproveManyResult,
  FailBody,
  IdempotencyHeaders,
  PayBody,
  Payment,
  PaymentCreate,
  PayrollBody,
  PayrollResult,
} from "./schemas.ts";

const WRITERS = ["admin", "finance"] as const;
const refusals = {
  404: jsonResponse(ErrorBody, "No such payment (or not visible)"),
  409: jsonResponse(ErrorBody, "The state machine forbids this move (invalid_transition)"),
};

export const writeRoutes = new OpenAPIHono<AppEnv>();

writeRoutes.openapi(
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
    const result = await timed(
      c.get("timings"),
      "create",
      () => createPayment(c.get("user"), key, c.req.valid("json")),
    );
    if (result.replayed) c.header("idempotent-replayed", "true");
    return c.json(result.body, 201);
  },
);

writeRoutes.openapi(
  route({
    method: "post",
    path: "/payroll",
    rateLimit: "expensive",
    roles: WRITERS,
    summary: "Run payroll for a project and period",
    description: "One pending payment per confirmed or completed assignment overlapping the " +
      "period: working days (Mon–Fri) of the overlap × daily_rate; zero amounts skipped. " +
      "Idempotent per (project, candidate, period): a rerun creates nothing and returns the " +
      "same payment ids.",
    request: { body: jsonBody(PayrollBody) },
    responses: {
      200: jsonResponse(PayrollResult, "Created and existing payments"),
      404: jsonResponse(ErrorBody, "No such project"),
    },
  }),
  async (c) => {
    const result = await timed(
      c.get("timings"),
      "payroll",
      () => runPayroll(c.get("user"), c.req.valid("json")),
    );
    return c.json(result, 200);
  },
);

writeRoutes.openapi(
  route({
    method: "post",
    path: "/approve",
    rateLimit: "expensive",
    roles: WRITERS,
    summary: "Approve many pending payments in one statement",
    request: { body: jsonBody(ApproveManyBody) },
    responses: { 200: jsonResponse(ApproveManyResult, "Approved ids and per-id errors") },
  }),
  async (c) => {
    const result = await timed(
      c.get("timings"),
      "approve",
      () => approveMany(c.get("user"), c.req.valid("json").ids),
    );
    return c.json(result, 200);
  },
);

const move = <R extends object>(path: string, summary: string, request: R) =>
  route({
    method: "post",
    path,
    roles: WRITERS,
    summary,
    request: { params: IdParam, ...request },
    responses: { 200: jsonResponse(Payment, "The payment after the move"), ...refusals },
  });

writeRoutes.openapi(move("/{id}/approve", "Approve a pending payment", {}), async (c) => {
  const id = c.req.valid("param").id;
  const payment = await timed(
    c.get("timings"),
    "approve",
    () => changeStatus(c.get("user"), id, { action: "approve" }),
  );
  return c.json(payment, 200);
});

writeRoutes.openapi(
  move("/{id}/cancel", "Cancel a pending or approved payment", {}),
  async (c) => {
    const id = c.req.valid("param").id;
    const payment = await timed(
      c.get("timings"),
      "cancel",
      () => changeStatus(c.get("user"), id, { action: "cancel" }),
    );
    return c.json(payment, 200);
  },
);

writeRoutes.openapi(
  move("/{id}/pay", "Mark an approved payment paid", { body: jsonBody(PayBody) }),
  async (c) => {
    const id = c.req.valid("param").id;
    const { reference } = c.req.valid("json");
    const payment = await timed(
      c.get("timings"),
      "pay",
      () => changeStatus(c.get("user"), id, { action: "pay", reference }),
    );
    return c.json(payment, 200);
  },
);

writeRoutes.openapi(
  move("/{id}/fail", "Mark an approved payment failed", { body: jsonBody(FailBody) }),
  async (c) => {
    const id = c.req.valid("param").id;
    const { reason } = c.req.valid("json");
    const payment = await timed(
      c.get("timings"),
      "fail",
      () => changeStatus(c.get("user"), id, { action: "fail", reason }),
    );
    return c.json(payment, 200);
  },
);
