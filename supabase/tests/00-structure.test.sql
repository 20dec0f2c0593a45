-- Structure: the names other code is written against, FK coverage by indexes, RLS on every
-- table, reporting views fit for CONCURRENTLY, scheduled jobs.
begin;
set local search_path = public, extensions;
create extension if not exists pgtap with schema extensions;
select plan(47);

select tables_are('public', array[
  'projects', 'candidates', 'candidate_bank_accounts', 'project_staff', 'payments',
  'payment_idempotency_keys', 'expense_claims', 'activity_logs', 'payments_default',
  'project_totals', 'status_moves',
  'activity_logs_default']
  || array(select c.relname::text from pg_class c
            join pg_inherits i on i.inhrelid = c.oid
           where i.inhparent in ('public.payments'::regclass, 'public.activity_logs'::regclass)
             and c.relname ~ '_y[0-9]{4}m[0-9]{2}$')
  -- the seed's bookkeeping table exists wherever a seed was loaded
  || array(select 'seed_info' where to_regclass('public.seed_info') is not null),
  'public holds exactly the app tables and their partitions');

select enum_has_labels('public', 'project_status',
  array['planning', 'active', 'completed', 'cancelled'], 'project_status labels');
select enum_has_labels('public', 'candidate_status',
  array['active', 'inactive', 'blacklisted'], 'candidate_status labels');
select enum_has_labels('public', 'staff_status',
  array['invited', 'confirmed', 'cancelled', 'completed'], 'staff_status labels');
select enum_has_labels('public', 'payment_status',
  array['pending', 'approved', 'paid', 'failed', 'cancelled'], 'payment_status labels');
select enum_has_labels('public', 'payment_method',
  array['bank_transfer', 'duitnow', 'cash', 'cheque'], 'payment_method labels');
select enum_has_labels('public', 'claim_status',
  array['draft', 'submitted', 'approved', 'rejected', 'paid'], 'claim_status labels');
select enum_has_labels('public', 'claim_category',
  array['transport', 'meals', 'accommodation', 'equipment', 'other'], 'claim_category labels');
select enum_has_labels('public', 'app_role',
  array['admin', 'manager', 'finance', 'crew'], 'app_role labels');

select columns_are('public', 'projects', array[
  'id', 'title', 'client_name', 'venue', 'status', 'start_date', 'end_date', 'crew_needed',
  'budget', 'manager_id', 'created_by', 'created_at', 'updated_at', 'deleted_at'],
  'projects columns');
select columns_are('public', 'candidates', array[
  'id', 'full_name', 'ic_number', 'date_of_birth', 'phone', 'email', 'status', 'skills',
  'user_id', 'created_at', 'updated_at'], 'candidates columns');
select columns_are('public', 'candidate_bank_accounts', array[
  'candidate_id', 'bank_name', 'account_number', 'account_holder', 'created_at', 'updated_at'],
  'candidate_bank_accounts columns');
select columns_are('public', 'project_staff', array[
  'id', 'project_id', 'candidate_id', 'designation', 'status', 'start_date', 'end_date',
  'daily_rate', 'created_at', 'updated_at'], 'project_staff columns');
select columns_are('public', 'payments', array[
  'id', 'project_id', 'candidate_id', 'amount', 'payment_date', 'status', 'method',
  'reference', 'period_start', 'period_end', 'approved_by', 'approved_at', 'paid_at',
  'failure_reason', 'created_by', 'created_at', 'updated_at'], 'payments columns');
select columns_are('public', 'payment_idempotency_keys', array[
  'key', 'user_id', 'request_hash', 'payment_id', 'payment_date', 'response', 'status_code',
  'created_at'], 'payment_idempotency_keys columns');
select columns_are('public', 'expense_claims', array[
  'id', 'candidate_id', 'project_id', 'category', 'amount', 'description', 'receipt_path',
  'status', 'submitted_at', 'decided_by', 'decided_at', 'rejection_reason', 'paid_at',
  'created_by', 'created_at', 'updated_at'], 'expense_claims columns');
select columns_are('public', 'activity_logs', array[
  'id', 'occurred_at', 'actor_id', 'actor_role', 'action', 'entity', 'entity_id', 'before',
  'after'], 'activity_logs columns');

select col_is_pk('public', 'payments', array['id', 'payment_date'], 'payments pk includes the partition key');
select col_is_pk('public', 'activity_logs', array['id', 'occurred_at'], 'activity_logs pk includes the partition key');
select col_is_unique('public', 'project_staff', array['project_id', 'candidate_id'], 'one assignment per candidate and project');
select col_is_unique('public', 'candidates', 'ic_number', 'IC numbers are unique');

select set_eq($$
  select format('%s(%s)->%s', c.conrelid::regclass, a.attname, c.confrelid::regclass)
    from pg_constraint c
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
   where c.contype = 'f' and c.connamespace = 'public'::regnamespace and c.conparentid = 0
  $$,
  array[
    'candidate_bank_accounts(candidate_id)->candidates',
    'candidates(user_id)->auth.users',
    'expense_claims(candidate_id)->candidates',
    'expense_claims(project_id)->projects',
    'payments(project_id)->projects',
    'payments(candidate_id)->candidates',
    'project_staff(project_id)->projects',
    'project_totals(project_id)->projects',
    'project_staff(candidate_id)->candidates',
    'projects(manager_id)->auth.users'],
  'exactly the expected foreign keys');

