/**
 * Projects, reading side. Every statement runs as the caller (`asUser`), so RLS decides; where
 * a shared cache entry is handed out, `cachedForCaller` applies the same rule, because RLS
 * cannot see a cache hit.
 */
import { type Cached, cachedForCaller } from "../../cache/authorized.ts";
import type { Caller } from "../../caller.ts";
import { decodeCursor, pageOf } from "../../cursor.ts";
import { asUser } from "../../db/index.ts";
import { notFound } from "../../errors.ts";
import {
  crewProjectKey,
  LIST_TAG,
  LIST_TTL,
  listKey,
  PROJECT_TTL,
  projectKey,
  projectTag,
} from "./cache.ts";
import {
  type ListFilters,
  listProjectsQuery,
  projectDetailQuery,
  projectListing,
  projectSummaryQuery,
} from "./queries.ts";
import { type ProjectDetail, type ProjectPage, toDetail, toProjectView } from "./views.ts";

/** One page of the projects the caller may see; cached 30 s per visibility scope and query. */
export function listProjects(
  caller: Caller,
  filters: ListFilters & { cursor?: string },
): Promise<Cached<ProjectPage>> {
  const listing = projectListing(filters);
  const cursor = decodeCursor(listing, filters.cursor);
  return cachedForCaller(caller, {
    key: listKey({ ...filters }),
    perScope: true,
    ttl: LIST_TTL,
    tags: [LIST_TAG],
    load: () =>
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
      }, { readOnly: true }),
  });
}

/** Reads the full detail as the caller (RLS hides projects they may not see → 404). */
export async function loadProjectDetail(caller: Caller, id: string): Promise<ProjectDetail> {
  // Returned as an array: BEGIN, the query and COMMIT share one round trip (see uuidLiteral).
  const [rows] = await asUser(caller.claims, (tx) => [projectDetailQuery(tx, id)], {
    readOnly: true,
  });
  if (!rows[0]) throw notFound("Project");
  return toDetail(rows[0]);
}

/**
 * One project. Admin, finance and the owning manager share one entry (the same row and figures
 * under RLS); ownership is checked on the cached value, so a hit never reaches another manager.
 * Crew get a per-user summary without budget or figures.
 */
export function getProject(caller: Caller, id: string): Promise<Cached<ProjectDetail>> {
  if (caller.appRole === "crew") {
    return cachedForCaller(caller, {
      key: crewProjectKey(id, caller.id),
      ttl: PROJECT_TTL,
      tags: [projectTag(id)],
      load: () =>
        asUser(caller.claims, async (tx) => {
          const [row] = await projectSummaryQuery(tx, id);
          if (!row) throw notFound("Project");
          return { project: toProjectView(row, false), staff_summary: null, financials: null };
        }, { readOnly: true }),
    });
  }
  return cachedForCaller(caller, {
    key: projectKey(id),
    ttl: PROJECT_TTL,
    tags: [projectTag(id)],
    load: () => loadProjectDetail(caller, id),
    maySee: (detail) => caller.appRole !== "manager" || detail.project.manager_id === caller.id,
    what: "Project",
  });
}
