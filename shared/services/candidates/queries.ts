/**
 * The SQL of the candidates service, as builders returning postgres.js fragments (not yet run), so
 * the query-plan test can `EXPLAIN` exactly what the service runs. Every statement runs as the
 * caller (RLS applies) unless the service says otherwise.
 *
 * pg_trgm lives in schema `extensions`, which is not on the API roles' search_path locally, hence
 * the qualified `operator(extensions.%)` and `extensions.similarity`.
 */
import type { Sql } from "postgres";
import type { Position } from "../../cursor.ts";
import { jsonb, likePattern } from "../../db/rows.ts";
import { uuidLiteral } from "../../db/index.ts";
import type { BankDetails, CandidateInput, CandidatePatch } from "./rules.ts";

/** Search filters after validation; `ic` is already normalized. */
export interface SearchFilters {
  q?: string;
  ic?: string;
  status?: "active" | "inactive" | "blacklisted";
  skills?: string[];
  limit: number;
}

const recordColumns = (sql: Sql) =>
  sql`c.id, c.full_name, c.ic_number, c.date_of_birth::text as date_of_birth, c.phone, c.email, c.status, c.skills,
      c.user_id, c.created_at, c.updated_at`;

/**
 * One page of candidates, `limit + 1` rows (the extra row says a next page exists). With `q` the
 * order is relevance (trigram similarity) then id; otherwise newest first. `_sort_key` is the
 * sort value as text at full precision so the keyset cursor never skips or repeats rows.
 */
export function searchCandidatesQuery(sql: Sql, f: SearchFilters, cursor: Position | null) {
  const sim = f.q ? sql`extensions.similarity(c.full_name, ${f.q})` : sql``;
  const sortKey = f.q ? sql`${sim}::text` : sql`c.created_at::text`;
  const after = !cursor ? sql`` : f.q
    ? sql`and (${sim} < ${cursor.v}::text::real
              or (${sim} = ${cursor.v}::text::real and c.id > ${cursor.id}::uuid))`
    : sql`and (c.created_at, c.id) < (${cursor.v}::text::timestamptz, ${cursor.id}::uuid)`;
  return sql`
    select ${recordColumns(sql)}, ${sortKey} as _sort_key
      from public.candidates c
     where true
       ${f.ic ? sql`and c.ic_number = ${f.ic}` : sql``}
       ${
    f.q
      ? sql`and (c.full_name operator(extensions.%) ${f.q}
                 or c.full_name ilike ${likePattern(f.q)})`
      : sql``
  }
       ${f.status ? sql`and c.status = ${f.status}::public.candidate_status` : sql``}
       ${f.skills?.length ? sql`and c.skills @> ${sql.array(f.skills)}::text[]` : sql``}
       ${after}
     order by ${f.q ? sql`${sim} desc, c.id asc` : sql`c.created_at desc, c.id desc`}
     limit ${f.limit + 1}`;
}

/** One candidate (RLS: staff see all, crew only their own row). */
export function candidateByIdQuery(sql: Sql, id: string) {
  return sql`select ${recordColumns(sql)} from public.candidates c where c.id = ${
    uuidLiteral(sql, id)
  }`;
}

/** The bank details of one candidate (RLS: admin, finance, the candidate). */
export function bankByCandidateQuery(sql: Sql, candidateId: string) {
  return sql`
    select b.bank_name, b.account_number, b.account_holder, b.updated_at
      from public.candidate_bank_accounts b
     where b.candidate_id = ${uuidLiteral(sql, candidateId)}`;
}

/** The candidate linked to the calling user (null when none). */
export function ownCandidateIdQuery(sql: Sql) {
  return sql`select public.current_candidate_id() as id`;
}

/**
 * One page of a candidate's assignments with the project's title and dates, newest project
 * first; `limit + 1` rows. Soft-deleted projects are left out.
 */
export function assignmentsQuery(
  sql: Sql,
  candidateId: string,
  limit: number,
  cursor: Position | null,
) {
  return sql`
    select s.id, s.project_id, p.title as project_title, p.status as project_status,
           p.start_date::text as project_start_date, p.end_date::text as project_end_date,
           s.designation, s.status, s.start_date::text as start_date,
           s.end_date::text as end_date, s.daily_rate::text as daily_rate, s.created_at,
           p.start_date::text as _sort_key
      from public.project_staff s
      join public.projects p on p.id = s.project_id and p.deleted_at is null
     where s.candidate_id = ${candidateId}
       ${
    cursor ? sql`and (p.start_date, s.id) < (${cursor.v}::text::date, ${cursor.id}::uuid)` : sql``
  }
     order by p.start_date desc, s.id desc
     limit ${limit + 1}`;
}

