-- =====================================================================================
-- Consolidated schema: event-crew staffing (projects, candidates, assignments, payroll,
-- expense claims, audit log, reporting).
--
-- Applied by `supabase db push` onto an empty hosted project (and the local stack, which
-- bootstraps the same roles/auth schema first). Pushed once, but every statement is written
-- to be re-runnable (if not exists / or replace / drop-then-create / cron jobs by name) so a
-- manual re-apply converges instead of failing or duplicating.
--
-- The file reads top to bottom as the data model: a few shared pieces first, then one
-- section per entity holding its table, triggers, indexes, row-level security and grants.
--
-- Contents
--    1. Extensions
--    2. Conventions: privileges and row-level security
--    3. Money
--    4. Identity and access helpers
--    5. Shared trigger functions (updated_at, money scale, audit)
--    6. Monthly partitions
--    7. projects
--    8. candidates
--    9. candidate_bank_accounts
--   10. project_staff
--   11. payments (+ payments_default)
--   12. payment_idempotency_keys
--   13. expense_claims
--   14. activity_logs (+ activity_logs_default)
--   15. project_totals
--   16. Reporting views and report functions
--   17. Timeouts
--   18. Scheduled jobs
--
-- Conventions other code relies on:
--   * Money columns use the domain public.money_amount: numeric with at most 2 decimals,
--     |x| < 10^10. A 3-decimal input ("1.005") is REJECTED (23514), never rounded; stored
--     values are normalized to scale 2 so they always print as "12.30".
--   * Illegal status transitions raise SQLSTATE 23514 (check_violation) with constraint name
--     payments_status_transition / expense_claims_status_transition.
--   * Report functions raise 42501 (insufficient_privilege) for roles they do not serve.
--   * Row access is by app role in the JWT: app_metadata.role in (admin, manager, finance, crew).
-- =====================================================================================

-- Function bodies are checked when they run, not when they are created (pg_dump does the
-- same): the access helpers in section 4 read tables that only appear further down, and
-- projects' policies (section 7) call a helper that reads project_staff (section 10).
-- Reset at the end of the file.
set check_function_bodies = off;

-- -------------------------------------------------------------------------------------
-- 1. Extensions (only ones hosted Supabase offers; placed in schema extensions as it does).
-- -------------------------------------------------------------------------------------
create schema if not exists extensions;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists pg_trgm with schema extensions;
create extension if not exists pg_stat_statements with schema extensions;

-- pg_cron only loads via shared_preload_libraries (on in hosted Supabase and the local
-- stack). Anywhere it is missing the schema must still apply, so failure is a warning and
-- the job block at the end of this file skips itself.
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_cron') then
    create extension if not exists pg_cron;
  end if;
exception when others then
  raise warning 'pg_cron unavailable (%): scheduled jobs not created', sqlerrm;
end
$$;

-- -------------------------------------------------------------------------------------
-- 2. Conventions: privileges and row-level security.
--
-- Privileges. Supabase's default privileges grant ALL (incl. TRUNCATE, which ignores RLS)
-- on every new public object to anon and authenticated. anon gets nothing from here on;
-- every section below revokes the defaults from anon and authenticated on its own objects
-- and grants only what its policies are written for. service_role keeps its full default
-- grants. Functions are executable by PUBLIC by default: each section revokes that too.
--
-- Row-level security: enabled on every table; FORCEd on the tables holding bank details and
-- idempotency records so even an owner-path query without BYPASSRLS cannot read them (the
-- service path, postgres, is superuser locally and has BYPASSRLS on hosted Supabase).
-- service_role has BYPASSRLS. anon has no policy anywhere and no privileges. Policies call
-- the section 4 helpers as `(select ...)` so the planner evaluates them once per statement.
-- -------------------------------------------------------------------------------------
alter default privileges in schema public revoke all on tables from anon;
alter default privileges in schema public revoke all on sequences from anon;
alter default privileges in schema public revoke all on functions from anon;
alter default privileges in schema public revoke execute on functions from public;

-- Policies are dropped here and recreated in each section, so a re-apply converges to
-- exactly the set this file defines.
do $$
declare
  v_pol record;
begin
  for v_pol in
    select schemaname, tablename, policyname from pg_policies
     where schemaname = 'public' and tablename in (
       'projects', 'candidates', 'candidate_bank_accounts', 'project_staff', 'payments',
       'payment_idempotency_keys', 'expense_claims', 'activity_logs', 'project_totals')
  loop
    execute format('drop policy %I on %I.%I', v_pol.policyname, v_pol.schemaname,
                   v_pol.tablename);
  end loop;
end
$$;

-- -------------------------------------------------------------------------------------
-- 3. Money. numeric(12,2) would silently round 1.005 to 1.01 before any check or trigger
-- sees it, so the domain is unconstrained numeric and the check rejects anything that
-- rounding would change. Each table's money trigger (tg_money_scale, section 5) then fixes
-- the scale at 2.
-- -------------------------------------------------------------------------------------
do $$
begin
  create domain public.money_amount as numeric
    constraint money_amount_two_decimals check (value = round(value, 2))
    constraint money_amount_precision check (abs(value) < 10000000000);
exception when duplicate_object then null;
end
$$;

-- -------------------------------------------------------------------------------------
-- 4. Identity and access helpers, used by the policies of every section.
--
-- The app role comes from the JWT (app_metadata.role). The enum lists the four roles; no
-- column uses it, app_role() returns text and accepts exactly these four.
--
-- All helpers are stable with an empty search_path. The three that look at tables are
-- SECURITY DEFINER so policies can look across tables without re-entering those tables'
-- policies (projects <-> project_staff would otherwise recurse). They return arrays so a
-- policy reads `col = any ((select fn()))`: one initplan per query.
-- -------------------------------------------------------------------------------------
do $$
begin
  create type public.app_role as enum ('admin', 'manager', 'finance', 'crew');
exception when duplicate_object then null;
end
$$;

create or replace function public.app_role()
returns text
language sql stable
set search_path = ''
as $$
  -- Only the four known roles count; anything else behaves like "no role".
  select r from (select auth.jwt() -> 'app_metadata' ->> 'role' as r) j
   where r in ('admin', 'manager', 'finance', 'crew')
$$;

-- The caller's own candidates row (crew), if any.
create or replace function public.current_candidate_id()
returns uuid
language sql stable
security definer
set search_path = ''
as $$
  select c.id from public.candidates c where c.user_id = auth.uid()
$$;

-- Projects the caller manages (manager_id).
create or replace function public.managed_project_ids()
returns uuid[]
language sql stable
security definer
set search_path = ''
as $$
  select coalesce(array_agg(p.id), '{}') from public.projects p where p.manager_id = auth.uid()
$$;

-- Projects the caller (as a candidate) is assigned to.
create or replace function public.assigned_project_ids()
returns uuid[]
language sql stable
security definer
set search_path = ''
as $$
  select coalesce(array_agg(s.project_id), '{}')
    from public.project_staff s
   where s.candidate_id = public.current_candidate_id()
$$;

revoke all on function
  public.app_role(), public.current_candidate_id(), public.managed_project_ids(),
  public.assigned_project_ids()
  from public, anon, authenticated;
grant execute on function
  public.app_role(), public.current_candidate_id(), public.managed_project_ids(),
  public.assigned_project_ids()
  to authenticated, service_role;

-- -------------------------------------------------------------------------------------
-- 5. Shared trigger functions. Wired per table in each entity's section; called only by
-- triggers, so nobody but the service role may execute them.
-- -------------------------------------------------------------------------------------
create or replace function public.tg_set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

-- Fixes the display scale of money columns (named in TG_ARGV) at 2 so "10" is stored as
-- 10.00; the domain has already rejected values that would need rounding.
create or replace function public.tg_money_scale()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_patch jsonb := '{}';
  v_col text;
  v_row jsonb := to_jsonb(new);
begin
  foreach v_col in array tg_argv loop
    if v_row ->> v_col is not null then
      v_patch := v_patch || jsonb_build_object(v_col, round((v_row ->> v_col)::numeric, 2));
    end if;
  end loop;
  return jsonb_populate_record(new, v_patch);
