/**
 * Write routes of the projects function: create, batch, update (optimistic concurrency through
 * `If-Match`), soft delete. Admin, and managers on their own projects.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { type AppEnv, jsonBody, jsonResponse, route, timed } from "../../../shared/http.ts";
import { validationFailed } from "../../../shared/errors.ts";
import { IdParam } from "../../../shared/schemas.ts";
import {
  createProject,
  deleteProject,
  toCaller,
  updateProject,
} from "../../../shared/services/projects.ts";
import { batchProjects } from "../../../shared/services/projects_batch.ts";
import { BatchBody, Project, ProjectCreate, ProjectPatch } from "../schemas.ts";
import { etagOf, ifMatchValue } from "./openapi.ts";

export const writeRoutes = new OpenAPIHono<AppEnv>();

writeRoutes.openapi(
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
    const project = await timed(
      c.get("timings"),
      "db",
      () => createProject(toCaller(c.get("user")), c.req.valid("json")),
    );
    c.header("etag", etagOf(project.updated_at));
    return c.json(project, 201);
  },
);

writeRoutes.openapi(
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
  async (c) => {
    const result = await timed(
      c.get("timings"),
      "db",
      () => batchProjects(toCaller(c.get("user")), c.req.valid("json").items),
    );
    return c.json(result, 200);
  },
);

const IfMatchHeader = z.object({
  "if-match": z.string().max(100).optional().openapi({
    description: "The `updated_at` (ETag) last read; a mismatch is 409 version_conflict",
  }),
});

writeRoutes.openapi(
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
    const project = await timed(
      c.get("timings"),
      "db",
      () =>
        updateProject(
          toCaller(c.get("user")),
          c.req.valid("param").id,
          c.req.valid("json"),
          ifMatch,
        ),
    );
    c.header("etag", etagOf(project.updated_at));
    return c.json(project, 200);
  },
);

writeRoutes.openapi(
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
    await timed(
      c.get("timings"),
      "db",
      () => deleteProject(toCaller(c.get("user")), c.req.valid("param").id),
    );
    return c.body(null, 204);
  },
);
