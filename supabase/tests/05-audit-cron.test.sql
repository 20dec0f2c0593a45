-- Audit trail written by triggers with the JWT actor; scheduled jobs exist once, by name.
begin;
\ir fixtures/world.psql
select plan(12);

select tests.act_as('crew');
insert into expense_claims (id, candidate_id, project_id, category, amount)
values ('50000000-0000-4000-8000-0000000000aa', tests.id('K1'), tests.id('P1'), 'meals', 12);
update expense_claims set status = 'submitted' where id = '50000000-0000-4000-8000-0000000000aa';
reset role;
select tests.act_as('finance');
update payments set status = 'approved' where id = tests.id('PAY1');
reset role;
select tests.act_as('manager');
delete from project_staff where id = tests.id('S3');
reset role;

select results_eq(
  $$select action, entity, actor_id, actor_role from activity_logs
     where entity_id = '50000000-0000-4000-8000-0000000000aa' order by id$$,
  $$values ('insert', 'expense_claims', tests.id('crew'), 'crew'),
           ('update', 'expense_claims', tests.id('crew'), 'crew')$$,
  'claim insert and submit logged with the crew member as actor');
select results_eq(
  $$select before, after - 'approved_at' from activity_logs
     where entity = 'payments' and entity_id = tests.id('PAY1') and action = 'update'$$,
  $$values ('{"status": "pending", "approved_at": null, "approved_by": null}'::jsonb,
            jsonb_build_object('status', 'approved', 'approved_by', tests.id('finance')))$$,
  'an update logs only the changed columns, before and after');
select results_eq(
  $$select actor_role, before ->> 'candidate_id', after from activity_logs
     where entity = 'project_staff' and entity_id = tests.id('S3') and action = 'delete'$$,
  $$values ('manager', tests.id('K3')::text, null::jsonb)$$,
  'a delete logs the old row');
select is_empty($$select 1 from activity_logs
   where before::text ~ '(900101990001|111100001111)' or after::text ~ '(900101990001|111100001111)'$$,
  'no IC number or bank account number in the log');

-- Redaction is by column name: probe it with a table that does carry personal data.
create table tests.audit_probe (id uuid primary key, ic_number text, account_number text, note text);
create trigger audit_probe after insert on tests.audit_probe
  for each row execute function public.tg_audit('audit_probe');
insert into tests.audit_probe values (gen_random_uuid(), '900101145678', '5550001234', 'kept');
select is((select after from activity_logs where entity = 'audit_probe'),
  jsonb_build_object('id', (select id from tests.audit_probe), 'note', 'kept',
                     'ic_number', '[redacted]', 'account_number', '****1234'),
  'personal-data columns are masked in logged rows (an account number to its last 4 digits)');

select tests.act_as('crew');
select is_empty('select 1 from activity_logs', 'crew cannot read the activity log');
reset role;
select tests.act_as('finance');
select isnt_empty($$select 1 from activity_logs where entity_id = tests.id('PAY1')$$,
  'finance reads the activity log');
reset role;

-- pg_cron jobs, by name, exactly once each.
select is(
  (select array_agg(jobname || ' ' || schedule order by jobname) from cron.job
     where jobname in ('refresh-reporting-views', 'ensure-partitions', 'purge-cron-history')),
  array['ensure-partitions 15 0 * * *', 'purge-cron-history 30 0 * * *',
        'refresh-reporting-views */5 * * * *'],
  'the three maintenance jobs are scheduled');
select ok((select command from cron.job where jobname = 'refresh-reporting-views')
  ~ 'refresh_reporting_views', 'refresh job calls refresh_reporting_views()');
select ok((select command from cron.job where jobname = 'ensure-partitions')
  ~ 'activity_logs', 'partition job also covers activity_logs');
-- Re-scheduling by name (what a re-applied migration does) updates, never duplicates.
select cron.schedule('refresh-reporting-views', '*/5 * * * *', 'select public.refresh_reporting_views()');
select is((select count(*)::int from cron.job where jobname = 'refresh-reporting-views'), 1,
  're-scheduling by name keeps a single job');
select is((select count(*)::int from cron.job
            where jobname in ('refresh-reporting-views', 'ensure-partitions', 'purge-cron-history')),
  3, 'no duplicate maintenance jobs');

select * from finish();
rollback;