end
$$;

-- Audit trigger for payments, expense_claims and project_staff, writing activity_logs
-- (section 14). SECURITY DEFINER so crew inserting a claim can write the log without any
-- privilege on activity_logs. Updates store only changed columns (before/after diff).
create or replace function public.tg_audit()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  -- Never logged even if such a column is ever added to an audited table.
  c_redacted constant text[] := array[
    'ic_number', 'account_number', 'bank_name', 'account_holder'];
  v_old jsonb;
  v_new jsonb;
  v_before jsonb;
  v_after jsonb;
begin
  if current_setting('app.audit_suppressed', true) = 'on' then
    return null;
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    v_old := to_jsonb(old) - c_redacted;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    v_new := to_jsonb(new) - c_redacted;
  end if;

  if tg_op = 'UPDATE' then
    select jsonb_object_agg(o.key, o.value), jsonb_object_agg(o.key, v_new -> o.key)
      into v_before, v_after
      from jsonb_each(v_old) o
     where o.value is distinct from v_new -> o.key and o.key <> 'updated_at';
    if v_before is null then
      return null; -- nothing but updated_at changed
    end if;
  else
    v_before := v_old;
    v_after := v_new;
  end if;

  insert into public.activity_logs (actor_id, actor_role, action, entity, entity_id, before, after)
  values (
    auth.uid(),
    coalesce(public.app_role(), auth.jwt() ->> 'role', current_user),
    lower(tg_op),
    -- The parent's name, passed as the trigger argument: partitions fire cloned triggers
    -- and tg_table_name would say payments_y2025m01.
    coalesce(tg_argv[0], tg_table_name),
    (coalesce(v_new, v_old) ->> 'id')::uuid,
    v_before,
    v_after
  );
  return null;
end
$$;

revoke all on function public.tg_set_updated_at(), public.tg_money_scale(), public.tg_audit()
  from public, anon, authenticated;

-- -------------------------------------------------------------------------------------
-- 6. Monthly partitions, for payments and activity_logs (plain SQL: hosted Supabase has no
-- pg_partman). Creates <parent>_yYYYYmMM for the current month, months_ahead after it and
-- months_back before it; returns how many it created. Idempotent. Rows already sitting in
-- the DEFAULT partition for a new month are moved into it (a plain CREATE ... PARTITION OF
-- would fail). The daily cron job (section 18) keeps the window rolling.
-- -------------------------------------------------------------------------------------
create or replace function public.ensure_monthly_partitions(
  parent regclass,
  months_ahead int,
  months_back int default 0
)
returns int
language plpgsql
set search_path = ''
as $$
declare
  v_schema text;
  v_table text;
  v_key text;
  v_is_tstz boolean;
  v_default regclass;
  v_month date;
  v_lo text;
  v_hi text;
  v_name text;
  v_qualified text;
  v_has_rows boolean;
  v_created int := 0;
begin
  select n.nspname, c.relname, a.attname, a.atttypid = 'timestamptz'::regtype,
         nullif(pt.partdefid, 0)::regclass
    into v_schema, v_table, v_key, v_is_tstz, v_default
    from pg_catalog.pg_partitioned_table pt
    join pg_catalog.pg_class c on c.oid = pt.partrelid
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    join pg_catalog.pg_attribute a on a.attrelid = pt.partrelid and a.attnum = pt.partattrs[0]
   where pt.partrelid = parent and pt.partstrat = 'r' and pt.partnatts = 1;
  if v_table is null then
    raise exception '% is not a table range-partitioned on one column', parent
      using errcode = 'invalid_parameter_value';
  end if;

  for v_month in
    select generate_series(
             date_trunc('month', current_date) - make_interval(months => months_back),
             date_trunc('month', current_date) + make_interval(months => months_ahead),
             interval '1 month')::date
  loop
    v_name := format('%s_y%sm%s', v_table, to_char(v_month, 'YYYY'), to_char(v_month, 'MM'));
    v_qualified := format('%I.%I', v_schema, v_name);
    continue when to_regclass(v_qualified) is not null;

    -- Bounds in UTC for timestamptz keys so they do not depend on the session time zone.
    v_lo := to_char(v_month, 'YYYY-MM-DD') || case when v_is_tstz then ' 00:00:00+00' else '' end;
    v_hi := to_char((v_month + interval '1 month')::date, 'YYYY-MM-DD')
            || case when v_is_tstz then ' 00:00:00+00' else '' end;

    v_has_rows := false;
    if v_default is not null then
      execute format('select exists (select 1 from %s where %I >= %L and %I < %L)',
                     v_default, v_key, v_lo, v_key, v_hi)
         into v_has_rows;
    end if;

    if not v_has_rows then
      execute format('create table %s partition of %s for values from (%L) to (%L)',
                     v_qualified, parent, v_lo, v_hi);
    else
      -- Move the stray rows through a standalone table, then attach it. The audit trigger
      -- is told to stay quiet: this is housekeeping, not a business change.
      perform set_config('app.audit_suppressed', 'on', true);
      execute format('create table %s (like %s including defaults including constraints)',
                     v_qualified, parent);
      execute format('insert into %s select * from %s where %I >= %L and %I < %L',
                     v_qualified, v_default, v_key, v_lo, v_key, v_hi);
      execute format('delete from %s where %I >= %L and %I < %L',
                     v_default, v_key, v_lo, v_key, v_hi);
      execute format('alter table %s attach partition %s for values from (%L) to (%L)',
                     parent, v_qualified, v_lo, v_hi);
      perform set_config('app.audit_suppressed', 'off', true);
    end if;
    -- Partitions are reachable by name and RLS only applies to the table a query names:
    -- lock the partition itself down (RLS on, no policy, no API grants) so the parent's
    -- policies are the only way in.
    execute format('alter table %s enable row level security', v_qualified);
    execute format('revoke all on %s from anon, authenticated', v_qualified);
    v_created := v_created + 1;
  end loop;
  return v_created;
end
$$;

revoke all on function public.ensure_monthly_partitions(regclass, int, int)
  from public, anon, authenticated;
grant execute on function public.ensure_monthly_partitions(regclass, int, int) to service_role;

-- -------------------------------------------------------------------------------------
-- 7. projects: one event engagement. Soft-deleted (deleted_at) because payments and claims
-- keep referencing it for years; lists and reports only show live rows.
-- -------------------------------------------------------------------------------------
do $$
begin
  create type public.project_status as enum ('planning', 'active', 'completed', 'cancelled');
exception when duplicate_object then null;
end
$$;

create table if not exists public.projects (
  id uuid primary key default gen_random_uuid(),
  title text not null check (char_length(btrim(title)) between 1 and 200),
  client_name text,
  venue text,
  status public.project_status not null default 'planning',
  start_date date not null,
  end_date date not null,
  crew_needed int not null default 0 check (crew_needed >= 0),
  budget public.money_amount check (budget >= 0),
  manager_id uuid references auth.users (id) on delete set null,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  constraint projects_dates_ordered check (end_date >= start_date)
);

-- Triggers (drop + create keeps a re-apply converging). project_totals adds one more
-- (section 15).
drop trigger if exists trg_projects_updated_at on public.projects;
create trigger trg_projects_updated_at before update on public.projects
  for each row execute function public.tg_set_updated_at();
drop trigger if exists trg_projects_money on public.projects;
create trigger trg_projects_money before insert or update of budget on public.projects
  for each row execute function public.tg_money_scale('budget');

-- Indexes. Rule for every table: each foreign key has an index led by its column(s) (a
-- supabase/tests check enforces it). idx_projects_status_dates keeps the name from the
-- product's guide.
create index if not exists idx_projects_status_dates
  on public.projects (status, start_date, end_date);
-- Keyset pagination over live rows, and a manager's own list.
create index if not exists idx_projects_manager on public.projects (manager_id);
create index if not exists idx_projects_live_start
  on public.projects (start_date desc, id desc) where deleted_at is null;
create index if not exists idx_projects_manager_live_start
  on public.projects (manager_id, start_date desc, id desc) where deleted_at is null;
