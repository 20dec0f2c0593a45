/**
 * Staff routes of the projects function: `/{id}/staff` list and assign, `/{id}/staff/{staffId}`
 * change and remove. Admin, and managers on their own projects; finance may list.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { type AppEnv, handle, jsonBody, jsonResponse, route } from "../../../shared/http/index.ts";
import { IdParam } from "../../../shared/schemas.ts";
import {
  assignStaff,
  listStaff,
  removeStaff,
  updateStaff,
} from "../../../shared/services/staff/index.ts";
import {
  Staff,
  StaffAssign,
  StaffIdParams,
  StaffListQuery,
  StaffPage,
  StaffPatch,
} from "../schemas.ts";

export const staffRoutes = new OpenAPIHono<AppEnv>();

staffRoutes.openapi(
  route({
    method: "get",
    path: "/{id}/staff",
    roles: ["admin", "finance", "manager"],
    summary: "List a project's staff",
    description: "Keyset paged by candidate id; IC numbers masked. Not cached: assignments " +
      "change often and the page is one index range read.",
    request: { params: IdParam, query: StaffListQuery },
    responses: { 200: jsonResponse(StaffPage, "A page of assignments") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await handle(c, "db", (me) => listStaff(me, id, c.req.valid("query"))), 200);
  },
);

staffRoutes.openapi(
  route({
    method: "post",
    path: "/{id}/staff",
    roles: ["admin", "manager"],
    summary: "Assign up to 500 candidates",
    description: "One transaction. `on_conflict: error` (default): 409 naming candidates " +
      "already assigned, nothing written. `skip`: they are left as they are and listed in " +
      "`skipped`. Unknown or blacklisted candidates and dates outside the project are 422.",
    request: { params: IdParam, body: jsonBody(StaffAssign) },
    responses: {
      201: jsonResponse(
        z.object({ created: z.array(Staff), skipped: z.array(z.string()) }),
        "Assigned",
      ),
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { candidates, on_conflict } = c.req.valid("json");
    const result = await handle(c, "db", (me) => assignStaff(me, id, candidates, on_conflict));
    return c.json(result, 201);
  },
);

staffRoutes.openapi(
  route({
    method: "patch",
    path: "/{id}/staff/{staffId}",
    roles: ["admin", "manager"],
    summary: "Change one assignment",
    description: "Status moves invited → confirmed → completed, or → cancelled (else 409 " +
      "invalid_transition); dates must lie within the project's (else 422).",
    request: { params: StaffIdParams, body: jsonBody(StaffPatch) },
    responses: { 200: jsonResponse(Staff, "Updated") },
  }),
  async (c) => {
    const { id, staffId } = c.req.valid("param");
    const staff = await handle(c, "db", (me) => updateStaff(me, id, staffId, c.req.valid("json")));
    return c.json(staff, 200);
  },
);

staffRoutes.openapi(
  route({
    method: "delete",
    path: "/{id}/staff/{staffId}",
    roles: ["admin", "manager"],
    summary: "Remove one assignment",
    description: "A completed assignment is payroll history and cannot be removed (409).",
    request: { params: StaffIdParams },
    responses: { 204: { description: "Removed" } },
  }),
  async (c) => {
    const { id, staffId } = c.req.valid("param");
    await handle(c, "db", (me) => removeStaff(me, id, staffId));
    return c.body(null, 204);
  },
);
