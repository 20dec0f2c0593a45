-- =====================================================================================
-- Money integrity (issue 21), the database's part. Each section names the rule it holds for
-- every door: the functions, the jobs worker, the service-role key and plain SQL alike.
-- =====================================================================================

-- -------------------------------------------------------------------------------------
-- Nothing new hangs off a soft-deleted project: a payment, an expense claim or an assignment
-- is refused when it is created for (or moved to) a project whose deleted_at is set. Rows that
-- already exist keep moving (a pending payment of a project deleted later can still be paid).
-- Raised as a foreign-key violation on `<table>_project_live`: to a writer, a deleted project
-- is one that does not exist (the API answers 422 naming the constraint).
-- -------------------------------------------------------------------------------------
create or replace function public.tg_project_live()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.project_id is not distinct from old.project_id then
    return new;
  end if;
  -- SECURITY DEFINER: the writer may not be able to see the project row (RLS), only its
  -- deleted_at is read.
  if exists (select 1 from public.projects p
              where p.id = new.project_id and p.deleted_at is not null) then
    raise exception 'project % is deleted', new.project_id
      using errcode = 'foreign_key_violation', constraint = tg_argv[0] || '_project_live',
            table = tg_argv[0], schema = 'public';
  end if;
  return new;
end
$$;
revoke all on function public.tg_project_live() from public, anon, authenticated, functions_user;

do $$
declare
  v_table text;
begin
  foreach v_table in array array['payments', 'expense_claims', 'project_staff'] loop
    execute format('drop trigger if exists trg_%1$s_project_live on public.%1$I', v_table);
    execute format('create trigger trg_%1$s_project_live before insert or update of project_id '
                   'on public.%1$I for each row execute function public.tg_project_live(%1$L)',
                   v_table);
  end loop;
end
$$;

-- -------------------------------------------------------------------------------------
-- Idempotency records expire: a client's retry window is 48 hours (Stripe keeps keys 24 h; a
-- day more covers a retry queue that waited out a weekend night). Payroll's deterministic keys
-- (`payroll:<project>:<candidate>:<start>:<end>`) are what makes a payroll run pay each period
-- once, so they are kept. Hourly; the index on created_at makes it a range delete.
-- -------------------------------------------------------------------------------------
create or replace function public.purge_idempotency_keys(p_older_than interval default '48 hours')
returns int
language sql
security definer
set search_path = ''
as $$
  with gone as (
    delete from public.payment_idempotency_keys
     where created_at < now() - p_older_than and key not like 'payroll:%'
    returning 1)
  select count(*)::int from gone
$$;
revoke all on function public.purge_idempotency_keys(interval)
  from public, anon, authenticated, functions_user;
grant execute on function public.purge_idempotency_keys(interval) to service_role;

do $$
begin
  if to_regnamespace('cron') is null then
    raise warning 'pg_cron not installed: idempotency keys are not purged';
    return;
  end if;
  perform cron.schedule('purge-idempotency-keys', '20 * * * *',
                        'select public.purge_idempotency_keys()');
end
$$;

-- -------------------------------------------------------------------------------------
-- No spreadsheet formula in text that reaches finance's files (CSV injection): a bank
-- account's holder and bank name, a candidate's name, a payment's reference may not start
-- with =, +, -, @, a tab or a carriage return. The API refuses them with 400 naming the field;
-- these checks hold the same for every other door. Added NOT VALID and then validated, so a
-- project holding such a row already still gets the rule for new writes (with a warning).
-- -------------------------------------------------------------------------------------
do $$
declare
  v_check record;
begin
  for v_check in
    select * from (values
      ('candidate_bank_accounts', 'candidate_bank_accounts_no_formula',
       $c$bank_name !~ '^[=+@\t\r-]' and account_holder !~ '^[=+@\t\r-]'$c$),
      ('candidates', 'candidates_no_formula', $c$full_name !~ '^[=+@\t\r-]'$c$),
      ('payments', 'payments_no_formula', $c$reference !~ '^[=+@\t\r-]'$c$)
    ) as c(tbl, name, expr)
  loop
    if not exists (select from pg_constraint where conname = v_check.name) then
      execute format('alter table public.%I add constraint %I check (%s) not valid',
                     v_check.tbl, v_check.name, v_check.expr);
    end if;
    begin
      execute format('alter table public.%I validate constraint %I', v_check.tbl, v_check.name);
    exception when check_violation then
      raise warning '%: existing rows break it; new writes are checked', v_check.name;
    end;
  end loop;
end
$$;

