-- =====================================================================================
-- The database is the boundary: one door for writes and for personal data.
--
-- Supabase's Data API (PostgREST at /rest/v1, pg_graphql at /graphql/v1) answers any valid JWT
-- as `anon` or `authenticated` — the roles granted to `authenticator` — limited only by what
-- Postgres enforces. Until this file, `authenticated` held select/insert/update/delete on every
-- business table and RLS filtered rows, not columns, so every rule kept in TypeScript (who may
-- re-link a candidate, who approves, which columns a role sees) could be walked around there.
--
-- Design (docs/security.md has the threat model and the role × door table):
--   * The Edge Functions act under `functions_user`, a role PostgREST cannot assume: it is NOT
--     granted to `authenticator`, so a token saying `"role": "functions_user"` is refused. The
--     functions' login role (`postgres`, through Supavisor) is a member and switches to it with
--     `set local role`, exactly as it switched to `authenticated` before. Every RLS policy and
--     every privilege that `authenticated` held moves to `functions_user`; the policies keep
--     their rules (they read the app role from the same JWT claims), so RLS stays the second
--     lock behind the functions' own checks.
--   * `functions_user` is a member of `authenticated` (inherit), so it keeps what Supabase gives
--     `authenticated` (usage on `auth`, `auth.uid()`); the reverse does not hold.
--   * `authenticated` keeps only what is safe for any signed-in user to read straight from the
--     database: `status_moves` (the documented state machines) and the pure IC helpers
--     (`is_ic_valid`, `normalize_ic`, `ic_birth_date`: no table access). `anon` keeps nothing.
--   * Future objects start closed: the default privileges no longer grant anything in `public`
--     to `anon` / `authenticated` (Supabase's defaults grant ALL).
--
-- Re-pushing converges: every step moves what `authenticated` still holds (nothing, the second
-- time) and re-grants the same short list.
-- =====================================================================================

do $$
begin
  if not exists (select from pg_roles where rolname = 'functions_user') then
    create role functions_user nologin inherit;
  end if;
end
$$;
comment on role functions_user is
  'The role the Edge Functions act under for a signed-in caller (set local role, JWT claims set). '
  'Not granted to authenticator, so the Data API cannot assume it. See docs/security.md.';

grant authenticated to functions_user;
-- The functions' login role must be able to `set local role functions_user` in a pooled
-- transaction (as it could for authenticated).
grant functions_user to postgres;
-- Never a role PostgREST can switch to (undoes a grant someone may have made by hand).
do $$
begin
  if exists (select from pg_roles where rolname = 'authenticator')
     and pg_has_role('authenticator', 'functions_user', 'member') then
    revoke functions_user from authenticator;
  end if;
end
$$;

grant usage on schema public, private, queue to functions_user;
revoke usage on schema private, queue from authenticated, anon;

-- Move every table, view, sequence and column privilege, and every EXECUTE, that anon or
-- authenticated hold in the app's schemas to functions_user (anon's are dropped: the
-- functions never act as anon).
do $$
declare
  r record;
begin
  for r in
    select c.oid::regclass::text as obj, c.relkind, a.privilege_type, a.grantee::regrole::text as who
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
     cross join lateral aclexplode(c.relacl) a
     where n.nspname in ('public', 'private', 'queue')
       and a.grantee in ('anon'::regrole, 'authenticated'::regrole)
  loop
    if r.who = 'authenticated' then
      execute format('grant %s on %s %s to functions_user', r.privilege_type,
                     case r.relkind when 'S' then 'sequence' else 'table' end, r.obj);
    end if;
    execute format('revoke %s on %s %s from %I', r.privilege_type,
                   case r.relkind when 'S' then 'sequence' else 'table' end, r.obj, r.who);
  end loop;

  for r in
    select c.oid::regclass::text as obj, quote_ident(t.attname) as col, a.privilege_type,
           a.grantee::regrole::text as who
      from pg_attribute t
      join pg_class c on c.oid = t.attrelid
      join pg_namespace n on n.oid = c.relnamespace
     cross join lateral aclexplode(t.attacl) a
     where n.nspname in ('public', 'private', 'queue') and t.attnum > 0
       and a.grantee in ('anon'::regrole, 'authenticated'::regrole)
  loop
    if r.who = 'authenticated' then
      execute format('grant %s (%s) on %s to functions_user', r.privilege_type, r.col, r.obj);
    end if;
    execute format('revoke %s (%s) on %s from %I', r.privilege_type, r.col, r.obj, r.who);
  end loop;

  for r in
    select p.oid::regprocedure::text as fn, a.grantee::regrole::text as who
      from pg_proc p
      join pg_namespace n on n.oid = p.pronamespace
     cross join lateral aclexplode(p.proacl) a
     where n.nspname in ('public', 'private', 'queue') and a.privilege_type = 'EXECUTE'
       and a.grantee in ('anon'::regrole, 'authenticated'::regrole)
  loop
    if r.who = 'authenticated' then
      execute format('grant execute on function %s to functions_user', r.fn);
    end if;
    execute format('revoke execute on function %s from %I', r.fn, r.who);
  end loop;
