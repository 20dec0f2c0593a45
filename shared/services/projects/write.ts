/**
 * Projects, writing side: create, update, soft delete. Each write records what it makes stale
 * with its own transaction (`invalidating`); the database refuses a status move the life cycle
 * forbids (409 `invalid_transition`).
 */
import { cache } from "../../cache/index.ts";
import { invalidating } from "../../cache/outbox.ts";
import type { Caller } from "../../caller.ts";
import { asUser } from "../../db/index.ts";
import { notFound } from "../../errors.ts";
import { PROJECT_TTL, projectChanges, projectKey, projectTag } from "./cache.ts";
import {
  insertProjectsQuery,
  lockProjectsQuery,
  softDeleteProjectQuery,
  updateProjectsQuery,
} from "./queries.ts";
import { mergeProjectPatch, newProjectRow, problemsError, type ProjectInput } from "./rules.ts";
import { emptyDetail, type ProjectView, toProjectView } from "./views.ts";

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