-- The list's other sort orders, and its `q` text search over title, client and venue.
create index if not exists idx_projects_live_created
  on public.projects (created_at desc, id desc) where deleted_at is null;
create index if not exists idx_projects_live_title
  on public.projects (title, id) where deleted_at is null;
create index if not exists idx_projects_title_trgm
  on public.projects using gin (title extensions.gin_trgm_ops) where deleted_at is null;
create index if not exists idx_projects_client_trgm
  on public.projects using gin (client_name extensions.gin_trgm_ops) where deleted_at is null;
create index if not exists idx_projects_venue_trgm
  on public.projects using gin (venue extensions.gin_trgm_ops) where deleted_at is null;

-- Access: admin all; finance read; manager own (manager_id) and may not hand a project to
-- someone else; crew read the projects they are assigned to.
alter table public.projects enable row level security;
create policy projects_select on public.projects for select to authenticated using (
  (select public.app_role()) in ('admin', 'finance')
  or ((select public.app_role()) = 'manager' and manager_id = (select auth.uid()))
  or ((select public.app_role()) = 'crew' and id = any ((select public.assigned_project_ids())::uuid[]))
);
create policy projects_insert on public.projects for insert to authenticated with check (
  (select public.app_role()) = 'admin'
  or ((select public.app_role()) = 'manager' and manager_id = (select auth.uid()))
);
create policy projects_update on public.projects for update to authenticated using (
  (select public.app_role()) = 'admin'
  or ((select public.app_role()) = 'manager' and manager_id = (select auth.uid()))
) with check (
  (select public.app_role()) = 'admin'
  or ((select public.app_role()) = 'manager' and manager_id = (select auth.uid()))
);
create policy projects_delete on public.projects for delete to authenticated using (
  (select public.app_role()) = 'admin'
);

revoke all on public.projects from anon, authenticated;
grant select, insert, update, delete on public.projects to authenticated;

-- -------------------------------------------------------------------------------------
-- 8. candidates: crew members. ic_number is personal data: stored normalized (digits only),
-- unique, validated; never copied into logs or reporting views. Bank details live in their
-- own table (section 9).
-- -------------------------------------------------------------------------------------
do $$
begin
  create type public.candidate_status as enum ('active', 'inactive', 'blacklisted');
exception when duplicate_object then null;
end
$$;

-- Malaysian IC numbers. normalize_ic strips spaces and dashes.
create or replace function public.normalize_ic(p_ic text)
returns text
language sql immutable
set search_path = ''
as $$
  select regexp_replace(p_ic, '[\s-]', '', 'g')
$$;

-- Birth date encoded in a Malaysian IC (YYMMDD...). Century: 19YY when YY is greater than
-- the current two-digit year, else 20YY. Null when the IC is malformed, the date does not
-- exist (991332, 000000, 010229) or lies in the future.
create or replace function public.ic_birth_date(p_ic text)
returns date
language plpgsql stable
set search_path = ''
as $$
declare
  v_ic text := public.normalize_ic(p_ic);
  v_yy int;
  v_mm int;
  v_dd int;
  v_year int;
  v_dob date;
begin
  if v_ic is null or v_ic !~ '^[0-9]{12}$' then
    return null;
  end if;
  v_yy := substr(v_ic, 1, 2)::int;
  v_mm := substr(v_ic, 3, 2)::int;
  v_dd := substr(v_ic, 5, 2)::int;
  if v_mm not between 1 and 12 or v_dd < 1 then
    return null;
  end if;
  v_year := case when v_yy > extract(year from current_date)::int % 100
                 then 1900 + v_yy else 2000 + v_yy end;
  if v_dd > extract(day from make_date(v_year, v_mm, 1) + interval '1 month - 1 day') then
    return null;
  end if;
  v_dob := make_date(v_year, v_mm, v_dd);
  return case when v_dob <= current_date then v_dob end;
end
$$;

create or replace function public.is_ic_valid(p_ic text)
returns boolean
language sql stable
set search_path = ''
as $$
  select public.ic_birth_date(p_ic) is not null
$$;

create table if not exists public.candidates (
  id uuid primary key default gen_random_uuid(),
  full_name text not null check (char_length(btrim(full_name)) between 1 and 200),
  ic_number text not null unique,
  -- Derived from the IC by trigger (a generated column cannot depend on the current year).
  date_of_birth date,
  phone text,
  email text,
  status public.candidate_status not null default 'active',
  skills text[] not null default '{}',
  user_id uuid unique references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint candidates_ic_normalized check (ic_number ~ '^[0-9]{12}$'),
  constraint candidates_ic_valid check (public.is_ic_valid(ic_number))
);

-- Runs before the checks, so "900101-14-5678" is accepted and stored as 900101145678.
create or replace function public.tg_candidates_normalize_ic()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.ic_number := public.normalize_ic(new.ic_number);
  new.date_of_birth := public.ic_birth_date(new.ic_number);
  return new;
end
$$;

drop trigger if exists trg_candidates_updated_at on public.candidates;
create trigger trg_candidates_updated_at before update on public.candidates
  for each row execute function public.tg_set_updated_at();
drop trigger if exists trg_candidates_normalize_ic on public.candidates;
create trigger trg_candidates_normalize_ic before insert or update of ic_number
  on public.candidates for each row execute function public.tg_candidates_normalize_ic();

-- idx_candidates_ic_status keeps the name from the product's guide. Then fuzzy name search,
-- skill filter, newest-first listing.
create index if not exists idx_candidates_ic_status on public.candidates (ic_number, status);
create index if not exists idx_candidates_full_name_trgm
  on public.candidates using gin (full_name extensions.gin_trgm_ops);
create index if not exists idx_candidates_skills on public.candidates using gin (skills);
create index if not exists idx_candidates_created
  on public.candidates (created_at desc, id desc);
create index if not exists idx_candidates_status on public.candidates (status);

-- Access: staff roles see everyone (managers staff projects); crew only their own row.
-- Admin and managers onboard candidates; only admin deletes.
alter table public.candidates enable row level security;
create policy candidates_select on public.candidates for select to authenticated using (
  (select public.app_role()) in ('admin', 'manager', 'finance')
  or ((select public.app_role()) = 'crew' and user_id = (select auth.uid()))
);
create policy candidates_insert on public.candidates for insert to authenticated with check (
  (select public.app_role()) in ('admin', 'manager')
);
create policy candidates_update on public.candidates for update to authenticated
  using ((select public.app_role()) in ('admin', 'manager'))
  with check ((select public.app_role()) in ('admin', 'manager'));
create policy candidates_delete on public.candidates for delete to authenticated using (
  (select public.app_role()) = 'admin'
);

revoke all on public.candidates from anon, authenticated;
grant select, insert, update, delete on public.candidates to authenticated;
-- The IC helpers are callable by clients (validation before submitting a form).
revoke all on function
  public.normalize_ic(text), public.ic_birth_date(text), public.is_ic_valid(text),
  public.tg_candidates_normalize_ic()
  from public, anon, authenticated;
grant execute on function
  public.normalize_ic(text), public.ic_birth_date(text), public.is_ic_valid(text)
  to authenticated, service_role;

