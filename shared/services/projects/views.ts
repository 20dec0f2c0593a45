/** What the projects routes answer with, and how rows become it. Pure functions. */
import { iso } from "../../db/rows.ts";
import type { ProjectStatus, ProjectWrite } from "./queries.ts";

/** A project as the API returns it: the stored values plus timestamps (budget absent for crew). */
export interface ProjectView extends Omit<ProjectWrite, "budget"> {
  budget?: string | null;
  created_at: string;
  updated_at: string;
}

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

/** The detail row (project + `project_totals` figures) as the API shape. */
export function toDetail(row: Record<string, unknown>): ProjectDetail {
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
