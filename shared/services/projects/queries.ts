/**
 * The SQL statements of the projects service, as builders returning postgres.js fragments. They
 * live apart from the rules so the query-plan test can `EXPLAIN` exactly what the service runs.
 * Every statement runs as the caller (RLS applies); the explicit scope filters mirror RLS so the
 * planner can pick the narrow index instead of filtering rows RLS would drop anyway.
 */
import type { Sql } from "postgres";
import type { Listing, Position } from "../../cursor.ts";
import { uuidLiteral } from "../../db/index.ts";
import { jsonb, likePattern } from "../../db/rows.ts";

export type SortField = "start_date" | "created_at" | "title";
export type ProjectStatus = "planning" | "active" | "completed" | "cancelled";

/** Who is listing: decides the scope filter (admin/finance see all). */
export interface ListScope {
  appRole: "admin" | "manager" | "finance" | "crew";
  id: string;
}

/** Parsed list filters (see ListQuery in functions/projects/schemas.ts). */
export interface ListFilters {
  status?: ProjectStatus;
  from?: string;
  to?: string;
  q?: string;
  manager_id?: string;
  sort: SortField;
  order: "asc" | "desc";
  limit: number;
}

/**
 * Columns every caller may see (crew get these only). Dates as text: `YYYY-MM-DD` whatever the
 * client's date parsing or time zone.
 */
const summaryColumns = (sql: Sql) =>
  sql`p.id, p.title, p.client_name, p.venue, p.status, p.start_date::text as start_date,
      p.end_date::text as end_date, p.crew_needed, p.manager_id, p.created_at, p.updated_at`;

/** The listing a projects page belongs to: its cursor is valid only for the same sort. */
export function projectListing(f: Pick<ListFilters, "sort" | "order">): Listing {
  return {
    list: "projects",
    sort: `${f.sort}:${f.order}`,
    type: f.sort === "title" ? "text" : f.sort === "start_date" ? "date" : "timestamptz",
  };
}

/**
 * One page of live projects, `limit + 1` rows (the extra row tells whether a next page exists).
 * `_sort_key` is the sort value as text at full precision: a JS Date would drop created_at's
 * microseconds and the next page would repeat rows.
 */
export function listProjectsQuery(
  sql: Sql,
  scope: ListScope,
  f: ListFilters,
  cursor: Position | null,
) {
  const col = sql(`p.${f.sort}`);
  const cast = f.sort === "title"
    ? sql`::text`
    : f.sort === "start_date"
    ? sql`::date`
    : sql`::timestamptz`;
  const dir = f.order === "asc" ? sql`asc` : sql`desc`;
  const pattern = f.q ? likePattern(f.q) : null;
  const budget = scope.appRole === "crew" ? sql`` : sql`, p.budget`;
  return sql`
    select ${summaryColumns(sql)}${budget}, ${col}::text as _sort_key
      from public.projects p
     where p.deleted_at is null
       ${scope.appRole === "manager" ? sql`and p.manager_id = ${scope.id}` : sql``}
       ${
    scope.appRole === "crew"
      ? sql`and p.id = any ((select public.assigned_project_ids())::uuid[])`
      : sql``
  }
       ${f.status ? sql`and p.status = ${f.status}` : sql``}
       ${f.from ? sql`and p.end_date >= ${f.from}::date` : sql``}
       ${f.to ? sql`and p.start_date <= ${f.to}::date` : sql``}
       ${f.manager_id ? sql`and p.manager_id = ${f.manager_id}` : sql``}
       ${
    pattern
      ? sql`and (p.title ilike ${pattern} or p.client_name ilike ${pattern}
                 or p.venue ilike ${pattern})`
      : sql``
  }
       ${
    cursor
      ? (f.order === "asc"
        ? sql`and (${col}, p.id) > (${cursor.v}::text${cast}, ${cursor.id}::uuid)`
        : sql`and (${col}, p.id) < (${cursor.v}::text${cast}, ${cursor.id}::uuid)`)
      : sql``
  }
     order by ${col} ${dir}, p.id ${dir}
     limit ${f.limit + 1}`;
}

/**
 * A project with its staff summary and live financials in one primary-key join: the figures
 * come from `project_totals`, which statement-level triggers keep current on every staff,
 * payment and claim write (the materialized view lags up to five minutes; aggregating here
 * would read every payment of the project in every monthly partition).
 */
export function projectDetailQuery(sql: Sql, id: string) {
  return sql`
    select ${summaryColumns(sql)}, p.budget,
           coalesce(t.staff_invited, 0) as invited, coalesce(t.staff_confirmed, 0) as confirmed,
           coalesce(t.staff_cancelled, 0) as cancelled,
           coalesce(t.staff_completed, 0) as completed,
           coalesce(t.total_daily_rate, 0)::numeric(14, 2)::text as total_daily_rate,
           coalesce(t.payments_paid, 0)::numeric(14, 2)::text as payments_paid,
           coalesce(t.payments_pending, 0)::numeric(14, 2)::text as payments_pending,
           coalesce(t.payments_count, 0) as payments_count,
           coalesce(t.claims_approved, 0)::numeric(14, 2)::text as claims_approved,
           coalesce(t.claims_paid, 0)::numeric(14, 2)::text as claims_paid
      from public.projects p
      left join public.project_totals t on t.project_id = p.id
     where p.id = ${uuidLiteral(sql, id)} and p.deleted_at is null`;
}