-- -------------------------------------------------------------------------------------
-- 9. candidate_bank_accounts: split from candidates so only admin, finance and the owner can
-- read it (RLS cannot hide columns; a separate table can). One row per candidate.
-- -------------------------------------------------------------------------------------
create table if not exists public.candidate_bank_accounts (
  candidate_id uuid primary key references public.candidates (id) on delete cascade,
  bank_name text not null,
  account_number text not null,
  account_holder text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

drop trigger if exists trg_candidate_bank_accounts_updated_at on public.candidate_bank_accounts;
create trigger trg_candidate_bank_accounts_updated_at before update
  on public.candidate_bank_accounts
  for each row execute function public.tg_set_updated_at();

-- (The primary key is the foreign key's index.)

-- Access: admin, finance and the candidate themself; nobody else, managers included. RLS is
-- FORCEd (section 2).
alter table public.candidate_bank_accounts enable row level security;
alter table public.candidate_bank_accounts force row level security;
create policy bank_accounts_select on public.candidate_bank_accounts for select
  to authenticated using (
    (select public.app_role()) in ('admin', 'finance')
    or ((select public.app_role()) = 'crew'
        and candidate_id = (select public.current_candidate_id()))
  );
create policy bank_accounts_insert on public.candidate_bank_accounts for insert
  to authenticated with check (
    (select public.app_role()) in ('admin', 'finance')
    or ((select public.app_role()) = 'crew'
        and candidate_id = (select public.current_candidate_id()))
  );
create policy bank_accounts_update on public.candidate_bank_accounts for update
  to authenticated using (
    (select public.app_role()) in ('admin', 'finance')
    or ((select public.app_role()) = 'crew'
        and candidate_id = (select public.current_candidate_id()))
  ) with check (
    (select public.app_role()) in ('admin', 'finance')
    or ((select public.app_role()) = 'crew'
        and candidate_id = (select public.current_candidate_id()))
  );
create policy bank_accounts_delete on public.candidate_bank_accounts for delete
  to authenticated using ((select public.app_role()) = 'admin');

revoke all on public.candidate_bank_accounts from anon, authenticated;
grant select, insert, update, delete on public.candidate_bank_accounts to authenticated;

-- -------------------------------------------------------------------------------------
-- 10. project_staff: a candidate assigned to a project at a daily rate; at most one
-- assignment per candidate and project. Audited (activity_logs) and summed into
-- project_totals (section 15).
-- -------------------------------------------------------------------------------------
do $$
begin
  create type public.staff_status as enum ('invited', 'confirmed', 'cancelled', 'completed');
exception when duplicate_object then null;
end
$$;

create table if not exists public.project_staff (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  candidate_id uuid not null references public.candidates (id),
  designation text not null default 'crew',
  status public.staff_status not null default 'invited',
  start_date date,
  end_date date,
  daily_rate public.money_amount not null default 0 check (daily_rate >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint project_staff_dates_ordered check (end_date >= start_date),
  constraint project_staff_project_candidate_key unique (project_id, candidate_id)
);

drop trigger if exists trg_project_staff_updated_at on public.project_staff;
create trigger trg_project_staff_updated_at before update on public.project_staff
  for each row execute function public.tg_set_updated_at();
drop trigger if exists trg_project_staff_money on public.project_staff;
create trigger trg_project_staff_money before insert or update of daily_rate
  on public.project_staff for each row execute function public.tg_money_scale('daily_rate');
drop trigger if exists trg_project_staff_audit on public.project_staff;
create trigger trg_project_staff_audit after insert or update or delete on public.project_staff
  for each row execute function public.tg_audit('project_staff');

-- idx_project_staff_composite keeps the name from the product's guide.
create index if not exists idx_project_staff_composite
  on public.project_staff (project_id, candidate_id, status);
create index if not exists idx_project_staff_candidate
  on public.project_staff (candidate_id, status);

-- Access: admin all; finance read; manager full control on own projects; crew read own.
alter table public.project_staff enable row level security;
create policy project_staff_select on public.project_staff for select to authenticated using (
  (select public.app_role()) in ('admin', 'finance')
  or ((select public.app_role()) = 'manager'
      and project_id = any ((select public.managed_project_ids())::uuid[]))
  or ((select public.app_role()) = 'crew'
      and candidate_id = (select public.current_candidate_id()))
);
create policy project_staff_insert on public.project_staff for insert to authenticated
  with check (
    (select public.app_role()) = 'admin'
    or ((select public.app_role()) = 'manager'
        and project_id = any ((select public.managed_project_ids())::uuid[]))
  );
create policy project_staff_update on public.project_staff for update to authenticated using (
  (select public.app_role()) = 'admin'
  or ((select public.app_role()) = 'manager'
      and project_id = any ((select public.managed_project_ids())::uuid[]))
) with check (
  (select public.app_role()) = 'admin'
  or ((select public.app_role()) = 'manager'
      and project_id = any ((select public.managed_project_ids())::uuid[]))
);
create policy project_staff_delete on public.project_staff for delete to authenticated using (
  (select public.app_role()) = 'admin'
  or ((select public.app_role()) = 'manager'
      and project_id = any ((select public.managed_project_ids())::uuid[]))
);

revoke all on public.project_staff from anon, authenticated;
grant select, insert, update, delete on public.project_staff to authenticated;

-- -------------------------------------------------------------------------------------
-- 11. payments: the payroll ledger, the largest table. Range-partitioned by month of
-- payment_date so reports and retention touch only the months they need (section 6). The
-- primary key must include the partition key, hence (id, payment_date).
--
-- Status machine: pending -> approved | cancelled; approved -> paid | failed | cancelled.
-- It guards UPDATEs for every role (service role and owner included): rows may be inserted
-- in any status (imports, seed), but once stored they only move forward. Violations raise
-- 23514 check_violation naming the pseudo-constraint payments_status_transition.
-- -------------------------------------------------------------------------------------
do $$
begin
  create type public.payment_status as enum ('pending', 'approved', 'paid', 'failed', 'cancelled');
exception when duplicate_object then null;
end
$$;
do $$
begin
  create type public.payment_method as enum ('bank_transfer', 'duitnow', 'cash', 'cheque');
exception when duplicate_object then null;
end
$$;

create table if not exists public.payments (
  id uuid not null default gen_random_uuid(),
  project_id uuid not null references public.projects (id),
  candidate_id uuid not null references public.candidates (id),
  amount public.money_amount not null check (amount > 0),
  payment_date date not null,
  status public.payment_status not null default 'pending',
  method public.payment_method not null default 'bank_transfer',
  reference text,
  period_start date,
  period_end date,
  approved_by uuid,
  approved_at timestamptz,
  paid_at timestamptz,
  failure_reason text,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint payments_period_ordered check (period_end >= period_start),
  primary key (id, payment_date)
) partition by range (payment_date);

-- Rows outside every monthly partition (far future, old imports) land here instead of
-- failing; ensure_monthly_partitions moves them out when their month gets a partition.
create table if not exists public.payments_default partition of public.payments default;

create or replace function public.tg_payments_status()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status is distinct from old.status then
    if not (
      (old.status = 'pending' and new.status in ('approved', 'cancelled')) or
      (old.status = 'approved' and new.status in ('paid', 'failed', 'cancelled'))
    ) then
      raise exception 'invalid payment status transition: % -> %', old.status, new.status
        using errcode = 'check_violation', constraint = 'payments_status_transition',
              table = 'payments', schema = 'public';
    end if;
    if new.status = 'approved' then
      new.approved_at := coalesce(new.approved_at, now());
      new.approved_by := coalesce(new.approved_by, auth.uid());
    elsif new.status = 'paid' then
      new.paid_at := coalesce(new.paid_at, now());
    end if;
  end if;
  return new;
end
$$;

-- Row triggers on the partitioned table are cloned onto every partition.
drop trigger if exists trg_payments_updated_at on public.payments;
create trigger trg_payments_updated_at before update on public.payments
  for each row execute function public.tg_set_updated_at();
drop trigger if exists trg_payments_money on public.payments;
create trigger trg_payments_money before insert or update of amount on public.payments
  for each row execute function public.tg_money_scale('amount');
drop trigger if exists trg_payments_status on public.payments;
create trigger trg_payments_status before update on public.payments
  for each row execute function public.tg_payments_status();
drop trigger if exists trg_payments_audit on public.payments;
create trigger trg_payments_audit after insert or update or delete on public.payments
  for each row execute function public.tg_audit('payments');

-- idx_payments_date_status keeps the name from the product's guide. Then per-candidate and
-- per-project history, the finance work queue, and lookups by id alone.
create index if not exists idx_payments_date_status on public.payments (payment_date, status);
create index if not exists idx_payments_candidate_date
  on public.payments (candidate_id, payment_date desc);
create index if not exists idx_payments_project_date
  on public.payments (project_id, payment_date desc);
create index if not exists idx_payments_open_status
  on public.payments (status, payment_date) where status in ('pending', 'approved');
create index if not exists idx_payments_id on public.payments (id);

-- Access: admin and finance write (status moves are further limited by the trigger);
-- managers read their projects' payments; crew read their own. The partitions have RLS on
-- and no grants, so the parent is the only way in.
alter table public.payments enable row level security;
alter table public.payments_default enable row level security;
create policy payments_select on public.payments for select to authenticated using (
  (select public.app_role()) in ('admin', 'finance')
  or ((select public.app_role()) = 'manager'
      and project_id = any ((select public.managed_project_ids())::uuid[]))
  or ((select public.app_role()) = 'crew'
      and candidate_id = (select public.current_candidate_id()))
);
create policy payments_insert on public.payments for insert to authenticated with check (
  (select public.app_role()) in ('admin', 'finance')
);
create policy payments_update on public.payments for update to authenticated
  using ((select public.app_role()) in ('admin', 'finance'))
  with check ((select public.app_role()) in ('admin', 'finance'));
create policy payments_delete on public.payments for delete to authenticated using (
  (select public.app_role()) = 'admin'
);

revoke all on public.payments, public.payments_default from anon, authenticated;
grant select, insert, update, delete on public.payments to authenticated;
revoke all on function public.tg_payments_status() from public, anon, authenticated;

-- 24 months of history (the seed's range) plus 3 ahead; the daily cron job keeps it rolling.
select public.ensure_monthly_partitions('public.payments', 3, 24);

-- -------------------------------------------------------------------------------------
-- 12. payment_idempotency_keys: the stored outcome of a payment request, so a client retry
-- with the same key gets the first answer instead of paying twice. Unpartitioned on
-- purpose: a unique key on a partitioned table would have to include payment_date, which a
-- client retry does not know. Payroll runs use deterministic keys
-- 'payroll:<project>:<candidate>:<start>:<end>'.
-- Access: service path only (postgres / service_role); authenticated has no privileges and
-- there is deliberately no policy; RLS is FORCEd (section 2).
-- -------------------------------------------------------------------------------------
create table if not exists public.payment_idempotency_keys (
  key text primary key,
  user_id uuid,
  request_hash text not null,
  payment_id uuid,
  payment_date date,
  response jsonb,
  status_code int,
  created_at timestamptz not null default now()
);

-- Expiry sweeps go by age.
create index if not exists idx_payment_idempotency_keys_created
  on public.payment_idempotency_keys (created_at);

alter table public.payment_idempotency_keys enable row level security;
alter table public.payment_idempotency_keys force row level security;

revoke all on public.payment_idempotency_keys from anon, authenticated;

-- -------------------------------------------------------------------------------------
-- 13. expense_claims: out-of-pocket costs a candidate claims against a project. A rejected
-- claim must say why (rejection_reason).
--
-- Status machine: draft -> submitted -> approved | rejected; approved -> paid. Guarded like
-- payments' (section 11), pseudo-constraint expense_claims_status_transition; each move
-- stamps its timestamp (submitted_at, decided_at/decided_by, paid_at).
-- -------------------------------------------------------------------------------------
do $$
begin
  create type public.claim_status as enum ('draft', 'submitted', 'approved', 'rejected', 'paid');
exception when duplicate_object then null;
end
$$;
do $$
begin
  create type public.claim_category as enum (
    'transport', 'meals', 'accommodation', 'equipment', 'other');
exception when duplicate_object then null;
end
$$;

create table if not exists public.expense_claims (
  id uuid primary key default gen_random_uuid(),
  candidate_id uuid not null references public.candidates (id),
  project_id uuid not null references public.projects (id),
  category public.claim_category not null,
  amount public.money_amount not null check (amount > 0),
  description text,
  receipt_path text,
  status public.claim_status not null default 'draft',
  submitted_at timestamptz,
  decided_by uuid,
  decided_at timestamptz,
  rejection_reason text,
  paid_at timestamptz,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint expense_claims_rejection_reason check (
    status <> 'rejected' or char_length(btrim(coalesce(rejection_reason, ''))) > 0
  )
);

create or replace function public.tg_expense_claims_status()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status is distinct from old.status then
    if not (
      (old.status = 'draft' and new.status = 'submitted') or
      (old.status = 'submitted' and new.status in ('approved', 'rejected')) or
      (old.status = 'approved' and new.status = 'paid')
    ) then
      raise exception 'invalid expense claim status transition: % -> %', old.status, new.status
        using errcode = 'check_violation', constraint = 'expense_claims_status_transition',
              table = 'expense_claims', schema = 'public';
    end if;
    if new.status = 'submitted' then
      new.submitted_at := coalesce(new.submitted_at, now());
    elsif new.status in ('approved', 'rejected') then
      new.decided_at := coalesce(new.decided_at, now());
      new.decided_by := coalesce(new.decided_by, auth.uid());
    elsif new.status = 'paid' then
      new.paid_at := coalesce(new.paid_at, now());
    end if;
  end if;
  return new;
end
$$;

-- Inserts get the same timestamp stamping so a claim created already 'submitted' has one.
create or replace function public.tg_expense_claims_stamp_insert()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status <> 'draft' then
    new.submitted_at := coalesce(new.submitted_at, now());
  end if;
  return new;
end
$$;

drop trigger if exists trg_expense_claims_updated_at on public.expense_claims;
create trigger trg_expense_claims_updated_at before update on public.expense_claims
  for each row execute function public.tg_set_updated_at();
drop trigger if exists trg_expense_claims_money on public.expense_claims;
create trigger trg_expense_claims_money before insert or update of amount on public.expense_claims
  for each row execute function public.tg_money_scale('amount');
drop trigger if exists trg_expense_claims_status on public.expense_claims;
create trigger trg_expense_claims_status before update on public.expense_claims
  for each row execute function public.tg_expense_claims_status();
drop trigger if exists trg_expense_claims_stamp_insert on public.expense_claims;
create trigger trg_expense_claims_stamp_insert before insert on public.expense_claims
  for each row execute function public.tg_expense_claims_stamp_insert();
drop trigger if exists trg_expense_claims_audit on public.expense_claims;
create trigger trg_expense_claims_audit after insert or update or delete on public.expense_claims
  for each row execute function public.tg_audit('expense_claims');

-- idx_expense_claims_project_status keeps the name from the product's guide. Then a
-- candidate's claims, the status queues, and finance's unfiltered newest-first queue.
create index if not exists idx_expense_claims_project_status
  on public.expense_claims (project_id, status);
create index if not exists idx_expense_claims_candidate_created
  on public.expense_claims (candidate_id, created_at desc);
create index if not exists idx_expense_claims_status_created
  on public.expense_claims (status, created_at);
create index if not exists idx_expense_claims_created
  on public.expense_claims (created_at desc, id desc);

-- Access: crew create claims for projects they work on and edit them while draft (ending in
-- draft or submitted); finance decides and pays; managers read their projects'.
alter table public.expense_claims enable row level security;
create policy expense_claims_select on public.expense_claims for select to authenticated using (
  (select public.app_role()) in ('admin', 'finance')
  or ((select public.app_role()) = 'manager'
      and project_id = any ((select public.managed_project_ids())::uuid[]))
  or ((select public.app_role()) = 'crew'
      and candidate_id = (select public.current_candidate_id()))
);
create policy expense_claims_insert on public.expense_claims for insert to authenticated
  with check (
    (select public.app_role()) in ('admin', 'finance')
    or ((select public.app_role()) = 'crew'
        and candidate_id = (select public.current_candidate_id())
        and project_id = any ((select public.assigned_project_ids())::uuid[])
        and status in ('draft', 'submitted'))
  );
create policy expense_claims_update on public.expense_claims for update to authenticated using (
  (select public.app_role()) in ('admin', 'finance')
  or ((select public.app_role()) = 'crew'
      and candidate_id = (select public.current_candidate_id())
      and status = 'draft')
) with check (
  (select public.app_role()) in ('admin', 'finance')
  or ((select public.app_role()) = 'crew'
      and candidate_id = (select public.current_candidate_id())
      and project_id = any ((select public.assigned_project_ids())::uuid[])
      and status in ('draft', 'submitted'))
);
create policy expense_claims_delete on public.expense_claims for delete to authenticated using (
  (select public.app_role()) = 'admin'
  or ((select public.app_role()) = 'crew'
      and candidate_id = (select public.current_candidate_id())
      and status = 'draft')
);

revoke all on public.expense_claims from anon, authenticated;
grant select, insert, update, delete on public.expense_claims to authenticated;
revoke all on function
  public.tg_expense_claims_status(), public.tg_expense_claims_stamp_insert()
  from public, anon, authenticated;

-- -------------------------------------------------------------------------------------
-- 14. activity_logs: append-only audit trail, partitioned by month like payments. Written
-- only by tg_audit (section 5) for payments, expense_claims and project_staff. Holds only
-- changed columns (before/after diff); personal-data keys are stripped by the trigger.
-- -------------------------------------------------------------------------------------
create table if not exists public.activity_logs (
  id bigint generated always as identity,
  occurred_at timestamptz not null default now(),
  actor_id uuid,
  actor_role text,
  action text not null check (action in ('insert', 'update', 'delete')),
  entity text not null,
  entity_id uuid,
  before jsonb,
  after jsonb,
  primary key (id, occurred_at)
) partition by range (occurred_at);

create table if not exists public.activity_logs_default partition of public.activity_logs default;

-- An entity's history, and an actor's.
create index if not exists idx_activity_logs_entity
  on public.activity_logs (entity, entity_id, occurred_at desc);
create index if not exists idx_activity_logs_actor
  on public.activity_logs (actor_id, occurred_at desc);

-- Access: read by admin and finance (payments are audited for finance).
alter table public.activity_logs enable row level security;
alter table public.activity_logs_default enable row level security;
create policy activity_logs_select on public.activity_logs for select to authenticated using (
  (select public.app_role()) in ('admin', 'finance')
);

revoke all on public.activity_logs, public.activity_logs_default from anon, authenticated;
revoke all on sequence public.activity_logs_id_seq from anon, authenticated;
grant select on public.activity_logs to authenticated;

select public.ensure_monthly_partitions('public.activity_logs', 3, 24);

-- -------------------------------------------------------------------------------------
-- 15. project_totals: a project's staff and money figures, kept current by statement-level
-- triggers, so reading a project's financials is one primary-key lookup instead of an
-- aggregate over its payments in every monthly partition (hot projects hold thousands).
-- Same definitions as live_project_financials(): pending = pending + approved; the daily
-- rate total leaves cancelled assignments out. Writers to one project serialize on its row
-- for the rest of their transaction; rows are locked in project_id order so two multi-project
-- statements cannot deadlock. Bulk loads that bypass triggers (the seed) call
-- rebuild_project_totals() afterwards.
-- -------------------------------------------------------------------------------------
create table if not exists public.project_totals (
  project_id uuid primary key references public.projects (id) on delete cascade,
  staff_invited int not null default 0,
  staff_confirmed int not null default 0,
  staff_cancelled int not null default 0,
  staff_completed int not null default 0,
  total_daily_rate numeric(14, 2) not null default 0,
  payments_paid numeric(14, 2) not null default 0,
  payments_pending numeric(14, 2) not null default 0,
  payments_count int not null default 0,
  claims_approved numeric(14, 2) not null default 0,
  claims_paid numeric(14, 2) not null default 0,
  updated_at timestamptz not null default now()
);

-- Recomputes the totals of the given projects (all when null) from the rows themselves.
create or replace function public.rebuild_project_totals(p_project_ids uuid[] default null)
returns void
language sql
security definer
set search_path = ''
as $$
  insert into public.project_totals as t (
    project_id, staff_invited, staff_confirmed, staff_cancelled, staff_completed,
    total_daily_rate, payments_paid, payments_pending, payments_count, claims_approved,
    claims_paid, updated_at)
  select p.id,
         coalesce(s.invited, 0), coalesce(s.confirmed, 0), coalesce(s.cancelled, 0),
         coalesce(s.completed, 0), coalesce(s.rate, 0), coalesce(pay.paid, 0),
         coalesce(pay.pending, 0), coalesce(pay.n, 0), coalesce(c.approved, 0),
         coalesce(c.paid, 0), now()
    from public.projects p
    left join (
      select project_id,
             count(*) filter (where status = 'invited') as invited,
             count(*) filter (where status = 'confirmed') as confirmed,
             count(*) filter (where status = 'cancelled') as cancelled,
             count(*) filter (where status = 'completed') as completed,
             sum(daily_rate) filter (where status <> 'cancelled') as rate
        from public.project_staff
       where p_project_ids is null or project_id = any (p_project_ids)
       group by project_id) s on s.project_id = p.id
    left join (
      select project_id,
             sum(amount) filter (where status = 'paid') as paid,
             sum(amount) filter (where status in ('pending', 'approved')) as pending,
             count(*) as n
        from public.payments
       where p_project_ids is null or project_id = any (p_project_ids)
       group by project_id) pay on pay.project_id = p.id
    left join (
      select project_id,
             sum(amount) filter (where status = 'approved') as approved,
             sum(amount) filter (where status = 'paid') as paid
        from public.expense_claims
       where p_project_ids is null or project_id = any (p_project_ids)
       group by project_id) c on c.project_id = p.id
   where p_project_ids is null or p.id = any (p_project_ids)
  on conflict (project_id) do update set
    staff_invited = excluded.staff_invited, staff_confirmed = excluded.staff_confirmed,
    staff_cancelled = excluded.staff_cancelled, staff_completed = excluded.staff_completed,
    total_daily_rate = excluded.total_daily_rate, payments_paid = excluded.payments_paid,
    payments_pending = excluded.payments_pending, payments_count = excluded.payments_count,
    claims_approved = excluded.claims_approved, claims_paid = excluded.claims_paid,
    updated_at = excluded.updated_at
$$;

-- Adds one statement's changes to the rows of `kind` (staff, payment, claim). `changes` holds
-- each touched row's images: the new one with sign +1, the old one with sign -1, so an update
-- moves money between columns and a delete takes it away. The money is `amount`, or
-- `daily_rate` for staff.
create or replace function public.apply_project_totals(kind text, changes jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Lock in a fixed order first: concurrent statements over the same projects queue up
  -- instead of deadlocking.
  perform 1 from public.project_totals
   where project_id in (select (e ->> 'project_id')::uuid from jsonb_array_elements(changes) e)
   order by project_id for update;
  update public.project_totals t set
    staff_invited = t.staff_invited + d.invited,
    staff_confirmed = t.staff_confirmed + d.confirmed,
    staff_cancelled = t.staff_cancelled + d.cancelled,
    staff_completed = t.staff_completed + d.completed,
    total_daily_rate = t.total_daily_rate + d.rate,
    payments_paid = t.payments_paid + d.paid,
    payments_pending = t.payments_pending + d.pending,
    payments_count = t.payments_count + d.n,
    claims_approved = t.claims_approved + d.claims_approved,
    claims_paid = t.claims_paid + d.claims_paid,
    updated_at = now()
  from (
    select project_id,
           coalesce(sum(sign) filter (where kind = 'staff' and status = 'invited'), 0) as invited,
           coalesce(sum(sign) filter (where kind = 'staff' and status = 'confirmed'), 0)
             as confirmed,
           coalesce(sum(sign) filter (where kind = 'staff' and status = 'cancelled'), 0)
             as cancelled,
           coalesce(sum(sign) filter (where kind = 'staff' and status = 'completed'), 0)
             as completed,
           coalesce(sum(sign * amount)
             filter (where kind = 'staff' and status <> 'cancelled'), 0) as rate,
           coalesce(sum(sign * amount) filter (where kind = 'payment' and status = 'paid'), 0)
             as paid,
           coalesce(sum(sign * amount)
             filter (where kind = 'payment' and status in ('pending', 'approved')), 0) as pending,
           coalesce(sum(sign) filter (where kind = 'payment'), 0) as n,
           coalesce(sum(sign * amount) filter (where kind = 'claim' and status = 'approved'), 0)
             as claims_approved,
           coalesce(sum(sign * amount) filter (where kind = 'claim' and status = 'paid'), 0)
             as claims_paid
      from (select project_id, sign, status, coalesce(amount, daily_rate) as amount
              from jsonb_to_recordset(changes) as x(project_id uuid, sign int, status text,
                                                    amount numeric, daily_rate numeric)) x
     group by project_id) d
  where t.project_id = d.project_id;
end
$$;

-- One trigger function for the three tables and three events. Transition tables exist only
-- for the events that have them; plpgsql plans a branch when it first runs it, so each
-- branch names only the tables its event provides.
create or replace function public.tg_project_totals()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  changes jsonb;
begin
  if tg_op = 'INSERT' then
    select jsonb_agg(to_jsonb(r) || '{"sign": 1}') into changes from new_rows r;
  elsif tg_op = 'DELETE' then
    select jsonb_agg(to_jsonb(r) || '{"sign": -1}') into changes from old_rows r;
  else
    select jsonb_agg(x.image) into changes from (
      select to_jsonb(r) || '{"sign": 1}' as image from new_rows r
      union all
      select to_jsonb(r) || '{"sign": -1}' from old_rows r) x;
  end if;
  if changes is not null then
    perform public.apply_project_totals(
      case tg_table_name when 'project_staff' then 'staff' when 'payments' then 'payment'
        else 'claim' end,
      changes);
  end if;
  return null;
end
$$;

-- A new project starts with zeros, so the triggers below always find its row.
create or replace function public.tg_project_totals_row()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.project_totals (project_id) values (new.id) on conflict do nothing;
  return null;
end
$$;

-- The wiring, on the tables whose rows the totals sum up.
drop trigger if exists trg_projects_totals_row on public.projects;
create trigger trg_projects_totals_row after insert on public.projects
  for each row execute function public.tg_project_totals_row();

drop trigger if exists trg_project_staff_totals_ins on public.project_staff;
drop trigger if exists trg_project_staff_totals_upd on public.project_staff;
drop trigger if exists trg_project_staff_totals_del on public.project_staff;
create trigger trg_project_staff_totals_ins after insert on public.project_staff
  referencing new table as new_rows
  for each statement execute function public.tg_project_totals();
create trigger trg_project_staff_totals_upd after update on public.project_staff
  referencing old table as old_rows new table as new_rows
  for each statement execute function public.tg_project_totals();
create trigger trg_project_staff_totals_del after delete on public.project_staff
  referencing old table as old_rows
  for each statement execute function public.tg_project_totals();

drop trigger if exists trg_payments_totals_ins on public.payments;
drop trigger if exists trg_payments_totals_upd on public.payments;
drop trigger if exists trg_payments_totals_del on public.payments;
create trigger trg_payments_totals_ins after insert on public.payments
  referencing new table as new_rows
  for each statement execute function public.tg_project_totals();
create trigger trg_payments_totals_upd after update on public.payments
  referencing old table as old_rows new table as new_rows
  for each statement execute function public.tg_project_totals();
create trigger trg_payments_totals_del after delete on public.payments
  referencing old table as old_rows
  for each statement execute function public.tg_project_totals();

drop trigger if exists trg_expense_claims_totals_ins on public.expense_claims;
drop trigger if exists trg_expense_claims_totals_upd on public.expense_claims;
drop trigger if exists trg_expense_claims_totals_del on public.expense_claims;
create trigger trg_expense_claims_totals_ins after insert on public.expense_claims
  referencing new table as new_rows
  for each statement execute function public.tg_project_totals();
create trigger trg_expense_claims_totals_upd after update on public.expense_claims
  referencing old table as old_rows new table as new_rows
  for each statement execute function public.tg_project_totals();
create trigger trg_expense_claims_totals_del after delete on public.expense_claims
  referencing old table as old_rows
  for each statement execute function public.tg_project_totals();

-- Existing data (a push onto a database that already holds projects) starts out right.
select public.rebuild_project_totals();

-- Access: whoever may see the project may see its totals (the subquery runs under
-- projects' RLS). Written only by the triggers.
alter table public.project_totals enable row level security;
create policy project_totals_select on public.project_totals for select to authenticated
  using (exists (select 1 from public.projects p where p.id = project_totals.project_id));

revoke all on public.project_totals from anon, authenticated;
grant select on public.project_totals to authenticated;
revoke all on function
  public.rebuild_project_totals(uuid[]), public.apply_project_totals(text, jsonb),
  public.tg_project_totals(), public.tg_project_totals_row()
  from public, anon, authenticated;

-- -------------------------------------------------------------------------------------
-- 16. Reporting: materialized views for dashboards (refreshed every 5 minutes, section 18)
-- and LIVE functions computing the same numbers (the benchmark compares the two; a test
-- asserts they agree). MVs have no RLS, so they are never granted: access goes through
-- SECURITY DEFINER report_* functions that check the caller's app role.
-- -------------------------------------------------------------------------------------
create materialized view if not exists public.mv_project_financials as
select p.id as project_id,
       coalesce(s.staff_total, 0)::int as staff_total,
       coalesce(s.staff_confirmed, 0)::int as staff_confirmed,
       coalesce(pay.paid, 0)::numeric(14, 2) as payments_paid,
       coalesce(pay.pending, 0)::numeric(14, 2) as payments_pending,
       coalesce(pay.cnt, 0)::int as payments_count,
       coalesce(c.approved, 0)::numeric(14, 2) as claims_approved,
       coalesce(c.paid, 0)::numeric(14, 2) as claims_paid,
       now() as refreshed_at
  from public.projects p
  left join (
    select project_id,
           count(*) filter (where status <> 'cancelled') as staff_total,
           count(*) filter (where status in ('confirmed', 'completed')) as staff_confirmed
      from public.project_staff group by project_id
  ) s on s.project_id = p.id
  left join (
    select project_id,
           sum(amount) filter (where status = 'paid') as paid,
           sum(amount) filter (where status in ('pending', 'approved')) as pending,
           count(*) as cnt
      from public.payments group by project_id
  ) pay on pay.project_id = p.id
  left join (
    select project_id,
           sum(amount) filter (where status = 'approved') as approved,
           sum(amount) filter (where status = 'paid') as paid
      from public.expense_claims group by project_id
  ) c on c.project_id = p.id
 where p.deleted_at is null;
create unique index if not exists mv_project_financials_pk
  on public.mv_project_financials (project_id);

create materialized view if not exists public.mv_monthly_payments as
select date_trunc('month', payment_date)::date as month,
       status,
       count(*)::int as payments_count,
       sum(amount)::numeric(14, 2) as total_amount
  from public.payments
 group by 1, 2;
create unique index if not exists mv_monthly_payments_pk
  on public.mv_monthly_payments (month, status);

create materialized view if not exists public.mv_candidate_earnings as
select candidate_id,
       coalesce(sum(amount) filter (where status = 'paid'), 0)::numeric(14, 2) as total_paid,
       coalesce(sum(amount) filter (where status in ('pending', 'approved')), 0)::numeric(14, 2)
         as total_pending,
       count(*)::int as payments_count,
       max(paid_at) filter (where status = 'paid') as last_paid_at
  from public.payments
 group by candidate_id;
create unique index if not exists mv_candidate_earnings_pk
  on public.mv_candidate_earnings (candidate_id);

revoke all on public.mv_project_financials, public.mv_monthly_payments,
  public.mv_candidate_earnings
  from anon, authenticated;

-- CONCURRENTLY keeps dashboards readable during the refresh (it diffs into the existing
-- heap instead of swapping it, which needs the unique indexes above).
create or replace function public.refresh_reporting_views()
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  refresh materialized view concurrently public.mv_project_financials;
  refresh materialized view concurrently public.mv_monthly_payments;
  refresh materialized view concurrently public.mv_candidate_earnings;
end
$$;

-- Project ids the caller may see in reports: all (optionally filtered) for admin/finance,
-- own projects for managers; anyone else is refused.
create or replace function public.report_project_scope(p_project_ids uuid[])
returns uuid[]
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_role text := public.app_role();
begin
  if v_role in ('admin', 'finance') then
    return p_project_ids; -- null means "all"
  elsif v_role = 'manager' then
    return array(
      select p.id from public.projects p
       where p.manager_id = auth.uid()
         and (p_project_ids is null or p.id = any (p_project_ids)));
  end if;
  raise exception 'project financials are not available to role %', coalesce(v_role, 'none')
    using errcode = 'insufficient_privilege';
end
$$;

create or replace function public.report_project_financials(p_project_ids uuid[] default null)
returns setof public.mv_project_financials
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_scope uuid[] := public.report_project_scope(p_project_ids);
begin
  return query
    select m.* from public.mv_project_financials m
     where v_scope is null or m.project_id = any (v_scope)
     order by m.project_id;
end
$$;

create or replace function public.live_project_financials(p_project_ids uuid[] default null)
returns setof public.mv_project_financials
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_scope uuid[] := public.report_project_scope(p_project_ids);
begin
  -- LATERAL per project: index lookups for a few projects instead of whole-table aggregates.
  return query
    select p.id,
           s.staff_total::int, s.staff_confirmed::int,
           coalesce(pay.paid, 0)::numeric(14, 2), coalesce(pay.pending, 0)::numeric(14, 2),
           pay.cnt::int,
           coalesce(c.approved, 0)::numeric(14, 2), coalesce(c.paid, 0)::numeric(14, 2),
           now()
      from public.projects p
      cross join lateral (
        select count(*) filter (where x.status <> 'cancelled') as staff_total,
               count(*) filter (where x.status in ('confirmed', 'completed')) as staff_confirmed
          from public.project_staff x where x.project_id = p.id) s
      cross join lateral (
        select sum(x.amount) filter (where x.status = 'paid') as paid,
               sum(x.amount) filter (where x.status in ('pending', 'approved')) as pending,
               count(*) as cnt
          from public.payments x where x.project_id = p.id) pay
      cross join lateral (
        select sum(x.amount) filter (where x.status = 'approved') as approved,
               sum(x.amount) filter (where x.status = 'paid') as paid
          from public.expense_claims x where x.project_id = p.id) c
     where p.deleted_at is null and (v_scope is null or p.id = any (v_scope))
     order by p.id;
end
$$;

create or replace function public.report_require_finance()
returns void
language plpgsql stable
set search_path = ''
as $$
begin
  if public.app_role() is distinct from 'admin' and public.app_role() is distinct from 'finance'
  then
    raise exception 'monthly payment totals are available to admin and finance only'
      using errcode = 'insufficient_privilege';
  end if;
end
$$;

create or replace function public.report_monthly_payments(p_from date, p_to date)
returns setof public.mv_monthly_payments
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  perform public.report_require_finance();
  return query
    select m.* from public.mv_monthly_payments m
     where m.month >= date_trunc('month', p_from) and m.month <= p_to
     order by m.month, m.status;
end
$$;

create or replace function public.live_monthly_payments(p_from date, p_to date)
returns setof public.mv_monthly_payments
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  perform public.report_require_finance();
  return query
    select date_trunc('month', x.payment_date)::date, x.status, count(*)::int,
           sum(x.amount)::numeric(14, 2)
      from public.payments x
     where x.payment_date >= date_trunc('month', p_from)
       and x.payment_date < date_trunc('month', p_to) + interval '1 month'
     group by 1, 2
     order by 1, 2;
end
$$;

-- Whose earnings the caller may see: admin/finance anyone (null = everyone); crew only
-- their own (null = themself).
create or replace function public.report_candidate_scope(p_candidate_id uuid)
returns uuid
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_role text := public.app_role();
  v_own uuid;
begin
  if v_role in ('admin', 'finance') then
    return p_candidate_id;
  elsif v_role = 'crew' then
    v_own := public.current_candidate_id();
    if v_own is not null and (p_candidate_id is null or p_candidate_id = v_own) then
      return v_own;
    end if;
  end if;
  raise exception 'candidate earnings are not available to this caller'
    using errcode = 'insufficient_privilege';
end
$$;

create or replace function public.report_candidate_earnings(p_candidate_id uuid default null)
returns setof public.mv_candidate_earnings
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_scope uuid := public.report_candidate_scope(p_candidate_id);
begin
  return query
    select m.* from public.mv_candidate_earnings m
     where v_scope is null or m.candidate_id = v_scope
     order by m.candidate_id;
end
$$;

create or replace function public.live_candidate_earnings(p_candidate_id uuid default null)
returns setof public.mv_candidate_earnings
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_scope uuid := public.report_candidate_scope(p_candidate_id);
begin
  return query
    select x.candidate_id,
           coalesce(sum(x.amount) filter (where x.status = 'paid'), 0)::numeric(14, 2),
           coalesce(sum(x.amount) filter (where x.status in ('pending', 'approved')), 0)
             ::numeric(14, 2),
           count(*)::int,
           max(x.paid_at) filter (where x.status = 'paid')
      from public.payments x
     where v_scope is null or x.candidate_id = v_scope
     group by x.candidate_id
     order by x.candidate_id;
end
$$;

-- The report_* and live_* functions are the API; the scope checks and the refresh are for
-- the service path only.
revoke all on function
  public.refresh_reporting_views(), public.report_project_scope(uuid[]),
  public.report_project_financials(uuid[]), public.live_project_financials(uuid[]),
  public.report_require_finance(), public.report_monthly_payments(date, date),
  public.live_monthly_payments(date, date), public.report_candidate_scope(uuid),
  public.report_candidate_earnings(uuid), public.live_candidate_earnings(uuid)
  from public, anon, authenticated;
grant execute on function
  public.report_project_financials(uuid[]), public.live_project_financials(uuid[]),
  public.report_monthly_payments(date, date), public.live_monthly_payments(date, date),
  public.report_candidate_earnings(uuid), public.live_candidate_earnings(uuid)
  to authenticated, service_role;
grant execute on function
  public.refresh_reporting_views(), public.report_project_scope(uuid[]),
  public.report_candidate_scope(uuid), public.report_require_finance()
  to service_role;

-- -------------------------------------------------------------------------------------
-- 17. Timeouts, as on hosted Supabase: API roles cannot hold a connection hostage. Role
-- settings apply to sessions that log in as the role; the services, which `set local role`
-- inside pooled transactions, also set statement_timeout per transaction themselves.
-- -------------------------------------------------------------------------------------
alter role authenticated set statement_timeout = '8s';
alter role anon set statement_timeout = '3s';
alter role authenticated set idle_in_transaction_session_timeout = '30s';
alter role anon set idle_in_transaction_session_timeout = '30s';
do $$
begin
  -- A pooled connection stuck idle in a transaction starves the pool; 5 min is far above
  -- any legitimate transaction here. May be refused on hosted projects: warn, not fail.
  execute format('alter database %I set idle_in_transaction_session_timeout = %L',
                 current_database(), '5min');
exception when insufficient_privilege then
  raise warning 'could not set idle_in_transaction_session_timeout on the database: %', sqlerrm;
end
$$;

-- -------------------------------------------------------------------------------------
-- 18. Scheduled jobs, by name: cron.schedule(name, ...) updates an existing job of that name,
-- so a re-apply never duplicates them.
-- -------------------------------------------------------------------------------------
do $$
begin
  if to_regnamespace('cron') is null then
    raise warning 'pg_cron not installed: reporting refresh and partition jobs not scheduled';
    return;
  end if;
  perform cron.schedule('refresh-reporting-views', '*/5 * * * *',
                        'select public.refresh_reporting_views()');
  perform cron.schedule('ensure-partitions', '15 0 * * *',
                        $job$select public.ensure_monthly_partitions('public.payments', 3);
select public.ensure_monthly_partitions('public.activity_logs', 3)$job$);
  perform cron.schedule('purge-cron-history', '30 0 * * *',
                        $job$delete from cron.job_run_details
 where end_time < now() - interval '7 days'$job$);
end
$$;

reset check_function_bodies;
