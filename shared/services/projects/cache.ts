/**
 * Cache keys, tags and TTLs of the projects service in one place (docs/cache-projects.md lists
 * them). Shared entries hold scope-neutral values; who may read them is decided by the service
 * before an entry is handed out.
 */
import {
  cacheKey,
  candidateTag,
  type KeyPart,
  listKey as cacheListKey,
  listTag,
  projectTag,
} from "../../cache/index.ts";
import type { Invalidation } from "../../cache/outbox.ts";

export const PROJECT_TTL = 300;
export const LIST_TTL = 30;
export const DASHBOARD_TTL = 60;

export const LIST_TAG = listTag("projects");
export const DASHBOARD_TAG = "dashboard";

/** Tag of everything derived from one project (payments and claims invalidate it too). */
export { projectTag } from "../../cache/index.ts";

/** The full detail of a project, shared by admin, finance and the owning manager. */
export const projectKey = (id: string) => cacheKey("project", id);

/** The crew view is kept per user: a crew member may only see projects they are assigned to. */
export const crewProjectKey = (id: string, userId: string) =>
  cacheKey("project", id, "crew", userId);

/** A page of the list; kept per visibility scope (`cachedForCaller` adds it). */
export function listKey(query: Record<string, KeyPart>): string {
  return cacheListKey("projects", query);
}

/** The dashboard of a date range; kept per visibility scope too. */
export const dashboardKey = (from: string, to: string) =>
  cacheKey("projects", "dashboard", from, to);

/**
 * What a write of these projects (and of these candidates' assignments) makes stale; recorded
 * with the write and applied after it commits (see shared/cache/outbox.ts).
 */
export function projectChanges(
  ids: readonly string[],
  lists = true,
  candidateIds: readonly string[] = [],
): Invalidation {
  const tags = [...ids.map(projectTag), ...candidateIds.map(candidateTag)];
  if (lists) tags.push(LIST_TAG);
  return { tags };
}
