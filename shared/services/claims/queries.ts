/**
 * The SQL of the claims service, as builders returning postgres.js fragments (not yet run), so
 * the query-plan test can `EXPLAIN` exactly what the service runs. Everything runs as the caller
 * (RLS applies); the explicit scope filters mirror RLS so the planner can use the narrow index
 * instead of filtering rows RLS would drop anyway.
 */
import type { Sql } from "postgres";
import type { AppRole } from "../../auth.ts";
import type { Position } from "../../cursor.ts";

export type ClaimStatus = "draft" | "submitted" | "approved" | "rejected" | "paid";
export type ClaimCategory = "transport" | "meals" | "accommodation" | "equipment" | "other";

/** Who is asking: decides the scope filter (admin and finance see all claims). */
export interface ClaimScope {
  appRole: AppRole;
  userId: string;
}

export interface ClaimFilters {
  status?: ClaimStatus;
  project_id?: string;
  candidate_id?: string;
  /** Created on or after this date (YYYY-MM-DD). */
  from?: string;
  /** Created on or before this date (YYYY-MM-DD). */
  to?: string;
  limit: number;
}

export interface ClaimInsert {
  candidate_id: string;
  project_id: string;
  category: ClaimCategory;
  amount: string;
  description?: string | null;
  receipt_path?: string | null;
  created_by: string;
}

export interface ClaimEdit {
  category?: ClaimCategory;
  amount?: string;
  description?: string | null;
  receipt_path?: string | null;
}

const claimColumns = (sql: Sql, alias: string) => {
  const a = sql(alias);
  return sql`${a}.id, ${a}.candidate_id, ${a}.project_id, ${a}.category, ${a}.amount::text as amount,
    ${a}.description, ${a}.receipt_path, ${a}.status, ${a}.submitted_at, ${a}.decided_by,
    ${a}.decided_at, ${a}.rejection_reason, ${a}.paid_at, ${a}.created_by, ${a}.created_at,
    ${a}.updated_at`;
};

const scopeFilter = (sql: Sql, scope: ClaimScope) =>
  scope.appRole === "manager"
    ? sql`and e.project_id = any ((select public.managed_project_ids())::uuid[])`
    : scope.appRole === "crew"
    ? sql`and e.candidate_id = (select public.current_candidate_id())`
    : sql``;

/** One page of claims, newest first, `limit + 1` rows; `_sort_key` is created_at at full precision. */
export function listClaimsQuery(
  sql: Sql,
  scope: ClaimScope,
  f: ClaimFilters,
  cursor: Position | null,
) {
  return sql`
    select ${claimColumns(sql, "e")}, e.created_at::text as _sort_key
      from public.expense_claims e
     where true ${scopeFilter(sql, scope)}
       ${f.status ? sql`and e.status = ${f.status}::public.claim_status` : sql``}
       ${f.project_id ? sql`and e.project_id = ${f.project_id}` : sql``}
       ${f.candidate_id ? sql`and e.candidate_id = ${f.candidate_id}` : sql``}
       ${f.from ? sql`and e.created_at >= ${f.from}::date` : sql``}
       ${f.to ? sql`and e.created_at < ${f.to}::date + 1` : sql``}
       ${
    cursor
      ? sql`and (e.created_at, e.id) < (${cursor.v}::text::timestamptz, ${cursor.id}::uuid)`
      : sql``
  }
     order by e.created_at desc, e.id desc
     limit ${f.limit + 1}`;
}

/** Detail columns: the claim plus project title/manager and claimant name (for access checks). */
const detailFrom = (sql: Sql, source: string) =>
  sql`
    select ${claimColumns(sql, "e")}, p.title as project_title, p.manager_id as project_manager_id,
           c.full_name as candidate_name
      from ${sql(source)} e
      left join public.projects p on p.id = e.project_id
      left join public.candidates c on c.id = e.candidate_id`;

/** One claim with its project and claimant names. */
export function claimDetailQuery(sql: Sql, id: string) {
  return sql`${detailFrom(sql, "public.expense_claims")} where e.id = ${id}`;
}

/** The status of one claim the caller can see (none when hidden or absent). */
export function claimStatusQuery(sql: Sql, id: string) {
  return sql`select e.status, e.project_id from public.expense_claims e where e.id = ${id}`;
}

/**
 * Inserts a draft claim only if the candidate is staffed on that (live) project; zero rows back
 * means they are not (or the caller cannot see the assignment).
 */
export function insertClaimQuery(sql: Sql, c: ClaimInsert) {
  return sql`
    with ins as (
      insert into public.expense_claims
             (candidate_id, project_id, category, amount, description, receipt_path, created_by)
      select ${c.candidate_id}, ${c.project_id}, ${c.category}::public.claim_category,
             ${c.amount}::numeric, ${c.description ?? null}, ${c.receipt_path ?? null},
             ${c.created_by}
       where exists (
         select 1 from public.project_staff s
           join public.projects p on p.id = s.project_id and p.deleted_at is null
          where s.project_id = ${c.project_id} and s.candidate_id = ${c.candidate_id})
      returning *)
    ${detailFrom(sql, "ins")}`;
}

/** Edits a claim only while it is a draft (conditional UPDATE: no read-then-write race). */
export function updateDraftQuery(sql: Sql, id: string, edit: ClaimEdit) {
  const sets = Object.entries(edit).filter(([, v]) => v !== undefined).map(([k, v]) =>
    k === "category"
      ? sql`category = ${v as string}::public.claim_category`
      : k === "amount"
      ? sql`amount = ${v as string}::numeric`
      : sql`${sql(k)} = ${v as string | null}`
  );
  const assignments = sets.reduce((acc, s, i) => i === 0 ? s : sql`${acc}, ${s}`, sql``);
  return sql`
    with upd as (
      update public.expense_claims set ${assignments}
       where id = ${id} and status = 'draft'
      returning *)
    ${detailFrom(sql, "upd")}`;
}

/**
 * Moves a claim to `to` in ONE UPDATE; the status trigger refuses a move the machine does not
 * allow. Concurrent callers queue on the row lock; after the first commits, the others re-check
 * `status <> to`, match nothing and get zero rows — so exactly one of them wins.
 */
export function transitionQuery(sql: Sql, id: string, to: ClaimStatus, rejectionReason?: string) {
  return sql`
    with upd as (
      update public.expense_claims
         set status = ${to}::public.claim_status
             ${rejectionReason !== undefined ? sql`, rejection_reason = ${rejectionReason}` : sql``}
       where id = ${id} and status <> ${to}::public.claim_status
      returning *)
    ${detailFrom(sql, "upd")}`;
}

/** Count and total per status, optionally for one project. */
export function summaryQuery(sql: Sql, scope: ClaimScope, projectId?: string) {
  return sql`
    select e.status, count(*)::int as count, coalesce(sum(e.amount), 0)::numeric(14, 2)::text
           as amount
      from public.expense_claims e
     where true ${scopeFilter(sql, scope)}
       ${projectId ? sql`and e.project_id = ${projectId}` : sql``}
     group by e.status`;
}