/**
 * Earnings: paid/pending totals from the reporting view (refreshed every 5 minutes, through the
 * role-checking report function) plus the live open amount straight from payments.
 */
export function earningsQuery(sql: Sql, candidateId: string) {
  return sql`
    select coalesce(m.total_paid, 0)::numeric(14, 2)::text as total_paid,
           coalesce(m.total_pending, 0)::numeric(14, 2)::text as total_pending,
           coalesce(m.payments_count, 0) as payments_count,
           m.last_paid_at,
           live.pending::text as live_pending,
           live.open_count as live_open_count
      from (select 1) one
      left join lateral public.report_candidate_earnings(${candidateId}) m on true
     cross join lateral (
       select coalesce(sum(p.amount), 0)::numeric(14, 2) as pending, count(*)::int as open_count
         from public.payments p
        where p.candidate_id = ${candidateId} and p.status in ('pending', 'approved')) live`;
}

/** Inserts one candidate and returns the stored record (IC normalized by the trigger). */
export function insertCandidateQuery(sql: Sql, input: CandidateInput) {
  return sql`
    insert into public.candidates as c (full_name, ic_number, phone, email, status, skills)
    values (${input.full_name}, ${input.ic_number}, ${input.phone ?? null}, ${input.email ?? null},
            ${input.status ?? "active"}::public.candidate_status,
            ${sql.array(input.skills ?? [])}::text[])
    returning ${recordColumns(sql)}`;
}

/**
 * Applies the fields present in `patch` to one candidate. `ownerId` limits the update to the row
 * linked to that user (the crew self-service path, which runs without RLS).
 */
export function updateCandidateQuery(
  sql: Sql,
  id: string,
  patch: CandidatePatch,
  ownerId?: string,
) {
  const sets = Object.entries(patch).filter(([, v]) => v !== undefined).map(([k, v]) =>
    k === "skills"
      ? sql`skills = ${sql.array(v as string[])}::text[]`
      : k === "status"
      ? sql`status = ${v as string}::public.candidate_status`
      : sql`${sql(k)} = ${v as string | null}`
  );
  const assignments = sets.reduce((acc, s, i) => i === 0 ? s : sql`${acc}, ${s}`, sql``);
  return sql`
    update public.candidates as c set ${assignments}
     where c.id = ${id} ${ownerId ? sql`and c.user_id = ${ownerId}` : sql``}
    returning ${recordColumns(sql)}`;
}

/** Creates or replaces a candidate's bank details. */
export function upsertBankQuery(sql: Sql, candidateId: string, bank: BankDetails) {
  return sql`
    insert into public.candidate_bank_accounts as b
           (candidate_id, bank_name, account_number, account_holder)
    values (${candidateId}, ${bank.bank_name}, ${bank.account_number}, ${bank.account_holder})
    on conflict (candidate_id) do update
       set bank_name = excluded.bank_name, account_number = excluded.account_number,
           account_holder = excluded.account_holder
    returning b.bank_name, b.account_number, b.account_holder, b.updated_at`;
}

/**
 * Upserts one chunk of import rows in a single set-based statement, matched on the (normalized,
 * unique) IC number. Rows travel as ONE jsonb parameter, so a chunk is not bound by the 65,535
 * parameter limit. Optional fields a row leaves out keep their stored value on update.
 * The IC list is also passed as an array so the update reaches the rows through the unique index
 * (a join against the jsonb rows alone is planned as a nested loop over the whole table), and the
 * insert takes exactly the rows the update did not match — no second look at the table.
 */
export function importChunkQuery(sql: Sql, rows: CandidateInput[]) {
  const ics = rows.map((r) => r.ic_number);
  return sql`
    with r as (
      select * from jsonb_to_recordset(${jsonb(sql, rows)})
               as r(full_name text, ic_number text, phone text, email text, status text,
                    skills text[])
    ), upd as (
      update public.candidates c
         set full_name = r.full_name,
             phone = coalesce(r.phone, c.phone),
             email = coalesce(r.email, c.email),
             status = coalesce(r.status::public.candidate_status, c.status),
             skills = coalesce(r.skills, c.skills)
        from r
       where c.ic_number = any(${sql.array(ics)}::text[]) and c.ic_number = r.ic_number
      returning c.id, c.ic_number
    ), ins as (
      insert into public.candidates (full_name, ic_number, phone, email, status, skills)
      select r.full_name, r.ic_number, r.phone, r.email,
             coalesce(r.status, 'active')::public.candidate_status, coalesce(r.skills, '{}')
        from r
       where r.ic_number not in (select u.ic_number from upd u)
      returning id
    )
    select (select count(*)::int from ins) as inserted,
           (select coalesce(array_agg(id), '{}') from upd) as updated_ids`;
}