/** The crew view of one project: no budget, no staff or money figures. */
export function projectSummaryQuery(sql: Sql, id: string) {
  return sql`
    select ${summaryColumns(sql)} from public.projects p
     where p.id = ${id} and p.deleted_at is null`;
}

/**
 * Locks live projects for a read-modify-write (update, delete, batch update). `next_statuses`
 * are the moves the database's machine allows from each row's status (public.status_moves), so
 * a batch can report every refused move before writing anything.
 */
export function lockProjectsQuery(sql: Sql, ids: string[]) {
  return sql`
    select ${summaryColumns(sql)}, p.budget,
           array(select m.to_status from public.status_moves m
                  where m.machine = 'projects' and m.from_status = p.status::text) as next_statuses
      from public.projects p
     where p.id = any (${ids}::uuid[]) and p.deleted_at is null
       for update of p`;
}

/** A full set of writable values (after merging a patch onto the stored row). */
export interface ProjectWrite {
  id: string;
  title: string;
  client_name: string | null;
  venue: string | null;
  status: ProjectStatus;
  start_date: string;
  end_date: string;
  crew_needed: number;
  budget: string | null;
  manager_id: string | null;
}

/**
 * Inserts many projects in one statement from a JSON recordset (one parameter however many rows;
 * ids are generated by the service so results map back to input positions).
 */
export function insertProjectsQuery(sql: Sql, rows: ProjectWrite[]) {
  return sql`
    insert into public.projects as p (id, title, client_name, venue, status, start_date, end_date,
                                 crew_needed, budget, manager_id)
    select r.id, r.title, r.client_name, r.venue, r.status, r.start_date, r.end_date,
           r.crew_needed, r.budget, r.manager_id
      from jsonb_to_recordset(${jsonb(sql, rows)}) as r(
             id uuid, title text, client_name text, venue text, status public.project_status,
             start_date date, end_date date, crew_needed int, budget numeric, manager_id uuid)
    returning ${summaryColumns(sql)}, p.budget`;
}

/** Writes merged rows back in one statement (the rows were locked by lockProjectsQuery). */
export function updateProjectsQuery(sql: Sql, rows: ProjectWrite[]) {
  return sql`
    update public.projects p
       set title = r.title, client_name = r.client_name, venue = r.venue, status = r.status,
           start_date = r.start_date, end_date = r.end_date, crew_needed = r.crew_needed,
           budget = r.budget, manager_id = r.manager_id
      from jsonb_to_recordset(${jsonb(sql, rows)}) as r(
             id uuid, title text, client_name text, venue text, status public.project_status,
             start_date date, end_date date, crew_needed int, budget numeric, manager_id uuid)
     where p.id = r.id and p.deleted_at is null
       -- The id list lets the planner probe the primary key instead of joining the whole table.
       and p.id = any (${rows.map((r) => r.id)}::uuid[])
    returning ${summaryColumns(sql)}, p.budget`;
}

/** Soft delete: the row stays for the payments and claims that reference it. */
export function softDeleteProjectQuery(sql: Sql, id: string) {
  return sql`
    update public.projects p set deleted_at = now()
     where p.id = ${id} and p.deleted_at is null
    returning p.id`;
}

/** Dashboard totals over the caller's projects, from the materialized view (via its guard). */
export function dashboardTotalsQuery(sql: Sql) {
  return sql`
    select count(*)::int as projects,
           coalesce(sum(f.staff_total), 0)::int as staff_total,
           coalesce(sum(f.staff_confirmed), 0)::int as staff_confirmed,
           coalesce(sum(f.payments_paid), 0)::numeric(14, 2)::text as payments_paid,
           coalesce(sum(f.payments_pending), 0)::numeric(14, 2)::text as payments_pending,
           coalesce(sum(f.payments_count), 0)::bigint::text as payments_count,
           coalesce(sum(f.claims_approved), 0)::numeric(14, 2)::text as claims_approved,
           coalesce(sum(f.claims_paid), 0)::numeric(14, 2)::text as claims_paid,
           max(f.refreshed_at) as refreshed_at
      from public.report_project_financials(null) f`;
}

/** Monthly payment totals (admin/finance only; the function refuses other roles). */
export function dashboardMonthlyQuery(sql: Sql, from: string, to: string) {
  return sql`
    select m.month::text as month, m.status, m.payments_count,
           m.total_amount::numeric(14, 2)::text as total_amount
      from public.report_monthly_payments(${from}::date, ${to}::date) m`;
}