end
$$;

-- Every policy written for authenticated now applies to functions_user only.
do $$
declare
  r record;
begin
  for r in
    select schemaname, tablename, policyname from pg_policies
     where schemaname in ('public', 'private', 'queue') and 'authenticated' = any (roles)
  loop
    execute format('alter policy %I on %I.%I to functions_user', r.policyname, r.schemaname,
                   r.tablename);
  end loop;
end
$$;

-- What a signed-in user may still read or call straight through the Data API: the state
-- machines (the API documents the same moves) and the IC helpers, which read no table.
grant select on public.status_moves to authenticated;
alter policy status_moves_select on public.status_moves to authenticated;
grant execute on function
  public.normalize_ic(text), public.ic_birth_date(text), public.is_ic_valid(text)
  to authenticated;

-- Objects created by later migrations start with no API grants; each grants what it means to.
alter default privileges in schema public revoke all on tables from anon, authenticated;
alter default privileges in schema public revoke all on sequences from anon, authenticated;
alter default privileges in schema public revoke all on functions from anon, authenticated;

-- The outbox's insert policy said `with check (true)` (Supabase's advisor flags it): a row must
-- name a namespace and something to invalidate — the functions never write any other.
alter policy cache_invalidations_insert on private.cache_invalidations
  with check (namespace <> '' and cardinality(keys) + cardinality(tags) > 0);

-- -------------------------------------------------------------------------------------
-- Actor stamps come from the caller's JWT, never from the row a caller sends. Applies when a
-- user's claims are set (auth.uid() not null): the functions' requests and jobs acting for a
-- user. The service path, the seed and imports (no claims) keep the values they write.
-- -------------------------------------------------------------------------------------
create or replace function public.tg_stamp_actors()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
begin
  if v_uid is null then
    return new;
  end if;
  if tg_op = 'INSERT' then
    new.created_by := v_uid;
  else
    new.created_by := old.created_by;
  end if;

  if tg_argv[0] = 'payments' then
    if tg_op = 'INSERT' then
      if new.status <> 'pending' then
        raise exception 'a payment is created pending, not %', new.status
          using errcode = 'check_violation', constraint = 'payments_created_pending',
                table = 'payments', schema = 'public';
      end if;
      new.approved_by := null;
      new.approved_at := null;
      new.paid_at := null;
    elsif new.status = 'approved' and old.status <> 'approved' then
      new.approved_by := v_uid;
      new.approved_at := now();
    else
      new.approved_by := old.approved_by;
      new.approved_at := old.approved_at;
    end if;
  elsif tg_argv[0] = 'expense_claims' then
    if tg_op = 'INSERT' then
      new.decided_by := null;
      new.decided_at := null;
      new.paid_at := null;
    elsif new.status in ('approved', 'rejected') and old.status is distinct from new.status then
      new.decided_by := v_uid;
      new.decided_at := now();
    else
      new.decided_by := old.decided_by;
      new.decided_at := old.decided_at;
    end if;
  end if;
  return new;
end
$$;
revoke all on function public.tg_stamp_actors() from public, anon, authenticated, functions_user;

-- Named so they fire before the status and updated_at triggers (BEFORE triggers run by name).
drop trigger if exists trg_payments_actors on public.payments;
create trigger trg_payments_actors before insert or update on public.payments
  for each row execute function public.tg_stamp_actors('payments');
drop trigger if exists trg_expense_claims_actors on public.expense_claims;
create trigger trg_expense_claims_actors before insert or update on public.expense_claims
  for each row execute function public.tg_stamp_actors('expense_claims');
drop trigger if exists trg_projects_actors on public.projects;
create trigger trg_projects_actors before insert or update on public.projects
  for each row execute function public.tg_stamp_actors('projects');

