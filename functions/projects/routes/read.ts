/**
 * Read routes of the projects function. Static paths (`/dashboard`, `/stats`) are registered
 * before `/{id}` so they are never taken for an id.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { type AppEnv, cachedRead, jsonResponse, route, timed } from "../../../shared/http.ts";
import { IdParam } from "../../../shared/schemas.ts";
import { getProject, listProjects, toCaller } from "../../../shared/services/projects.ts";
import { getDashboard } from "../../../shared/services/projects_dashboard.ts";
import { DashboardQuery, ListQuery, ProjectDetail, ProjectPage } from "../schemas.ts";
import { etagOf } from "./openapi.ts";

export const readRoutes = new OpenAPIHono<AppEnv>();

readRoutes.openapi(
  route({
    method: "get",
    path: "/",
    roles: ["admin", "finance", "manager", "crew"],
    summary: "List projects",
    description: "Keyset paged. Admin and finance see every live project, managers their own, " +
      "crew the projects they are assigned to (without budget). `from`/`to` select projects " +
      "overlapping the range; `q` searches title, client and venue. Cached 30 s per scope.",
    request: { query: ListQuery },
    responses: { 200: jsonResponse(ProjectPage, "A page of projects") },
  }),
  async (c) => {
    return c.json(
      await cachedRead(
        c,
        "projects",
        () => listProjects(toCaller(c.get("user")), c.req.valid("query")),
      ),
      200,
    );
  },
);

readRoutes.openapi(
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
  async (c) => {
    return c.json(
      await cachedRead(
        c,
        "dashboard",
        () => getDashboard(toCaller(c.get("user")), c.req.valid("query")),
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
    summary: "One project with staff summary and live financials",
    description: "Another manager's project, or a project a crew member is not assigned to, is " +
      "404 (its existence is not revealed). Crew get `staff_summary` and `financials` as null " +
      "and no budget. `ETag` carries `updated_at` for `If-Match` on PATCH.",
    request: { params: IdParam },
    responses: { 200: jsonResponse(ProjectDetail, "The project") },
  }),
  async (c) => {
    const { value, source } = await timed(
      c.get("timings"),
      "project",
      () => getProject(toCaller(c.get("user")), c.req.valid("param").id),
    );
    c.header("x-cache", source);
    c.header("etag", etagOf(value.project.updated_at));
    return c.json(value, 200);
  },
);
