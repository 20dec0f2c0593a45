/**
 * Batch create/update of up to 500 projects in ONE transaction, all or nothing: every item is
 * checked first and all broken rules come back together in `details` (`items.<i>.<field>`);
 * nothing is written unless every item passes. Three statements whatever the batch size: lock
 * the projects being updated, insert the new ones, update the changed ones.
 */
import { cache } from "../../cache/index.ts";
import { invalidating } from "../../cache/outbox.ts";
import type { Caller } from "../../caller.ts";
import { asUser } from "../../db/index.ts";
import { PROJECT_TTL, projectChanges, projectKey, projectTag } from "./cache.ts";
import {
  insertProjectsQuery,
  lockProjectsQuery,
  type ProjectWrite,
  updateProjectsQuery,
} from "./queries.ts";
import {
  mergeProjectPatch,
  newProjectRow,
  type Problem,
  problemsError,
  type ProjectInput,
} from "./rules.ts";
import { emptyDetail, type ProjectView, toProjectView } from "./views.ts";

export type BatchItem =
  | { op: "create"; data: ProjectInput & { title: string; start_date: string; end_date: string } }
  | { op: "update"; id: string; if_match?: string; data: ProjectInput };

export interface BatchResult {
  results: { index: number; op: "create" | "update"; project: ProjectView }[];
}

/** Applies every item or none; see the module comment. */
export async function batchProjects(caller: Caller, items: BatchItem[]): Promise<BatchResult> {
  const updateIds = items.flatMap((i) => i.op === "update" ? [i.id] : []);
  const result = await invalidating((o) =>
    asUser(caller.claims, async (tx) => {
      const locked = updateIds.length ? await lockProjectsQuery(tx, updateIds) : [];
      const current = new Map(locked.map((r) => [r.id as string, toProjectView(r)]));
      const nextStatuses = new Map(
        locked.map((r) => [r.id as string, r.next_statuses as string[]]),
      );
      const problems: Problem[] = [];
      const creates: { index: number; row: ProjectWrite }[] = [];
      const updates: { index: number; row: ProjectWrite }[] = [];
      items.forEach((item, index) => {
        const prefix = `items.${index}.`;
        if (item.op === "create") {
          const { row, problems: found } = newProjectRow(caller, item.data);
          problems.push(...found.map((p) => ({ ...p, field: `${prefix}data.${p.field}` })));
          creates.push({ index, row });
          return;
        }
        const stored = current.get(item.id);
        if (!stored) {
          // Unknown, deleted or not visible to the caller: the same answer for all three.
          problems.push({ status: 422, field: `${prefix}id`, message: "Project not found" });
          return;
        }
        const { row, problems: found } = mergeProjectPatch(
          caller,
          stored,
          item.data,
          item.if_match,
          nextStatuses.get(item.id),
        );
        problems.push(...found.map((p) => ({
          ...p,
          field: p.field === "updated_at" ? `${prefix}if_match` : `${prefix}data.${p.field}`,
        })));
        updates.push({ index, row });
      });
      if (problems.length) throw problemsError(problems);

      const [inserted, changed] = await Promise.all([
        creates.length ? insertProjectsQuery(tx, creates.map((c) => c.row)) : [],
        updates.length ? updateProjectsQuery(tx, updates.map((u) => u.row)) : [],
      ]);
      const byId = new Map(
        [...inserted, ...changed].map((r) => [r.id as string, toProjectView(r)]),
      );
      return [
        ...creates.map((c) => ({ ...c, op: "create" as const })),
        ...updates.map((u) => ({
          ...u,
          op: "update" as const,
        })),
      ]
        .sort((a, b) => a.index - b.index)
        .map(({ index, op, row }) => ({ index, op, project: byId.get(row.id)! }));
    }, o), () => projectChanges(updateIds));
  // New projects have no staff, payments or claims yet: their detail is known without a query.
  await Promise.all(
    result.filter((r) => r.op === "create").map((r) =>
      cache.set(projectKey(r.project.id), emptyDetail(r.project), {
        ttl: PROJECT_TTL,
        tags: [projectTag(r.project.id)],
      })
    ),
  );
  return { results: result };
}
