/**
 * Routes of the claims function. Handlers parse, call the service and shape the reply; the rules
 * live in shared/services/claims*.ts.
 *
 * Who decides: finance and admin approve, reject and pay. Managers read their projects' claims
 * but do not decide them (the RLS policy gives them no write on expense_claims): the people who
 * run an event should not sign off their own crew's spending.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type AppEnv, cachedRead, jsonBody, jsonResponse, route } from "../../shared/http.ts";
import { IdParam } from "../../shared/schemas.ts";
import { type Caller, toCaller } from "../../shared/services/candidates-access.ts";
import { claimsSummary, getClaim, listClaims } from "../../shared/services/claims.ts";
import {
  createClaim,
  editClaim,
  transitionClaim,
  TRANSITIONS,
} from "../../shared/services/claims-write.ts";
import {
  Claim,
  ClaimCreate,
  ClaimEdit,
  ClaimPage,
  ListQuery,
  RejectBody,
  Summary,
  SummaryQuery,
} from "./schemas.ts";

const caller = (c: Context<AppEnv>): Caller => toCaller(c.get("user"));

export const claimsRoutes = new OpenAPIHono<AppEnv>();

claimsRoutes.openapi(
  route({
    method: "get",
    path: "/",
    summary: "List claims the caller may see, newest first",
    roles: ["admin", "manager", "finance", "crew"],
    request: { query: ListQuery },
    responses: { 200: jsonResponse(ClaimPage, "A page of claims") },
  }),
  async (c) => {
    const { cursor, ...filters } = c.req.valid("query");
    return c.json(
      await cachedRead(c, "service", () => listClaims(caller(c), filters, cursor)) as never,
      200,
    );
  },
);

claimsRoutes.openapi(
  route({
    method: "get",
    path: "/summary",
    rateLimit: "expensive",
    summary: "Count and total per status, optionally for one project",
    roles: ["admin", "manager", "finance", "crew"],
    request: { query: SummaryQuery },
    responses: { 200: jsonResponse(Summary, "Totals by status") },
  }),
  async (c) => {
    return c.json(
      await cachedRead(
        c,
        "service",
        () => claimsSummary(caller(c), c.req.valid("query").project_id),
      ),
      200,
    );
  },
);

claimsRoutes.openapi(
  route({
    method: "post",
    path: "/",
    summary: "Create a draft claim",
    description: "Crew claim for themselves; admin and finance name the candidate.",
    roles: ["admin", "finance", "crew"],
    request: { body: jsonBody(ClaimCreate) },
    responses: { 201: jsonResponse(Claim, "Created (draft)") },
  }),
  async (c) => c.json(await createClaim(caller(c), c.req.valid("json")) as never, 201),
);

claimsRoutes.openapi(
  route({
    method: "get",
    path: "/{id}",
    summary: "One claim",
    roles: ["admin", "manager", "finance", "crew"],
    request: { params: IdParam },
    responses: { 200: jsonResponse(Claim, "The claim") },
  }),
  async (c) => {
    return c.json(
      await cachedRead(c, "service", () => getClaim(caller(c), c.req.valid("param").id)) as never,
      200,
    );
  },
);

claimsRoutes.openapi(
  route({
    method: "patch",
    path: "/{id}",
    summary: "Edit a draft claim (claimant or admin)",
    roles: ["admin", "crew"],
    request: { params: IdParam, body: jsonBody(ClaimEdit) },
    responses: {
      200: jsonResponse(Claim, "Edited"),
      409: jsonResponse(z.unknown(), "Not a draft any more"),
    },
  }),
  async (c) =>
    c.json(
      await editClaim(caller(c), c.req.valid("param").id, c.req.valid("json")) as never,
      200,
    ),
);

const moves = [
  { action: "submit", roles: ["admin", "crew"], summary: "Submit a draft (claimant or admin)" },
  { action: "approve", roles: ["admin", "finance"], summary: "Approve a submitted claim" },
  { action: "pay", roles: ["admin", "finance"], summary: "Mark an approved claim paid" },
] as const;

for (const move of moves) {
  claimsRoutes.openapi(
    route({
      method: "post",
      path: `/{id}/${move.action}`,
      summary: move.summary,
      description: `Moves ${TRANSITIONS[move.action].from} → ${TRANSITIONS[move.action].to}; ` +
        "409 invalid_transition from any other status.",
      roles: move.roles,
      request: { params: IdParam },
      responses: {
        200: jsonResponse(Claim, "Moved"),
        409: jsonResponse(z.unknown(), "Wrong status"),
      },
    }),
    async (c) =>
      c.json(
        await transitionClaim(caller(c), c.req.valid("param").id, move.action) as never,
        200,
      ),
  );
}

claimsRoutes.openapi(
  route({
    method: "post",
    path: "/{id}/reject",
    summary: "Reject a submitted claim with a reason",
    roles: ["admin", "finance"],
    request: { params: IdParam, body: jsonBody(RejectBody) },
    responses: {
      200: jsonResponse(Claim, "Rejected"),
      409: jsonResponse(z.unknown(), "Wrong status"),
    },
  }),
  async (c) =>
    c.json(
      await transitionClaim(
        caller(c),
        c.req.valid("param").id,
        "reject",
        c.req.valid("json").reason,
      ) as never,
      200,
    ),
);