-- Every FK's columns lead some index on the same table (deletes/joins on the parent stay fast).
select is_empty($$
  select format('%s %s', c.conrelid::regclass, c.conkey)
    from pg_constraint c
   where c.contype = 'f' and c.connamespace = 'public'::regnamespace
     and not exists (
       select 1 from pg_index i
        where i.indrelid = c.conrelid
          and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
          and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)
$$, 'every foreign key column has an index');

-- The five product indexes, by exact column list.
create function pg_temp.index_on(p_table regclass, p_cols text[]) returns text
language sql as $$
  select i.indexrelid::regclass::text
    from pg_index i
   where i.indrelid = p_table
     and array(select a.attname::text
                 from unnest(i.indkey) with ordinality k(attnum, ord)
                 join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
                order by k.ord) = p_cols
   order by 1 limit 1
$$;
select is(pg_temp.index_on('projects', array['status', 'start_date', 'end_date']),
  'idx_projects_status_dates', 'product index projects(status, start_date, end_date)');
select is(pg_temp.index_on('candidates', array['ic_number', 'status']),
  'idx_candidates_ic_status', 'product index candidates(ic_number, status)');
select is(pg_temp.index_on('project_staff', array['project_id', 'candidate_id', 'status']),
  'idx_project_staff_composite', 'product index project_staff(project_id, candidate_id, status)');
select is(pg_temp.index_on('payments', array['payment_date', 'status']),
  'idx_payments_date_status', 'product index payments(payment_date, status)');
select is(pg_temp.index_on('expense_claims', array['project_id', 'status']),
  'idx_expense_claims_project_status', 'product index expense_claims(project_id, status)');

select is(
  (select am.amname from pg_class c join pg_am am on am.oid = c.relam
    where c.oid = 'public.idx_candidates_full_name_trgm'::regclass),
  'gin', 'trigram GIN index on candidates.full_name');
select ok(
  (select pg_get_indexdef(indexrelid) ~ 'deleted_at IS NULL' from pg_index
    where indexrelid = 'public.idx_projects_live_start'::regclass),
  'live-project keyset index is partial on deleted_at is null');

-- RLS on every table, partitions included (they are reachable by name).
select is_empty($$
  select c.oid::regclass::text from pg_class c
   where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
     and not c.relrowsecurity
$$, 'row level security is enabled on every table in public');
select is_empty($$
  select c.oid::regclass::text from pg_class c
   where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'm', 'S')
     and (has_table_privilege('anon', c.oid, 'select')
          or has_table_privilege('anon', c.oid, 'insert'))
$$, 'anon holds no privilege on any table, view or sequence');
select is_empty($$
  select c.oid::regclass::text from pg_class c
   where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'm')
     and has_table_privilege('authenticated', c.oid, 'truncate')
$$, 'authenticated cannot TRUNCATE (it bypasses RLS)');
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
   where p.pronamespace = 'public'::regnamespace and has_function_privilege('anon', p.oid, 'execute')
$$, 'anon cannot execute any public function');
select ok(
  (select relforcerowsecurity from pg_class where oid = 'public.candidate_bank_accounts'::regclass),
  'bank accounts force RLS');

-- Materialized views: never granted, each with a plain unique index (CONCURRENTLY needs it).
select is_empty($$
  select m.matviewname from pg_matviews m
   where m.schemaname = 'public'
     and (has_table_privilege('authenticated', format('public.%I', m.matviewname), 'select')
          or not exists (
            select 1 from pg_index i
             where i.indrelid = format('public.%I', m.matviewname)::regclass
               and i.indisunique and i.indpred is null and i.indexprs is null))
$$, 'materialized views are ungranted and have a plain unique index');
select set_eq($$select matviewname::text from pg_matviews where schemaname = 'public'$$,
  array['mv_project_financials', 'mv_monthly_payments', 'mv_candidate_earnings'],
  'the three reporting views');

select has_function('public', 'app_role', array[]::text[], 'app_role()');
select has_function('public', 'current_candidate_id', array[]::text[], 'current_candidate_id()');
select has_function('public', 'is_ic_valid', array['text'], 'is_ic_valid(text)');
select has_function('public', 'normalize_ic', array['text'], 'normalize_ic(text)');
select has_function('public', 'ensure_monthly_partitions', array['regclass', 'integer', 'integer'],
  'ensure_monthly_partitions(regclass, int[, int])');

select is(
  (select array_agg(setting) from pg_db_role_setting s
     join pg_roles r on r.oid = s.setrole, unnest(s.setconfig) setting
    where r.rolname = 'authenticated' and setting like 'statement_timeout=%'),
  array['statement_timeout=8s'], 'authenticated statement_timeout 8s');
select is(
  (select array_agg(setting) from pg_db_role_setting s
     join pg_roles r on r.oid = s.setrole, unnest(s.setconfig) setting
    where r.rolname = 'anon' and setting like 'statement_timeout=%'),
  array['statement_timeout=3s'], 'anon statement_timeout 3s');
select has_extension('extensions', 'pg_stat_statements', 'pg_stat_statements installed');
select has_extension('extensions', 'pg_trgm', 'pg_trgm installed in schema extensions');

-- The schema documents itself: every app table and materialized view has a comment (partitions
-- share their parent's; the seed's bookkeeping table is not part of the schema).
select is_empty($$
  select c.oid::regclass::text from pg_class c
   where c.relnamespace in ('public'::regnamespace, 'private'::regnamespace)
     and c.relkind in ('r', 'p', 'm')
     and not c.relispartition and c.relname <> 'seed_info'
     and obj_description(c.oid, 'pg_class') is null
  $$, 'every public and private table and materialized view has a comment');

select * from finish();
rollback;
