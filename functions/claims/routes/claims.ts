/**
 * Routes of the claims function. Handlers parse, call the service and shape the reply; the rules
 * live in shared/services/claims/ and the status machine in the database.
 *
 * Who decides: finance and admin approve, reject and pay. Managers read their projects' claims
 * but do not decide them (the RLS policy gives them no write on expense_claims): the people who
 * run an event should not sign off their own crew's spending.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
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
  claimsSummary,
  createClaim,
  editClaim,
  getClaim,
  listClaims,
  transitionClaim,
} from "../../../shared/services/claims/index.ts";
import {
  Claim,
  ClaimCreate,
  ClaimEdit,
  ClaimPage,
  ListQuery,
  RejectBody,
  Summary,
  SummaryQuery,
} from "../schemas.ts";

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
    return c.json(await handle(c, "service", (me) => listClaims(me, filters, cursor)), 200);
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
    const { project_id } = c.req.valid("query");
    return c.json(await handle(c, "service", (me) => claimsSummary(me, project_id)), 200);
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
  async (c) => c.json(await handle(c, "db", (me) => createClaim(me, c.req.valid("json"))), 201),
);

claimsRoutes.openapi(
  route({
    method: "get",
    path: "/{id}",
    summary: "One claim",
    roles: ["admin", "manager", "finance", "crew"],
    replay: true,
    request: { params: IdParam },
    responses: { 200: jsonResponse(Claim, "The claim") },
  }),
  async (c) =>
    c.json(await handle(c, "service", (me) => getClaim(me, c.req.valid("param").id)), 200),
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
      409: jsonResponse(ErrorBody, "Not a draft any more"),
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await handle(c, "db", (me) => editClaim(me, id, c.req.valid("json"))), 200);
  },
);

// The moves the database's claims trigger allows; any other start status is 409.
const moves = [
  {
    action: "submit",
    roles: ["admin", "crew"],
    summary: "Submit a draft (claimant or admin)",
    description: "Moves draft → submitted; 409 invalid_transition from any other status.",
  },
  {
    action: "approve",
    roles: ["admin", "finance"],
    summary: "Approve a submitted claim",
    description: "Moves submitted → approved; 409 invalid_transition from any other status.",
  },
  {
    action: "pay",
    roles: ["admin", "finance"],
    summary: "Mark an approved claim paid",
    description: "Moves approved → paid; 409 invalid_transition from any other status.",
  },
] as const;

for (const move of moves) {
  claimsRoutes.openapi(
    route({
      method: "post",
      path: `/{id}/${move.action}`,
      summary: move.summary,
      description: move.description,
      roles: move.roles,
      request: { params: IdParam },
      responses: {
        200: jsonResponse(Claim, "Moved"),
        409: jsonResponse(ErrorBody, "Wrong status"),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(await handle(c, "db", (me) => transitionClaim(me, id, move.action)), 200);
    },
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
      409: jsonResponse(ErrorBody, "Wrong status"),
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { reason } = c.req.valid("json");
    return c.json(await handle(c, "db", (me) => transitionClaim(me, id, "reject", reason)), 200);
  },
);
