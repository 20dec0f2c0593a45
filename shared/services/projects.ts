/**
 * Projects: list, read, create, update, soft delete. Every statement runs as the caller
 * (`asUser`), so RLS decides too; the checks here mirror it where a shared cache entry is handed
 * out, because RLS cannot see a cache hit.
 */
import { asUser } from "../db.ts";
import { type Caller, loaderScope } from "../caller.ts";
import { cache, type CacheSource } from "../cache.ts";

export type { CacheSource };
import { AppError, notFound } from "../errors.ts";
import { decodeCursor, pageOf } from "../cursor.ts";
import { invalidating } from "../outbox.ts";
import {
  crewProjectKey,
  LIST_TAG,
  LIST_TTL,
  listKey,
  PROJECT_TTL,
  projectChanges,
  projectKey,
  projectTag,
} from "./projects_cache.ts";
import {
  type ListFilters,
  listProjectsQuery,
  lockProjectsQuery,
  projectDetailQuery,
  projectListing,
  projectSummaryQuery,
  softDeleteProjectQuery,
  updateProjectsQuery,
} from "./projects_sql.ts";
import {
  mergeProjectPatch,
  newProjectRow,
  type Problem,
  type ProjectInput,
  type ProjectView,
  toProjectView,
} from "./projects_rules.ts";
import { insertProjectsQuery } from "./projects_sql.ts";

/** A signed-in caller with an app role (routes guarantee it through `route({ roles })`). */
export { type Caller, toCaller } from "../caller.ts";

export interface StaffSummary {
  invited: number;
  confirmed: number;
  cancelled: number;
  completed: number;
  total_daily_rate: string;
}

export interface Financials {
  payments_paid: string;
  payments_pending: string;
  payments_count: number;
  claims_approved: string;
  claims_paid: string;
}

/** GET /projects/{id}: crew receive `staff_summary` and `financials` as null. */
export interface ProjectDetail {
  project: ProjectView;
  staff_summary: StaffSummary | null;
  financials: Financials | null;
}

export interface ProjectPage {
  data: ProjectView[];
  next_cursor: string | null;
}

/** Turns broken rules into one error: forbidden wins over conflicts, conflicts over 422. */
export function problemsError(problems: Problem[], prefix = ""): AppError {
  const details = Object.fromEntries(problems.map((p) => [`${prefix}${p.field}`, p.message]));
  const worst = problems.find((p) => p.status === 403) ??
    problems.find((p) => p.status === 409) ?? problems[0];
  if (worst.status === 403) return new AppError(403, "forbidden", worst.message, { details });
  if (worst.status === 409) {
    const code = problems.length === 1 && worst.field === "updated_at"
      ? "version_conflict"
      : problems.length === 1 && worst.field === "status"
      ? "invalid_transition"
      : "conflict";
    return new AppError(409, code, worst.message, { details });
  }
  return new AppError(422, "unprocessable", "The change breaks a rule", { details });
}

/** One page of the projects the caller may see; cached 30 s per visibility scope and query. */
export async function listProjects(
  caller: Caller,
  filters: ListFilters & { cursor?: string },
): Promise<{ value: ProjectPage; source: CacheSource }> {
  const listing = projectListing(filters);
  const cursor = decodeCursor(listing, filters.cursor);
  const scope = caller.appRole === "admin" || caller.appRole === "finance"
    ? "all"
    : `${caller.appRole}:${caller.id}`;
  const load = () =>
    asUser(caller.claims, async (tx) => {
      const rows = await listProjectsQuery(tx, caller, filters, cursor);
      const page = pageOf(listing, rows, filters.limit, (r) => ({
        v: String(r._sort_key),
        id: String(r.id),
      }));
      return {
        data: page.rows.map((r) => toProjectView(r, caller.appRole !== "crew")),
        next_cursor: page.next_cursor,
      };
    }, { readOnly: true });
  return await cache.getOrSetWithInfo(listKey(scope, { ...filters }), load, {
    ttl: LIST_TTL,
    tags: [LIST_TAG],
    scope: loaderScope(caller),
  });
}

function toDetail(row: Record<string, unknown>): ProjectDetail {
  return {
    project: toProjectView(row),
    staff_summary: {
      invited: row.invited as number,
      confirmed: row.confirmed as number,
      cancelled: row.cancelled as number,
      completed: row.completed as number,
      total_daily_rate: row.total_daily_rate as string,
    },
    financials: {
      payments_paid: row.payments_paid as string,
      payments_pending: row.payments_pending as string,
      payments_count: row.payments_count as number,
      claims_approved: row.claims_approved as string,
      claims_paid: row.claims_paid as string,
    },
  };
}

