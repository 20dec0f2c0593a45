-- project_totals: statement-level triggers keep each project's figures equal to a fresh
-- aggregate of its rows through inserts, status moves, multi-row statements and deletes;
-- callers see totals only for projects they may see.
begin;
\ir fixtures/world.psql
select plan(12);

-- The fixture's writes went through the triggers: P1 has S1 (confirmed, 150) and S3
-- (invited, 140), PAY1 pending 300, PAY3 paid 280, CL1 draft.
select results_eq(
  $$select staff_invited, staff_confirmed, total_daily_rate, payments_paid, payments_pending,
           payments_count, claims_approved
      from project_totals where project_id = tests.id('P1')$$,
  $$values (1, 1, 290.00::numeric, 280.00::numeric, 300.00::numeric, 2, 0.00::numeric)$$,
  'totals follow the inserts');

update payments set status = 'approved' where id = tests.id('PAY1');
select is((select payments_pending from project_totals where project_id = tests.id('P1')),
  300.00::numeric, 'approved is still pending money');
update payments set status = 'paid' where id = tests.id('PAY1');
select results_eq(
  $$select payments_paid, payments_pending from project_totals where project_id = tests.id('P1')$$,
  $$values (580.00::numeric, 0.00::numeric)$$, 'paying moves money from pending to paid');

-- One statement over two projects (and rows of both): deltas per project, in one pass.
insert into payments (project_id, candidate_id, amount, payment_date)
select tests.id(p), tests.id('K1'), 10.25, current_date + g
  from unnest(array['P1', 'P2']) p, generate_series(1, 3) g;
select results_eq(
  $$select project_id, payments_pending, payments_count from project_totals
     where project_id in (tests.id('P1'), tests.id('P2')) order by project_id$$,
  $$select * from (values (tests.id('P1'), 30.75::numeric, 5), (tests.id('P2'), 350.75::numeric, 4))
      v(a, b, c) order by a$$,
  'a multi-row, multi-project insert adds to each project');

update expense_claims set status = 'submitted' where id = tests.id('CL1');
update expense_claims set status = 'approved' where id = tests.id('CL1');
select is((select claims_approved from project_totals where project_id = tests.id('P1')),
  45.50::numeric, 'an approved claim counts');
update expense_claims set status = 'paid' where id = tests.id('CL1');
select results_eq(
  $$select claims_approved, claims_paid from project_totals where project_id = tests.id('P1')$$,
  $$values (0.00::numeric, 45.50::numeric)$$, 'a paid claim moves from approved to paid');

update project_staff set status = 'cancelled' where id = tests.id('S3');
select results_eq(
  $$select staff_invited, staff_cancelled, total_daily_rate from project_totals
     where project_id = tests.id('P1')$$,
  $$values (0, 1, 150.00::numeric)$$, 'a cancelled assignment leaves the daily-rate total');
delete from project_staff where id = tests.id('S3');
select is((select staff_cancelled from project_totals where project_id = tests.id('P1')), 0,
  'a delete takes the row away');

-- A new project starts at zero.
with fresh as (
  insert into projects (title, start_date, end_date) values
    ('Totals Fresh', current_date, current_date) returning id)
select id as fresh_id from fresh \gset
select is((select payments_count from project_totals where project_id = :'fresh_id'), 0,
  'a new project has a zero row');

-- After all of that the maintained figures equal a fresh aggregate.
create temp table maintained as select * from project_totals;
select rebuild_project_totals();
select results_eq(
  $$select project_id, staff_invited, staff_confirmed, staff_cancelled, staff_completed,
           total_daily_rate, payments_paid, payments_pending, payments_count, claims_approved,
           claims_paid from maintained order by project_id$$,
  $$select project_id, staff_invited, staff_confirmed, staff_cancelled, staff_completed,
           total_daily_rate, payments_paid, payments_pending, payments_count, claims_approved,
           claims_paid from project_totals order by project_id$$,
  'maintained totals equal a rebuild from the rows');

-- RLS: a manager sees the totals of their own project only; anon sees nothing.
select tests.act_as('manager');
select is((select count(*)::int from project_totals
            where project_id in (tests.id('P1'), tests.id('P2'))), 1,
  'manager sees only their own project''s totals');
reset role;
select tests.act_as('anon');
select throws_ok('select * from project_totals', '42501', null, 'anon has no access');
reset role;

select * from finish();
rollback;
