/**
 * `/`, `/dashboard` and `/{id}`: list, dashboard totals, read, create, batch, update (optimistic
 * concurrency through `If-Match`) and soft-delete. Writes: admin, and managers on their own.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { validationFailed } from "../../../shared/errors.ts";
import {
  type AppEnv,
  etagOf,
  handle,
  ifMatchValue,
  jsonBody,
  jsonResponse,
  route,
} from "../../../shared/http/index.ts";
import { IdParam } from "../../../shared/schemas.ts";
import {
  batchProjects,
  createProject,
  deleteProject,
  getDashboard,
  getProject,
  listProjects,
  updateProject,
} from "../../../shared/services/projects/index.ts";
import {
  BatchBody,
  DashboardQuery,
  ListQuery,
  Project,
  ProjectCreate,
  ProjectDetail,
  ProjectPage,
  ProjectPatch,
} from "../schemas.ts";

export const projectRoutes = new OpenAPIHono<AppEnv>();

projectRoutes.openapi(
  route({
    method: "get",
    path: "/",
    roles: ["admin", "finance", "manager", "crew"],
    replay: true,
    summary: "List projects",
    description: "Keyset paged. Admin and finance see every live project, managers their own, " +
      "crew the projects they are assigned to (without budget). `from`/`to` select projects " +
      "overlapping the range; `q` searches title, client and venue. Cached 30 s per scope.",
    request: { query: ListQuery },
    responses: { 200: jsonResponse(ProjectPage, "A page of projects") },
  }),
  async (c) =>
    c.json(await handle(c, "projects", (me) => listProjects(me, c.req.valid("query"))), 200),
);

// Before `/{id}`, so `/dashboard` is never taken for an id.
projectRoutes.openapi(
  route({
    method: "get",
    path: "/dashboard",
    rateLimit: "expensive",
    roles: ["admin", "finance", "manager"],
    summary: "Dashboard totals",
    description: "From the materialized views (refreshed every 5 minutes), cached 60 s: totals " +
      "over the caller's projects and, for admin and finance, monthly payment totals " +
      "(default range: the last 12 months).",
    request: { query: DashboardQuery },
    responses: { 200: jsonResponse(z.object({}).passthrough(), "Dashboard") },
  }),
  async (c) =>
    c.json(await handle(c, "dashboard", (me) => getDashboard(me, c.req.valid("query"))), 200),
);

projectRoutes.openapi(
  route({
    method: "get",
    path: "/{id}",
    roles: ["admin", "finance", "manager", "crew"],
    replay: true,
    summary: "One project with staff summary and live financials",
    description: "Another manager's project, or a project a crew member is not assigned to, is " +
      "404 (its existence is not revealed). Crew get `staff_summary` and `financials` as null " +
      "and no budget. `ETag` carries `updated_at` for `If-Match` on PATCH.",
    request: { params: IdParam },
    responses: { 200: jsonResponse(ProjectDetail, "The project") },
  }),
  async (c) => {
    const detail = await handle(c, "project", (me) => getProject(me, c.req.valid("param").id));
    c.header("etag", etagOf(detail.project.updated_at));
    return c.json(detail, 200);
  },
);

projectRoutes.openapi(
  route({
    method: "post",
    path: "/",
    roles: ["admin", "manager"],
    summary: "Create a project",
    description: "A manager becomes the manager of what they create (naming anyone else is 403).",
    request: { body: jsonBody(ProjectCreate) },
    responses: { 201: jsonResponse(Project, "Created") },
  }),
  async (c) => {
    const project = await handle(c, "db", (me) => createProject(me, c.req.valid("json")));
    c.header("etag", etagOf(project.updated_at));
    return c.json(project, 201);
  },
);

projectRoutes.openapi(
  route({
    method: "post",
    path: "/batch",
    rateLimit: "expensive",
    roles: ["admin", "manager"],
    summary: "Create and update up to 500 projects, all or nothing",
    description: "One transaction. Every broken rule is reported in `details` as " +
      "`items.<index>.<field>`; nothing is written unless every item passes.",
    request: { body: jsonBody(BatchBody) },
    responses: {
      200: jsonResponse(
        z.object({
          results: z.array(z.object({ index: z.number(), op: z.string(), project: Project })),
        }),
        "Applied",
      ),
    },
  }),
  async (c) =>
    c.json(await handle(c, "db", (me) => batchProjects(me, c.req.valid("json").items)), 200),
);

const IfMatchHeader = z.object({
  "if-match": z.string().max(100).optional().openapi({
    description: "The `updated_at` (ETag) last read; a mismatch is 409 version_conflict",
  }),
});

projectRoutes.openapi(
  route({
    method: "patch",
    path: "/{id}",
    roles: ["admin", "manager"],
    summary: "Update a project",
    description: "Partial update. Status moves forward only (planning → active → completed, " +
      "or → cancelled): otherwise 409 invalid_transition. Only admin may change manager_id.",
    request: { params: IdParam, headers: IfMatchHeader, body: jsonBody(ProjectPatch) },
    responses: { 200: jsonResponse(Project, "Updated") },
  }),
  async (c) => {
    const ifMatch = ifMatchValue(c.req.valid("header")["if-match"]);
    if (ifMatch !== undefined && Number.isNaN(Date.parse(ifMatch))) {
      throw validationFailed({ "if-match": "Use the ETag (updated_at) returned by GET" });
    }
    const { id } = c.req.valid("param");
    const project = await handle(
      c,
      "db",
      (me) => updateProject(me, id, c.req.valid("json"), ifMatch),
    );
    c.header("etag", etagOf(project.updated_at));
    return c.json(project, 200);
  },
);

projectRoutes.openapi(
  route({
    method: "delete",
    path: "/{id}",
    roles: ["admin", "manager"],
    summary: "Soft-delete a project",
    description: "Sets deleted_at; the project is then gone from list and get (404). Payments " +
      "and claims keep referring to it.",
    request: { params: IdParam },
    responses: { 204: { description: "Deleted" } },
  }),
  async (c) => {
    await handle(c, "db", (me) => deleteProject(me, c.req.valid("param").id));
    return c.body(null, 204);
  },
);
