/**
 * Project staff (assignments), writing side: assign many, change one, remove one. Writes run as
 * the caller, so RLS limits managers to their own projects; the rules here add what RLS cannot
 * say: closed projects take no new staff, blacklisted candidates are never assigned, assignment
 * dates lie inside the project's. Which status moves exist is the database's rule
 * (trg_project_staff_status: 409 `invalid_transition`).
 */
import { invalidating } from "../../cache/outbox.ts";
import type { Caller } from "../../caller.ts";
import { asUser } from "../../db/index.ts";
import { conflict, notFound, unprocessable } from "../../errors.ts";
import { projectChanges } from "../projects/cache.ts";
import {
  candidatesByIdQuery,
  deleteStaffQuery,
  insertStaffQuery,
  lockStaffQuery,
  projectForStaffQuery,
  type StaffStatus,
  type StaffWrite,
  updateStaffQuery,
} from "./queries.ts";
import { type AssignItem, type StaffPatch, type StaffView, toStaffView } from "./views.ts";

/**
 * Assigns many candidates in one transaction. `onConflict: "error"` answers 409 naming the
 * candidates already on the project and writes nothing; `"skip"` keeps them as they are and
 * reports them in `skipped`.
 */
export async function assignStaff(
  caller: Caller,
  projectId: string,
  items: AssignItem[],
  onConflict: "error" | "skip",
): Promise<{ created: StaffView[]; skipped: string[] }> {
  return await invalidating(
    (o) =>
      asUser(caller.claims, async (tx) => {
        const [[project], candidates] = await Promise.all([
          projectForStaffQuery(tx, projectId),
          candidatesByIdQuery(tx, items.map((i) => i.candidate_id)),
        ]);
        if (!project) throw notFound("Project");
        if (project.status === "completed" || project.status === "cancelled") {
          throw unprocessable(`A ${project.status} project takes no new staff`, {
            project_status: project.status,
          });
        }
        const status = new Map(candidates.map((c) => [c.id as string, c.status as string]));
        const details: Record<string, string> = {};
        const rows: StaffWrite[] = items.map((item, i) => {
          const row: StaffWrite = {
            candidate_id: item.candidate_id,
            designation: item.designation ?? "crew",
            status: item.status ?? "invited",
            start_date: item.start_date ?? project.start_date,
            end_date: item.end_date ?? project.end_date,
            daily_rate: item.daily_rate ?? "0.00",
          };
          const at = `candidates.${i}.`;
          const candidateStatus = status.get(item.candidate_id);
          if (!candidateStatus) details[`${at}candidate_id`] = "Candidate not found";
          else if (candidateStatus === "blacklisted") {
            details[`${at}candidate_id`] = "Candidate is blacklisted";
          }
          if (row.start_date < project.start_date || row.start_date > project.end_date) {
            details[`${at}start_date`] = "Must lie within the project's dates";
          }
          if (row.end_date < project.start_date || row.end_date > project.end_date) {
            details[`${at}end_date`] = "Must lie within the project's dates";
          } else if (row.end_date < row.start_date) {
            details[`${at}end_date`] = "Must be on or after start_date";
          }
          return row;
        });
        if (Object.keys(details).length) {
          throw unprocessable("Some assignments break a rule", details);
        }

        const inserted = await insertStaffQuery(tx, projectId, rows);
        const created = new Set(inserted.map((r) => r.candidate_id as string));
        const skipped = items.map((i) => i.candidate_id).filter((id) => !created.has(id));
        if (skipped.length && onConflict === "error") {
          // Throwing rolls the whole transaction back: nothing of this request is kept.
          throw conflict(
            "Some candidates are already assigned to this project",
            Object.fromEntries(
              items.flatMap((item, i) =>
                created.has(item.candidate_id)
                  ? []
                  : [[`candidates.${i}.candidate_id`, "Already assigned"]]
              ),
            ),
          );
        }
        return { created: inserted.map(toStaffView), skipped };
      }, o),
    (result) =>
      result.created.length
        ? projectChanges([projectId], true, result.created.map((s) => s.candidate_id))
        : undefined,
  );
}

/** Changes one assignment: status forward only, dates inside the project's. */
export async function updateStaff(
  caller: Caller,
  projectId: string,
  staffId: string,
  patch: StaffPatch,
): Promise<StaffView> {
  return await invalidating((o) =>
    asUser(caller.claims, async (tx) => {
      const [current] = await lockStaffQuery(tx, projectId, staffId);
      if (!current) throw notFound("Assignment");
      const row = {
        designation: patch.designation ?? current.designation as string,
        status: patch.status ?? current.status as StaffStatus,
        start_date: patch.start_date ?? (current.start_date ?? current.project_start) as string,
        end_date: patch.end_date ?? (current.end_date ?? current.project_end) as string,
        daily_rate: patch.daily_rate ?? current.daily_rate as string,
      };
      const details: Record<string, string> = {};
      const [lo, hi] = [current.project_start as string, current.project_end as string];
      if (row.start_date < lo || row.start_date > hi) {
        details.start_date = `Must lie within the project's dates (${lo} to ${hi})`;
      }
      if (row.end_date < lo || row.end_date > hi) {
        details.end_date = `Must lie within the project's dates (${lo} to ${hi})`;
      } else if (row.end_date < row.start_date) details.end_date = "Must be on or after start_date";
      if (Object.keys(details).length) throw unprocessable("The change breaks a rule", details);
      const [saved] = await updateStaffQuery(tx, staffId, row);
      return toStaffView(saved);
    }, o), (updated) => projectChanges([projectId], false, [updated.candidate_id]));
}

/** Removes an assignment; a completed one is history (payroll refers to it) and stays. */
export async function removeStaff(
  caller: Caller,
  projectId: string,
  staffId: string,
): Promise<void> {
  await invalidating((o) =>
    asUser(caller.claims, async (tx) => {
      const [current] = await lockStaffQuery(tx, projectId, staffId);
      if (!current) throw notFound("Assignment");
      if (current.status === "completed") {
        throw conflict("A completed assignment cannot be removed; it is payroll history", {
          status: "completed",
        });
      }
      await deleteStaffQuery(tx, staffId);
      return current.candidate_id as string;
    }, o), (candidateId) => projectChanges([projectId], true, [candidateId]));
}
