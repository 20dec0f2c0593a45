/**
 * Routes of the candidates function. Handlers only parse, call the service and shape the reply;
 * the rules live in shared/services/candidates/.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import {
  type AppEnv,
  handle,
  issuesToDetails,
  jsonBody,
  jsonResponse,
  route,
} from "../../../shared/http/index.ts";
import { IdParam } from "../../../shared/schemas.ts";
import {
  createCandidate,
  getCandidate,
  getEarnings,
  getOwnCandidate,
  importCandidates,
  type ImportRow,
  listAssignments,
  putBankDetails,
  searchCandidates,
  updateCandidate,
} from "../../../shared/services/candidates/index.ts";
import {
  AssignmentPage,
  Bank,
  BankDetails,
  Candidate,
  CandidateCreate,
  CandidatePage,
  CandidatePatch,
  Earnings,
  ImportBody,
  ImportResult,
  LookupBody,
  PagedQuery,
  SearchQuery,
} from "../schemas.ts";

export const candidatesRoutes = new OpenAPIHono<AppEnv>();

candidatesRoutes.openapi(
  route({
    method: "get",
    path: "/",
    summary: "Search candidates (IC numbers masked)",
    // Keyset paging through the list is an index walk; a search (name, IC, skills) is not.
    rateLimit: (c) => {
      const q = new URL(c.req.url).searchParams;
      return q.has("q") || q.has("ic") || q.has("skills") ? "expensive" : false;
    },
    roles: ["admin", "manager", "finance"],
    request: { query: SearchQuery },
    responses: { 200: jsonResponse(CandidatePage, "A page of candidates") },
  }),
  async (c) => {
    const { cursor, ...filters } = c.req.valid("query");
    return c.json(await handle(c, "service", (me) => searchCandidates(me, filters, cursor)), 200);
  },
);

candidatesRoutes.openapi(
  route({
    method: "post",
    path: "/lookup",
    summary: "Find a candidate by IC number, sent in the body (IC numbers masked)",
    description: "The same as `GET /candidates?ic=`, without the IC number in the URL, where " +
      "platforms, proxies and browsers log it. Prefer this one.",
    rateLimit: "expensive",
    roles: ["admin", "manager", "finance"],
    request: { body: jsonBody(LookupBody) },
    responses: { 200: jsonResponse(CandidatePage, "The matching candidate, if any") },
  }),
  async (c) => {
    const { ic_number } = c.req.valid("json");
    return c.json(
      await handle(c, "service", (me) => searchCandidates(me, { ic: ic_number, limit: 1 })),
      200,
    );
  },
);

candidatesRoutes.openapi(
  route({
    method: "get",
    path: "/me",
    summary: "The caller's own candidate record",
    roles: ["admin", "manager", "finance", "crew"],
    responses: { 200: jsonResponse(Candidate, "The candidate linked to this login") },
  }),
  async (c) => c.json(await handle(c, "service", (me) => getOwnCandidate(me)), 200),
);

candidatesRoutes.openapi(
  route({
    method: "post",
    path: "/import",
    rateLimit: "expensive",
    summary: "Bulk upsert by IC number: all rows or nothing",
    description: "Any invalid row fails the whole import with 422 and per-row errors.",
    roles: ["admin", "manager"],
    request: { body: jsonBody(ImportBody) },
    responses: { 200: jsonResponse(ImportResult, "Rows inserted and updated") },
  }),
  async (c) => {
    // Row by row, so one bad row is reported with its index instead of failing the body.
    const rows = c.req.valid("json").rows.map((raw): ImportRow => {
      const parsed = CandidateCreate.safeParse(raw);
      return parsed.success
        ? { ok: true, row: parsed.data }
        : { ok: false, problems: issuesToDetails(parsed.error) };
    });
    return c.json(await handle(c, "db", (me) => importCandidates(me, rows)), 200);
  },
);

candidatesRoutes.openapi(
  route({
    method: "post",
    path: "/",
    summary: "Create a candidate",
    roles: ["admin", "manager"],
    request: { body: jsonBody(CandidateCreate) },
    responses: { 201: jsonResponse(Candidate, "Created") },
  }),
  async (c) => c.json(await handle(c, "db", (me) => createCandidate(me, c.req.valid("json"))), 201),
);

candidatesRoutes.openapi(
  route({
    method: "get",
    path: "/{id}",
    summary: "One candidate (full IC for staff and the candidate; bank for admin/finance/self)",
    roles: ["admin", "manager", "finance", "crew"],
    replay: true,
    request: { params: IdParam },
    responses: { 200: jsonResponse(Candidate, "The candidate") },
  }),
  async (c) =>
    c.json(await handle(c, "service", (me) => getCandidate(me, c.req.valid("param").id)), 200),
);

candidatesRoutes.openapi(
  route({
    method: "patch",
    path: "/{id}",
    summary: "Update a candidate",
    description: "IC number and login link: admin only. Crew: own phone, email, skills.",
    roles: ["admin", "manager", "crew"],
    request: { params: IdParam, body: jsonBody(CandidatePatch) },
    responses: { 200: jsonResponse(Candidate, "Updated") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await handle(c, "db", (me) => updateCandidate(me, id, c.req.valid("json"))), 200);
  },
);

candidatesRoutes.openapi(
  route({
    method: "put",
    path: "/{id}/bank",
    summary: "Set bank details",
    roles: ["admin", "finance", "crew"],
    request: { params: IdParam, body: jsonBody(BankDetails) },
    responses: { 200: jsonResponse(Bank, "Saved") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await handle(c, "db", (me) => putBankDetails(me, id, c.req.valid("json"))), 200);
  },
);

candidatesRoutes.openapi(
  route({
    method: "get",
    path: "/{id}/assignments",
    summary: "A candidate's assignments with project title and dates",
    roles: ["admin", "manager", "finance", "crew"],
    request: { params: IdParam, query: PagedQuery },
    responses: { 200: jsonResponse(AssignmentPage, "A page of assignments") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    return c.json(
      await handle(c, "service", (me) => listAssignments(me, id, limit, cursor)),
      200,
    );
  },
);

candidatesRoutes.openapi(
  route({
    method: "get",
    path: "/{id}/earnings",
    summary: "Earnings totals plus the live open amount",
    roles: ["admin", "finance", "crew"],
    request: { params: IdParam },
    responses: { 200: jsonResponse(Earnings, "Earnings") },
  }),
  async (c) =>
    c.json(await handle(c, "service", (me) => getEarnings(me, c.req.valid("param").id)), 200),
);