-- -------------------------------------------------------------------------------------
-- A payroll run or a bank file asked for while the same one is live (queued or running) joins
-- it; the same slot asked with other values is refused instead of silently merged. The slot is
-- the job's dedupe key (payroll: project and period; bank file: period); the request is the
-- payload without `user_id` (who acts). Every caller answered with a job may follow it:
-- joiners are recorded as its watchers, which queue.job_status honours.
-- -------------------------------------------------------------------------------------
create table if not exists queue.job_watchers (
  job_id uuid not null,
  user_id uuid not null,
  created_at timestamptz not null default now(),
  primary key (job_id, user_id)
);
comment on table queue.job_watchers is
  'Users answered with a job they did not create (they asked for the same run while it was '
  'live); queue.job_status shows it to them. Purged with the archive.';
alter table queue.job_watchers enable row level security;
revoke all on queue.job_watchers from public, anon, authenticated, functions_user;
grant select, insert, delete on queue.job_watchers to service_role;

create or replace function queue.send_or_join(
  p_queue text,
  p_payload jsonb,
  p_slot text,
  p_user uuid
)
returns table (id uuid, outcome text, running jsonb)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job record;
begin
  -- Senders of one slot take turns, so two different requests cannot both find it free.
  perform pg_advisory_xact_lock(hashtextextended(p_queue || ':' || p_slot, 0));
  select j.id, j.payload into v_job from queue.jobs j
   where j.queue = p_queue and j.dedupe_key = p_slot and j.state in ('queued', 'running')
   order by j.created_at
   limit 1;
  if v_job.id is null then
    return query select queue.send(p_queue, p_payload, p_dedupe_key => p_slot,
                                   p_created_by => p_user), 'created'::text, null::jsonb;
  elsif (v_job.payload - 'user_id') = (p_payload - 'user_id') then
    insert into queue.job_watchers (job_id, user_id) values (v_job.id, p_user)
    on conflict do nothing;
    return query select v_job.id, 'joined'::text, null::jsonb;
  else
    return query select v_job.id, 'conflict'::text, v_job.payload - 'user_id';
  end if;
end
$$;
revoke all on function queue.send_or_join(text, jsonb, text, uuid)
  from public, anon, authenticated, functions_user;
grant execute on function queue.send_or_join(text, jsonb, text, uuid) to service_role;

create or replace function queue.job_status(p_id uuid)
returns table (
  id uuid,
  queue text,
  state text,
  attempts int,
  max_attempts int,
  progress jsonb,
  result jsonb,
  last_error text,
  created_by uuid,
  created_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  run_at timestamptz
)
language sql
stable
security definer
set search_path = ''
as $$
  select x.* from (
    select j.id, j.queue, j.state, j.attempts, j.max_attempts, j.progress, null::jsonb,
           j.last_error, j.created_by, j.created_at, j.started_at, j.finished_at, j.run_at
      from queue.jobs j where j.id = p_id
    union all
    select a.id, a.queue, a.state, a.attempts, a.max_attempts, a.progress, a.result,
           a.last_error, a.created_by, a.created_at, a.started_at, a.finished_at, null
      from queue.archive a where a.id = p_id
  ) x
   where (select public.app_role()) = 'admin'
      or (x.created_by is not null and x.created_by = (select auth.uid()))
      or exists (select 1 from queue.job_watchers w
                  where w.job_id = x.id and w.user_id = (select auth.uid()))
   limit 1
$$;

do $$
begin
  if to_regnamespace('cron') is null then
    return;
  end if;
  perform cron.schedule('purge-job-watchers', '55 * * * *',
    $job$delete from queue.job_watchers w
          where not exists (select 1 from queue.jobs j where j.id = w.job_id)
            and not exists (select 1 from queue.archive a where a.id = w.job_id)$job$);
end
$$;

-- -------------------------------------------------------------------------------------
-- Four eyes. A payment is approved by someone other than the user who created it (for payroll
-- payments: the user who ran the payroll, whose claims stamp created_by). Admins are not
-- exempt. And an approval holds for the account it was given for: when a candidate's bank
-- account is set, changed or removed, their approved payments not yet in a bank file go back
-- to `pending` (approved_by and approved_at cleared), to be approved again by a second person.
-- That one move (approved -> pending) is not in status_moves: no caller may make it, only this
-- trigger, which says so with a transaction-local flag the status trigger honours.
-- -------------------------------------------------------------------------------------
create or replace function public.tg_payments_four_eyes()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status = 'approved' and old.status is distinct from 'approved'
     and new.approved_by is not null and new.approved_by = new.created_by then
    raise exception 'a payment is approved by someone other than the user who created it'
      using errcode = 'insufficient_privilege', constraint = 'payments_four_eyes',
            table = 'payments', schema = 'public';
  end if;
  return new;