-- Which columns of a candidate a caller may change (the API's rule, now also the database's):
-- an admin any; a manager any but the login link (`user_id`) and the IC; a crew member only their
-- own phone, email and skills (the row itself by the policy below). Applies to a user's
-- transaction (claims set); the service path, the seed and imports are not one. Named to fire
-- after trg_candidates_normalize_ic, so a reformatted but equal IC is no change.
create or replace function public.tg_candidates_guard_fields()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  c_self constant text[] := array['phone', 'email', 'skills', 'updated_at'];
  v_role text := public.app_role();
begin
  if auth.uid() is null or v_role = 'admin' then
    return new;
  end if;
  if new.user_id is distinct from old.user_id or new.ic_number is distinct from old.ic_number then
    raise exception 'only an admin may change a candidate''s user_id or ic_number'
      using errcode = 'insufficient_privilege', constraint = 'candidates_admin_fields',
            table = 'candidates', schema = 'public';
  end if;
  if v_role is distinct from 'manager' and (to_jsonb(new) - c_self) <> (to_jsonb(old) - c_self) then
    raise exception 'a crew member may change only their phone, email and skills'
      using errcode = 'insufficient_privilege', constraint = 'candidates_self_fields',
            table = 'candidates', schema = 'public';
  end if;
  return new;
end
$$;
revoke all on function public.tg_candidates_guard_fields()
  from public, anon, authenticated, functions_user;
drop trigger if exists trg_candidates_restrict_fields on public.candidates;
create trigger trg_candidates_restrict_fields before update on public.candidates
  for each row execute function public.tg_candidates_guard_fields();

