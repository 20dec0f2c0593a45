/**
 * SQL of the project staff service (assignments), as postgres.js fragment builders so the
 * query-plan test can EXPLAIN exactly these statements. All run as the caller under RLS.
 */
import { jsonb } from "../../db/rows.ts";
import type { Sql } from "postgres";
import type { Position } from "../../cursor.ts";

export type StaffStatus = "invited" | "confirmed" | "cancelled" | "completed";

/** Dates as text (`YYYY-MM-DD`), whatever the client's date parsing or time zone. */
const staffColumns = (sql: Sql) =>
  sql`s.id, s.project_id, s.candidate_id, s.designation, s.status,
      s.start_date::text as start_date, s.end_date::text as end_date, s.daily_rate, s.created_at,
      s.updated_at`;

/** The live project an assignment change needs (dates and status for the rules). */
export function projectForStaffQuery(sql: Sql, projectId: string) {
  return sql`
    select p.id, p.status, p.start_date::text as start_date, p.end_date::text as end_date,
           p.manager_id
      from public.projects p
     where p.id = ${projectId} and p.deleted_at is null`;
}

/** Candidates by id: existence and status (blacklisted ones cannot be assigned). */
export function candidatesByIdQuery(sql: Sql, ids: string[]) {
  return sql`
    select c.id, c.status from public.candidates c where c.id = any (${ids}::uuid[])`;
}

/**
 * One page of a project's staff ordered by candidate id: the (project_id, candidate_id) unique
 * index both filters and orders, so a page costs `limit` index entries however big the project.
 * The IC number is selected only to be masked by the service.
 */
export function listStaffQuery(
  sql: Sql,
  projectId: string,
  status: StaffStatus | undefined,
  cursor: Position | null,
  limit: number,
) {
  return sql`
    select ${staffColumns(sql)}, c.full_name as candidate_name, c.ic_number
      from public.project_staff s
      join public.candidates c on c.id = s.candidate_id
     where s.project_id = ${projectId}
       ${status ? sql`and s.status = ${status}` : sql``}
       ${cursor ? sql`and s.candidate_id > ${cursor.id}::uuid` : sql``}
     order by s.candidate_id
     limit ${limit + 1}`;
}

/** A new assignment row (dates already defaulted to the project's). */
export interface StaffWrite {
  candidate_id: string;
  designation: string;
  status: StaffStatus;
  start_date: string;
  end_date: string;
  daily_rate: string;
}

/**
 * Inserts many assignments in one statement; existing (project, candidate) pairs are skipped and
 * simply absent from the result, which the service turns into a 409 or a skip report.
 */
export function insertStaffQuery(sql: Sql, projectId: string, rows: StaffWrite[]) {
  return sql`
    insert into public.project_staff as s
           (project_id, candidate_id, designation, status, start_date, end_date, daily_rate)
    select ${projectId}::uuid, r.candidate_id, r.designation, r.status, r.start_date, r.end_date,
           r.daily_rate
      from jsonb_to_recordset(${jsonb(sql, rows)}) as r(
             candidate_id uuid, designation text, status public.staff_status, start_date date,
             end_date date, daily_rate numeric)
    on conflict (project_id, candidate_id) do nothing
    returning ${staffColumns(sql)}`;
}

/** One assignment with its project's dates, locked for a read-modify-write. */
export function lockStaffQuery(sql: Sql, projectId: string, staffId: string) {
  return sql`
    select ${staffColumns(sql)}, p.start_date::text as project_start,
           p.end_date::text as project_end
      from public.project_staff s
      join public.projects p on p.id = s.project_id and p.deleted_at is null
     where s.id = ${staffId} and s.project_id = ${projectId}
       for update of s`;
}

/** Writes the merged assignment back. */
export function updateStaffQuery(
  sql: Sql,
  staffId: string,
  row: Omit<StaffWrite, "candidate_id">,
) {
  return sql`
    update public.project_staff s
       set designation = ${row.designation}, status = ${row.status},
           start_date = ${row.start_date}::date, end_date = ${row.end_date}::date,
           daily_rate = ${row.daily_rate}::numeric
     where s.id = ${staffId}
    returning ${staffColumns(sql)}`;
}

/** Removes an assignment that has not been completed. */
export function deleteStaffQuery(sql: Sql, staffId: string) {
  return sql`delete from public.project_staff s where s.id = ${staffId} returning s.id`;
}