/** Reads the full detail as the caller (RLS hides projects they may not see → 404). */
export function loadProjectDetail(caller: Caller, id: string): Promise<ProjectDetail> {
  // Returned as an array: BEGIN, the query and COMMIT share one round trip (see uuidLiteral).
  return asUser(caller.claims, (tx) => [projectDetailQuery(tx, id)], { readOnly: true })
    .then(([rows]) => {
      if (!rows[0]) throw notFound("Project");
      return toDetail(rows[0]);
    });
}

/**
 * One project. Admin, finance and the owning manager share one cache entry (the same row and the
 * same figures under RLS); ownership is checked on the cached value itself, so a hit never reaches
 * a manager who does not own the project. Crew get a per-user summary entry.
 */
export async function getProject(
  caller: Caller,
  id: string,
): Promise<{ value: ProjectDetail; source: CacheSource }> {
  if (caller.appRole === "crew") {
    return await cache.getOrSetWithInfo(
      crewProjectKey(id, caller.id),
      () =>
        asUser(caller.claims, async (tx) => {
          const [row] = await projectSummaryQuery(tx, id);
          if (!row) throw notFound("Project");
          return { project: toProjectView(row, false), staff_summary: null, financials: null };
        }, { readOnly: true }),
      { ttl: PROJECT_TTL, tags: [projectTag(id)] },
    );
  }
  const result = await cache.getOrSetWithInfo(
    projectKey(id),
    () => loadProjectDetail(caller, id),
    { ttl: PROJECT_TTL, tags: [projectTag(id)], scope: loaderScope(caller) },
  );
  if (caller.appRole === "manager" && result.value.project.manager_id !== caller.id) {
    throw notFound("Project");
  }
  return result;
}

/** The detail of a project that has no staff, payments or claims yet (known without a query). */
export function emptyDetail(project: ProjectView): ProjectDetail {
  const zero = "0.00";
  return {
    project,
    staff_summary: { invited: 0, confirmed: 0, cancelled: 0, completed: 0, total_daily_rate: zero },
    financials: {
      payments_paid: zero,
      payments_pending: zero,
      payments_count: 0,
      claims_approved: zero,
      claims_paid: zero,
    },
  };
}

/** Creates a project; a manager becomes its manager. The new detail is written through. */
export async function createProject(
  caller: Caller,
  input: ProjectInput & { title: string; start_date: string; end_date: string },
): Promise<ProjectView> {
  const { row, problems } = newProjectRow(caller, input);
  if (problems.length) throw problemsError(problems);
  const created = await invalidating(
    (o) =>
      asUser(caller.claims, async (tx) => {
        const [saved] = await insertProjectsQuery(tx, [row]);
        return toProjectView(saved);
      }, o),
    () => projectChanges([], true),
  );
  await cache.set(projectKey(created.id), emptyDetail(created), {
    ttl: PROJECT_TTL,
    tags: [projectTag(created.id)],
  });
  return created;
}

/** PATCH: lock, merge, check the rules, write; `ifMatch` = the `updated_at` the client saw. */
export async function updateProject(
  caller: Caller,
  id: string,
  patch: ProjectInput,
  ifMatch?: string,
): Promise<ProjectView> {
  return await invalidating(
    (o) =>
      asUser(caller.claims, async (tx) => {
        const [current] = await lockProjectsQuery(tx, [id]);
        if (!current) throw notFound("Project");
        const { row, problems } = mergeProjectPatch(caller, toProjectView(current), patch, ifMatch);
        if (problems.length) throw problemsError(problems);
        const [saved] = await updateProjectsQuery(tx, [row]);
        return toProjectView(saved);
      }, o),
    () => projectChanges([id]),
  );
}

/** Soft delete (admin or the owning manager): afterwards the project is gone from list and get. */
export async function deleteProject(caller: Caller, id: string): Promise<void> {
  await invalidating(
    (o) =>
      asUser(caller.claims, async (tx) => {
        const [row] = await softDeleteProjectQuery(tx, id);
        if (!row) throw notFound("Project");
      }, o),
    () => projectChanges([id]),
  );
}
