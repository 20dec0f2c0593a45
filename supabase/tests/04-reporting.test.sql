-- Reporting views: concurrent refresh, agreement with the live functions, role checks.
begin;
\ir fixtures/world.psql
select plan(14);

create temp table filenodes as
select c.relname, pg_relation_filenode(c.oid) as before
  from pg_class c where c.relkind = 'm' and c.relnamespace = 'public'::regnamespace;

select lives_ok('select refresh_reporting_views()', 'refresh_reporting_views() runs');
-- A plain REFRESH swaps in a new heap (new filenode); CONCURRENTLY diffs into the old one.
select is_empty($$select relname from filenodes
                   where pg_relation_filenode(('public.' || relname)::regclass) <> before$$,
  'the refresh was CONCURRENTLY (same heap kept)');

select set_config('request.jwt.claims', json_build_object('sub', tests.id('admin'),
  'role', 'authenticated', 'app_metadata', json_build_object('role', 'admin'))::text, true);
select results_eq(
  $$select project_id, staff_total, staff_confirmed, payments_paid, payments_pending,
           payments_count, claims_approved, claims_paid
      from report_project_financials(array[tests.id('P1'), tests.id('P2')])$$,
  $$values (tests.id('P1'), 2, 1, 280.00::numeric, 300.00::numeric, 2, 0.00::numeric, 0.00::numeric),
           (tests.id('P2'), 1, 1, 0.00::numeric, 320.00::numeric, 1, 0.00::numeric, 0.00::numeric)$$,
  'project financials from the view after refresh');
select set_eq(
  $$select project_id, staff_total, staff_confirmed, payments_paid, payments_pending,
           payments_count, claims_approved, claims_paid from report_project_financials()$$,
  $$select project_id, staff_total, staff_confirmed, payments_paid, payments_pending,
           payments_count, claims_approved, claims_paid from live_project_financials()$$,
  'view and live project financials agree for every project');
select set_eq(
  $$select month, status, payments_count, total_amount from report_monthly_payments('2000-01-01', '2100-01-01')$$,
  $$select month, status, payments_count, total_amount from live_monthly_payments('2000-01-01', '2100-01-01')$$,
  'view and live monthly payments agree');
select set_eq(
  $$select candidate_id, total_paid, total_pending, payments_count, last_paid_at from report_candidate_earnings()$$,
  $$select candidate_id, total_paid, total_pending, payments_count, last_paid_at from live_candidate_earnings()$$,
  'view and live candidate earnings agree');

select tests.act_as('manager');
select results_eq($$select project_id from report_project_financials()$$,
  $$values (tests.id('P1'))$$, 'a manager gets only own projects');
select is_empty($$select 1 from live_project_financials(array[tests.id('P2')])$$,
  'a manager asking for another manager''s project gets nothing');
select throws_ok($$select * from report_monthly_payments('2000-01-01', '2100-01-01')$$, '42501',
  null, 'a manager cannot read company-wide monthly totals');
select throws_ok($$select * from mv_project_financials$$, '42501', null,
  'the materialized view itself is not granted');
reset role;

select tests.act_as('crew');
select results_eq($$select candidate_id, payments_count from live_candidate_earnings()$$,
  $$values (tests.id('K1'), 1)$$, 'crew get their own earnings');
select throws_ok($$select * from report_candidate_earnings(tests.id('K2'))$$, '42501', null,
  'crew cannot read another candidate''s earnings');
select throws_ok($$select * from report_project_financials()$$, '42501', null,
  'crew cannot read project financials');
reset role;

select tests.act_as('anon');
select throws_ok($$select * from report_candidate_earnings()$$, '42501', null,
  'anon cannot call report functions');
reset role;

select * from finish();
rollback;
