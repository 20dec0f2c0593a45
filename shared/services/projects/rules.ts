/**
 * The rules of changing a project, shared by single and batch writes: who may create or hand a
 * project to another manager, optimistic concurrency, and the date order after a partial
 * update. Which status moves exist is the database's rule (trg_projects_status). Pure functions
 * over plain values, so they are tested without a database.
 */
import type { AppRole } from "../../auth.ts";
import { AppError } from "../../errors.ts";
import type { ProjectStatus, ProjectWrite } from "./queries.ts";
import type { ProjectView } from "./views.ts";

/** The fields a create or patch may carry. */
export interface ProjectInput {
  title?: string;
  client_name?: string | null;
  venue?: string | null;
  status?: ProjectStatus;
  start_date?: string;
  end_date?: string;
  crew_needed?: number;
  budget?: string | null;
  manager_id?: string | null;
}

/** A broken rule: the HTTP status it maps to, the field it concerns and a safe message. */
export interface Problem {
  status: 403 | 409 | 422;
  field: string;
  message: string;
}

/**
 * The row a new project is written as. A manager always becomes the manager of what they create;
 * naming anyone else is refused rather than silently overridden.
 */
export function newProjectRow(
  caller: { id: string; appRole: AppRole },
  input: ProjectInput & { title: string; start_date: string; end_date: string },
  id: string = crypto.randomUUID(),
): { row: ProjectWrite; problems: Problem[] } {
  const problems: Problem[] = [];
  let managerId = input.manager_id ?? null;
  if (caller.appRole === "manager") {
    if (input.manager_id !== undefined && input.manager_id !== caller.id) {
      problems.push({
        status: 403,
        field: "manager_id",
        message: "A manager can only create their own projects",
      });
    }
    managerId = caller.id;
  }
  return {
    row: {
      id,
      title: input.title,
      client_name: input.client_name ?? null,
      venue: input.venue ?? null,
      status: input.status ?? "planning",
      start_date: input.start_date,
      end_date: input.end_date,
      crew_needed: input.crew_needed ?? 0,
      budget: input.budget ?? null,
      manager_id: managerId,
    },
    problems,
  };
}

/**
 * Applies a patch to the stored row and checks the result: optimistic concurrency (`ifMatch` is
 * the `updated_at` the client saw), manager hand-over (admin only), dates, and — given the
 * moves the database allows from the stored status (`nextStatuses`, read with the row lock) — the
 * status move. Without them the database's trigger refuses a forbidden move on write.
 */
export function mergeProjectPatch(
  caller: { id: string; appRole: AppRole },
  current: ProjectView,
  patch: ProjectInput,
  ifMatch?: string,
  nextStatuses?: readonly string[],
): { row: ProjectWrite; problems: Problem[] } {
  const problems: Problem[] = [];
  if (ifMatch !== undefined) {
    const seen = Date.parse(ifMatch);
    if (Number.isNaN(seen) || seen !== Date.parse(current.updated_at)) {
      problems.push({
        status: 409,
        field: "updated_at",
        message: `The project changed since you read it (now ${current.updated_at})`,
      });
    }
  }
  const has = (k: keyof ProjectInput) => Object.hasOwn(patch, k) && patch[k] !== undefined;
  if (has("manager_id") && patch.manager_id !== current.manager_id && caller.appRole !== "admin") {
    problems.push({
      status: 403,
      field: "manager_id",
      message: "Only an admin can hand a project to another manager",
    });
  }
  const row: ProjectWrite = {
    id: current.id,
    title: has("title") ? patch.title! : current.title,
    client_name: has("client_name") ? patch.client_name! : current.client_name,
    venue: has("venue") ? patch.venue! : current.venue,
    status: has("status") ? patch.status! : current.status,
    start_date: has("start_date") ? patch.start_date! : current.start_date,
    end_date: has("end_date") ? patch.end_date! : current.end_date,
    crew_needed: has("crew_needed") ? patch.crew_needed! : current.crew_needed,
    budget: has("budget") ? patch.budget! : current.budget ?? null,
    manager_id: has("manager_id") ? patch.manager_id! : current.manager_id,
  };
  if (nextStatuses && row.status !== current.status && !nextStatuses.includes(row.status)) {
    problems.push({
      status: 409,
      field: "status",
      message: `A ${current.status} project cannot become ${row.status}`,
    });
  }
  if (row.end_date < row.start_date) {
    problems.push({
      status: 422,
      field: "end_date",
      message: `Must be on or after start_date (${row.start_date})`,
    });
  }
  return { row, problems };
}

/** Turns broken rules into one error: forbidden wins over conflicts, conflicts over 422. */
export function problemsError(problems: Problem[], prefix = ""): AppError {
  const details = Object.fromEntries(problems.map((p) => [`${prefix}${p.field}`, p.message]));
  const worst = problems.find((p) => p.status === 403) ??
    problems.find((p) => p.status === 409) ?? problems[0];
  if (worst.status === 403) return new AppError("forbidden", worst.message, { details });
  if (worst.status === 409) {
    const code = problems.length === 1 && worst.field === "updated_at"
      ? "version_conflict"
      : "conflict";
    return new AppError(code, worst.message, { details });
  }
  return new AppError("unprocessable", "The change breaks a rule", { details });
}
