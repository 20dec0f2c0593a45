/**
 * The rules of changing a project, shared by single and batch writes: which status moves are
 * allowed, who may hand a project to another manager, and the date order after a partial update.
 * Pure functions over plain values, so they are tested without a database.
 */
import type { AppRole } from "../auth.ts";
import type { ProjectStatus, ProjectWrite } from "./projects_sql.ts";

/** A project as the API returns it: the stored values plus timestamps (budget absent for crew). */
export interface ProjectView extends Omit<ProjectWrite, "budget"> {
  budget?: string | null;
  created_at: string;
  updated_at: string;
}

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

/** Forward-only life cycle; completed and cancelled are final. */
const NEXT_STATUS: Record<ProjectStatus, readonly ProjectStatus[]> = {
  planning: ["active", "cancelled"],
  active: ["completed", "cancelled"],
  completed: [],
  cancelled: [],
};

/** Whether a project may move from one status to another (staying put is always allowed). */
export function canMoveProject(from: ProjectStatus, to: ProjectStatus): boolean {
  return from === to || NEXT_STATUS[from].includes(to);
}

const iso = (v: unknown): string => v instanceof Date ? v.toISOString() : String(v);

/** Maps a database row to the API shape; timestamps become ISO strings. */
export function toProjectView(row: Record<string, unknown>, withBudget = true): ProjectView {
  const view: ProjectView = {
    id: row.id as string,
    title: row.title as string,
    client_name: row.client_name as string | null,
    venue: row.venue as string | null,
    status: row.status as ProjectStatus,
    start_date: row.start_date as string,
    end_date: row.end_date as string,
    crew_needed: Number(row.crew_needed),
    manager_id: row.manager_id as string | null,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
  if (withBudget) view.budget = (row.budget as string | null) ?? null;
  return view;
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
 * the `updated_at` the client saw), manager hand-over (admin only), status life cycle, dates.
 */
export function mergeProjectPatch(
  caller: { id: string; appRole: AppRole },
  current: ProjectView,
  patch: ProjectInput,
  ifMatch?: string,
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
  if (!canMoveProject(current.status, row.status)) {
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
