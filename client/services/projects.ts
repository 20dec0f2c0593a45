/**
 * The projects function: `projects.getById(id)` where components used to call
 * `supabase.from('projects').select('*').eq('id', id)`.
 */
import type { Operation, QueryOf, RouteBinder } from "../operations.ts";
import { paged, pagedBy } from "../paging.ts";
import type { components, paths } from "../types/projects.gen.ts";

type Schemas = components["schemas"];
type Op<P extends keyof paths, M extends "get" | "post" | "patch" | "delete"> = Operation<
  paths,
  P,
  M
>;

export type Project = Schemas["Project"];
export type ProjectDetail = Schemas["ProjectDetail"];
export type ProjectPage = Schemas["ProjectPage"];
export type ProjectCreate = Schemas["ProjectCreate"];
export type ProjectPatch = Schemas["ProjectPatch"];
export type ProjectBatch = Schemas["ProjectBatch"];
export type ProjectStaff = Schemas["ProjectStaff"];
export type ProjectStaffPage = Schemas["ProjectStaffPage"];
export type StaffAssign = Schemas["StaffAssign"];
export type StaffPatch = Schemas["StaffPatch"];
/** `status`, `from`, `to`, `q`, `manager_id`, `sort`, `order`, `limit`, `cursor`. */
export type ProjectFilters = QueryOf<Op<"/projects", "get">>;
export type ProjectStaffFilters = QueryOf<Op<"/projects/{id}/staff", "get">>;
export type DashboardRange = QueryOf<Op<"/projects/dashboard", "get">>;

/** The projects service over `route` (see client/index.ts). */
export function projectsService(route: RouteBinder<paths>) {
  const list = route("get", "/projects");
  const create = route("post", "/projects");
  const dashboard = route("get", "/projects/dashboard");
  const get = route("get", "/projects/{id}");
  const update = route("patch", "/projects/{id}");
  const remove = route("delete", "/projects/{id}");
  const batch = route("post", "/projects/batch");
  const staffList = route("get", "/projects/{id}/staff");
  const assign = route("post", "/projects/{id}/staff");
  const staffUpdate = route("patch", "/projects/{id}/staff/{staffId}");
  const staffRemove = route("delete", "/projects/{id}/staff/{staffId}");
  return {
    /** Projects the caller may see: `list` (a page), `pages()`, `listAll()`. */
    ...paged((filters: ProjectFilters | undefined, cursor) =>
      list({ query: { ...filters, cursor } }).then((r) => r.data)
    ),
    /** Creates a project (admin, manager). */
    create: (body: ProjectCreate) => create({ body }).then((r) => r.data),
    /** Totals for the dashboard, optionally for a date range. */
    dashboard: (range?: DashboardRange) => dashboard({ query: range }).then((r) => r.data),
    /** One project with its staff summary and live financials. */
    getById: (id: string) => get({ path: { id } }).then((r) => r.data),
    /**
     * Updates a project. `ifMatch` (the `updated_at` last read) makes a concurrent edit fail
     * with 409 `version_conflict` instead of being overwritten.
     */
    update: (id: string, patch: ProjectPatch, options: { ifMatch?: string } = {}) =>
      update({ path: { id }, body: patch, header: { "if-match": options.ifMatch } })
        .then((r) => r.data),
    /** Soft-deletes a project. */
    delete: (id: string) => remove({ path: { id } }).then(() => undefined),
    /** Creates and updates up to 500 projects, all or nothing. */
    batch: (body: ProjectBatch) => batch({ body }).then((r) => r.data),
    /** A project's staff. */
    staff: {
      ...pagedBy((id, filters: ProjectStaffFilters | undefined, cursor) =>
        staffList({ path: { id }, query: { ...filters, cursor } }).then((r) => r.data)
      ),
      /** Assigns up to 500 candidates; already assigned ones come back in `skipped`. */
      assign: (id: string, body: StaffAssign) => assign({ path: { id }, body }).then((r) => r.data),
      /** Changes one assignment. */
      update: (id: string, staffId: string, patch: StaffPatch) =>
        staffUpdate({ path: { id, staffId }, body: patch }).then((r) => r.data),
      /** Removes one assignment. */
      remove: (id: string, staffId: string) =>
        staffRemove({ path: { id, staffId } }).then(() => undefined),
    },
  };
}

/** What `crew.projects` offers. */
export type ProjectsService = ReturnType<typeof projectsService>;
