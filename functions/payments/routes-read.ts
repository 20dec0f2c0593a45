/**
 * Read routes of the payments function: list, one payment, monthly summary, stats.
 * Static paths are registered before `/{id}` so they are never taken for an id.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv, cachedRead, ErrorBody, jsonResponse, route } from "../../shared/http.ts";
import { IdParam } from "../../shared/schemas.ts";
import { getPayment, listPayments, monthlySummary } from "../../shared/services/payments.ts";
import { ListQuery, Payment, PaymentPage, Summary, SummaryQuery } from "./schemas.ts";

export const readRoutes = new OpenAPIHono<AppEnv>();

readRoutes.openapi(
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
  async (c) => {
    return c.json(
      await cachedRead(c, "payments", () => listPayments(c.get("user"), c.req.valid("query"))),
      200,
    );
  },
);

readRoutes.openapi(
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
    const q = c.req.valid("query");
    return c.json(
      await cachedRead(
        c,
        "summary",
        () => monthlySummary(c.get("user"), { from: q.from, to: q.to, live: q.live === "true" }),
      ),
      200,
    );
  },
);

readRoutes.openapi(
  route({
    method: "get",
    path: "/{id}",
    roles: ["admin", "finance", "manager", "crew"],
    summary: "One payment",
    request: { params: IdParam },
    responses: {
      200: jsonResponse(Payment, "The payment"),
      404: jsonResponse(ErrorBody, "Not found or not visible to the caller"),
    },
  }),
  async (c) => {
    return c.json(
      await cachedRead(c, "payment", () => getPayment(c.get("user"), c.req.valid("param").id)),
      200,
    );
  },
);