-- Crew edit their own contact fields as themselves (until now the functions did it on the
-- service path, so the audit log could not say who). The trigger above limits the columns. One
-- policy per action (Supabase's advisor flags several permissive ones: each is evaluated).
alter policy candidates_update on public.candidates
  using ((select public.app_role()) in ('admin', 'manager')
         or ((select public.app_role()) = 'crew' and user_id = (select auth.uid())))
  with check ((select public.app_role()) in ('admin', 'manager')
              or ((select public.app_role()) = 'crew' and user_id = (select auth.uid())));

-- -------------------------------------------------------------------------------------
-- Audit: candidates and bank accounts join payments, claims and assignments in
-- activity_logs. A change to a personal-data field is recorded as changed, but its value
-- never: the IC number and the holder's name as "[redacted]", an account number as its last
-- 4 digits ("****1234"). The key column is the second trigger argument (bank accounts are
-- keyed by candidate_id).
-- -------------------------------------------------------------------------------------
create or replace function public.audit_mask(p_row jsonb)
returns jsonb
language sql immutable
set search_path = ''
as $$
  select case when p_row is null then null else p_row || coalesce((
    select jsonb_object_agg(k.key, case
             when k.value = 'null'::jsonb then k.value
             when k.key = 'account_number' then to_jsonb('****' || right(k.value #>> '{}', 4))
             else '"[redacted]"'::jsonb end)
      from jsonb_each(p_row) k
     where k.key in ('ic_number', 'account_number', 'account_holder', 'bank_name')), '{}') end
$$;
revoke all on function public.audit_mask(jsonb) from public, anon, authenticated, functions_user;

create or replace function public.tg_audit()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_old jsonb;
  v_new jsonb;
  v_before jsonb;
  v_after jsonb;
begin
  if current_setting('app.audit_suppressed', true) = 'on' then
    return null;
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    v_old := to_jsonb(old);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    v_new := to_jsonb(new);
  end if;

  if tg_op = 'UPDATE' then
    -- The diff is taken on the real values, so a changed account number shows up even when
    -- its last 4 digits stay the same; only then are the values masked.
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
    (coalesce(v_new, v_old) ->> coalesce(tg_argv[1], 'id'))::uuid,
    public.audit_mask(v_before),
    public.audit_mask(v_after)
  );
  return null;
end
$$;
revoke all on function public.tg_audit() from public, anon, authenticated, functions_user;

drop trigger if exists trg_candidates_audit on public.candidates;
create trigger trg_candidates_audit after insert or update or delete on public.candidates
  for each row execute function public.tg_audit('candidates');
drop trigger if exists trg_candidate_bank_accounts_audit on public.candidate_bank_accounts;
create trigger trg_candidate_bank_accounts_audit
  after insert or update or delete on public.candidate_bank_accounts
  for each row execute function public.tg_audit('candidate_bank_accounts', 'candidate_id');

comment on table public.activity_logs is
  'Append-only audit trail (monthly partitions) written by tg_audit for payments, '
  'expense_claims, project_staff, candidates and candidate_bank_accounts: who, when, which '
  'fields (before/after of the changed columns). IC numbers and holder names are recorded as '
  '"[redacted]", account numbers as their last 4 digits. Read by admin and finance.';

-- -------------------------------------------------------------------------------------
-- Writes that do not come through the functions (an operator with the service-role key or the
-- SQL editor) still invalidate the cache: the database writes the outbox row itself, for every
-- cache namespace that replayed recently (shared/cache/outbox.ts registers its namespace), with
-- the tags shared/cache/keys.ts spells — `candidate:<id>` (the record, its bank details and
-- detail parts), `candidates:list`, and `user:<id>:candidate` for a changed login link. The
-- functions' own transactions say `app.writer = functions` and record their invalidation
-- themselves (applied at once, not a replay later), so they are skipped here.
-- -------------------------------------------------------------------------------------
create table if not exists private.cache_namespaces (
  namespace text primary key,
  seen_at timestamptz not null default now()
);
comment on table private.cache_namespaces is
  'Cache namespaces (CACHE_NAMESPACE + schema version) whose outbox replayers ran in the last day; '
  'the database writes outbox rows for writes outside the functions once per namespace here.';
alter table private.cache_namespaces enable row level security;
revoke all on private.cache_namespaces from public, anon, authenticated, functions_user;
grant select, insert, update, delete on private.cache_namespaces to service_role;

create or replace function private.record_invalidation(p_tags text[])
returns void
language sql
security definer
set search_path = ''
as $$
  insert into private.cache_invalidations (id, namespace, tags)
  select extensions.gen_random_uuid(), n.namespace, p_tags
    from private.cache_namespaces n
   where n.seen_at > now() - interval '1 day' and cardinality(p_tags) > 0
$$;

-- Statement-level: one outbox row per statement and namespace, however many rows it touched.
-- Each branch reads only the transition tables its operation declares.
create or replace function private.tg_outbox_candidates()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_key text := tg_argv[0];
  v_tags text[];
begin
  if current_setting('app.writer', true) = 'functions' then
    return null;
  end if;
  if tg_op = 'INSERT' then
    execute format($q$select array_agg(distinct t) from (
        select 'candidate:' || (to_jsonb(r) ->> %1$L) from new_rows r
        union all select 'user:' || (to_jsonb(r) ->> 'user_id') || ':candidate' from new_rows r
      ) x(t) where t is not null$q$, v_key) into v_tags;
  elsif tg_op = 'UPDATE' then
    execute format($q$select array_agg(distinct t) from (
        select 'candidate:' || (to_jsonb(r) ->> %1$L) from new_rows r
        union all select 'user:' || (to_jsonb(r) ->> 'user_id') || ':candidate' from new_rows r
        union all select 'user:' || (to_jsonb(r) ->> 'user_id') || ':candidate' from old_rows r
      ) x(t) where t is not null$q$, v_key) into v_tags;
  else
    execute format($q$select array_agg(distinct t) from (
        select 'candidate:' || (to_jsonb(r) ->> %1$L) from old_rows r
        union all select 'user:' || (to_jsonb(r) ->> 'user_id') || ':candidate' from old_rows r
      ) x(t) where t is not null$q$, v_key) into v_tags;
  end if;
  if v_tags is not null then
    perform private.record_invalidation(v_tags || array['candidates:list']);
  end if;
  return null;
end
$$;
revoke all on function private.record_invalidation(text[]), private.tg_outbox_candidates()
  from public, anon, authenticated, functions_user;

do $$
declare
  v_table text;
  v_key text;
begin
  foreach v_table in array array['candidates', 'candidate_bank_accounts'] loop
    v_key := case v_table when 'candidates' then 'id' else 'candidate_id' end;
    execute format('drop trigger if exists trg_%1$s_outbox_ins on public.%1$I', v_table);
    execute format('drop trigger if exists trg_%1$s_outbox_upd on public.%1$I', v_table);
    execute format('drop trigger if exists trg_%1$s_outbox_del on public.%1$I', v_table);
    execute format('create trigger trg_%1$s_outbox_ins after insert on public.%1$I '
                   'referencing new table as new_rows for each statement '
                   'execute function private.tg_outbox_candidates(%2$L)', v_table, v_key);
    execute format('create trigger trg_%1$s_outbox_upd after update on public.%1$I '
                   'referencing old table as old_rows new table as new_rows for each statement '
                   'execute function private.tg_outbox_candidates(%2$L)', v_table, v_key);
    execute format('create trigger trg_%1$s_outbox_del after delete on public.%1$I '
                   'referencing old table as old_rows for each statement '
                   'execute function private.tg_outbox_candidates(%2$L)', v_table, v_key);
  end loop;
end
$$;