end
$$;
revoke all on function public.tg_payments_four_eyes()
  from public, anon, authenticated, functions_user;
-- After trg_payments_actors (which stamps approved_by from the JWT), before the status trigger.
drop trigger if exists trg_payments_four_eyes on public.payments;
create trigger trg_payments_four_eyes before update on public.payments
  for each row execute function public.tg_payments_four_eyes();

create or replace function public.tg_payments_status()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status is distinct from old.status then
    if not (old.status = 'approved' and new.status = 'pending'
            and current_setting('app.payee_changed', true) = 'on') then
      perform public.check_status_move('payments', 'payment', old.id, old.status::text,
                                       new.status::text);
    end if;
    if new.status = 'approved' then
      new.approved_at := coalesce(new.approved_at, now());
      new.approved_by := coalesce(new.approved_by, auth.uid());
    elsif new.status = 'pending' then
      new.approved_at := null;
      new.approved_by := null;
    elsif new.status = 'paid' then
      new.paid_at := coalesce(new.paid_at, now());
    end if;
  end if;
  return new;
end
$$;

create or replace function public.tg_payee_changed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_candidates uuid[];
  v_tags text[];
begin
  if tg_op = 'UPDATE' and new.candidate_id = old.candidate_id
     and (new.bank_name, new.account_number, new.account_holder)
         is not distinct from (old.bank_name, old.account_number, old.account_holder) then
    return null;
  end if;
  v_candidates := array_remove(array[
    case when tg_op <> 'DELETE' then new.candidate_id end,
    case when tg_op <> 'INSERT' then old.candidate_id end], null);
  -- SECURITY DEFINER: the crew member changing their own account cannot update payments.
  perform set_config('app.payee_changed', 'on', true);
  with undone as (
    update public.payments p set status = 'pending'
     where p.candidate_id = any (v_candidates) and p.status = 'approved'
       and not exists (select 1 from private.bank_file_payments f where f.payment_id = p.id)
    returning p.id, p.project_id, p.candidate_id)
  -- The writer's own invalidation covers the account, not these payments: the database records
  -- theirs (tags as shared/services/payments/cache.ts spells them), replayed like any outbox row.
  select array_agg(distinct t) into v_tags from undone u
   cross join lateral unnest(array['payment:' || u.id, 'project:' || u.project_id,
                                   'candidate:' || u.candidate_id]) t;
  perform set_config('app.payee_changed', '', true);
  if v_tags is not null then
    perform private.record_invalidation(v_tags || array['payments:list', 'payments:summary']);
  end if;
  return null;
end
$$;
revoke all on function public.tg_payee_changed() from public, anon, authenticated, functions_user;
drop trigger if exists trg_candidate_bank_accounts_payee on public.candidate_bank_accounts;
create trigger trg_candidate_bank_accounts_payee
  after insert or update or delete on public.candidate_bank_accounts
  for each row execute function public.tg_payee_changed();

