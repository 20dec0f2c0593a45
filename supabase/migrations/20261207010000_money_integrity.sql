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