-- -------------------------------------------------------------------------------------
-- No day is paid twice. Every payment that names a period (payroll's do; a manual one may)
-- holds that period for its project and candidate in private.payment_periods, whose exclusion
-- constraint refuses any overlap with another live payment's — whatever the door, and for
-- concurrent runs (the second insert waits for the first and then fails). A payroll run that
-- would pay days already paid is refused with 409 naming the paid ranges (the functions check
-- first, for the message; the constraint is the rule). The exact period again is not an
-- overlap but a rerun: payroll's idempotency keys answer it with the existing payments. A
-- cancelled payment frees its days; a failed one keeps them (the bank returned the money:
-- finance pays it again by hand, deliberately). payments is partitioned, which exclusion
-- constraints are not, hence the side table kept by triggers.
-- -------------------------------------------------------------------------------------
create extension if not exists btree_gist with schema extensions;

create table if not exists private.payment_periods (
  payment_id uuid primary key,
  project_id uuid not null,
  candidate_id uuid not null,
  period daterange not null,
  constraint payment_periods_no_overlap exclude using gist (
    project_id with =, candidate_id with =, period with &&)
);
comment on table private.payment_periods is
  'The days each live (not cancelled) payment with a period pays, per project and candidate; '
  'the exclusion constraint payment_periods_no_overlap is the no-day-paid-twice rule. Kept by '
  'triggers on payments (rebuild_payment_periods() after bulk loads that bypass them).';
alter table private.payment_periods enable row level security;
revoke all on private.payment_periods from public, anon, authenticated, functions_user;
grant select on private.payment_periods to service_role;

create or replace function public.tg_payment_periods()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    delete from private.payment_periods where payment_id = old.id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.period_start is not null
     and new.period_end is not null and new.status <> 'cancelled' then
    insert into private.payment_periods (payment_id, project_id, candidate_id, period)
    values (new.id, new.project_id, new.candidate_id,
            daterange(new.period_start, new.period_end, '[]'));
  end if;
  return null;
end
$$;
revoke all on function public.tg_payment_periods() from public, anon, authenticated, functions_user;
drop trigger if exists trg_payments_periods on public.payments;
create trigger trg_payments_periods
  after insert or delete or update of status, period_start, period_end, project_id, candidate_id
  on public.payments for each row execute function public.tg_payment_periods();

-- Rebuilt from the payments themselves (a push onto existing data, the seed's bulk load). Where
-- history already overlaps, the earlier payment keeps the days and the rest are reported.
create or replace function public.rebuild_payment_periods()
returns int
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_skipped int;
begin
  delete from private.payment_periods;
  insert into private.payment_periods (payment_id, project_id, candidate_id, period)
  select p.id, p.project_id, p.candidate_id, daterange(p.period_start, p.period_end, '[]')
    from public.payments p
   where p.period_start is not null and p.period_end is not null and p.status <> 'cancelled'
   order by p.created_at, p.id
  on conflict do nothing;
  select count(*) into v_skipped from public.payments p
   where p.period_start is not null and p.period_end is not null and p.status <> 'cancelled'
     and not exists (select 1 from private.payment_periods x where x.payment_id = p.id);
  if v_skipped > 0 then
    raise warning '% payments overlap an earlier one''s period: their days stay with it', v_skipped;
  end if;
  return v_skipped;
end
$$;
revoke all on function public.rebuild_payment_periods()
  from public, anon, authenticated, functions_user;
grant execute on function public.rebuild_payment_periods() to service_role;
select public.rebuild_payment_periods();

-- -------------------------------------------------------------------------------------
-- A payment in a bank file is exported: it can only end paid or failed (the bank returned it),
-- never be cancelled, sent back to pending, edited or deleted, whoever writes. The file's lines carry
-- the payee and the amount as they were when the payment was claimed for the file (copied in
-- the claim's transaction), so a file's bytes never change once its payments are taken — a
-- retry after the crew member changed their account, or after a bank row was deleted, writes
-- the same file — and the header total is the sum of those lines.
-- -------------------------------------------------------------------------------------
alter table private.bank_file_payments add column if not exists amount numeric(14, 2);
alter table private.bank_file_payments add column if not exists account_holder text;
alter table private.bank_file_payments add column if not exists bank_name text;
alter table private.bank_file_payments add column if not exists account_number text;
comment on column private.bank_file_payments.account_number is
  'The payee as it was when the payment was claimed for the file (with amount, account_holder '
  'and bank_name): what the file pays, whatever the candidate''s account says later.';

create or replace function public.tg_payments_exported()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- SECURITY DEFINER: the files are on the service path; writers only learn that it is in one.
  if not exists (select 1 from private.bank_file_payments f where f.payment_id = old.id) then
    return coalesce(new, old);
  end if;
  if tg_op = 'DELETE' or new.status not in ('approved', 'paid', 'failed')
     or (new.amount, new.candidate_id, new.project_id, new.payment_date, new.method,
         new.period_start, new.period_end)
        is distinct from (old.amount, old.candidate_id, old.project_id, old.payment_date,
                          old.method, old.period_start, old.period_end) then
    raise exception 'payment % is in a bank file: it can only be paid or failed', old.id
      using errcode = 'check_violation', constraint = 'payments_exported',
            table = 'payments', schema = 'public';
  end if;
  return new;
end
$$;
revoke all on function public.tg_payments_exported()
  from public, anon, authenticated, functions_user;
drop trigger if exists trg_payments_exported on public.payments;
create trigger trg_payments_exported before update or delete on public.payments
  for each row execute function public.tg_payments_exported();

-- Files built before this migration get their copy from the rows as they are now.
update private.bank_file_payments x
   set amount = p.amount, account_holder = b.account_holder, bank_name = b.bank_name,
       account_number = b.account_number
  from public.payments p
  join public.candidate_bank_accounts b on b.candidate_id = p.candidate_id
 where x.amount is null and p.id = x.payment_id and p.payment_date = x.payment_date;
