-- Money integrity rules (issue 21) that live in the database, for every door.
begin;
\ir fixtures/world.psql
select plan(10);

-- ---------------------------------------------------------------- nothing on a deleted project
update projects set deleted_at = now() where id = tests.id('P1');

select tests.act_as('finance');
select throws_ok($$insert into payments (project_id, candidate_id, amount, payment_date)
                   values (tests.id('P1'), tests.id('K1'), 10, current_date)$$,
  '23503', null, 'no payment for a deleted project (payments_project_live)');
reset role;
select tests.act_as('crew');
select throws_ok($$insert into expense_claims (candidate_id, project_id, category, amount)
                   values (tests.id('K1'), tests.id('P1'), 'meals', 5)$$,
  '23503', null, 'no expense claim for a deleted project');
reset role;
select tests.act_as('admin');
select throws_ok($$insert into project_staff (project_id, candidate_id) values (tests.id('P1'), tests.id('K2'))$$,
  '23503', null, 'no assignment on a deleted project');
select throws_ok($$update payments set project_id = tests.id('P1') where id = tests.id('PAY2')$$,
  '23503', null, 'no payment moved onto a deleted project');
select lives_ok($$update payments set status = 'approved' where id = tests.id('PAY1')$$,
  'a payment of a project deleted later still moves');
reset role;
-- The service path too (the seed and imports bypass triggers by session_replication_role).
select set_config('request.jwt.claims', '', true);
select throws_ok($$insert into payments (project_id, candidate_id, amount, payment_date)
                   values (tests.id('P1'), tests.id('K1'), 10, current_date)$$,
  '23503', null, 'the service path cannot either');
select lives_ok($$insert into payments (project_id, candidate_id, amount, payment_date)
                  values (tests.id('P2'), tests.id('K2'), 10, current_date)$$,
  'a live project takes payments');

-- ---------------------------------------------------------------- idempotency records expire
insert into payment_idempotency_keys (key, request_hash, created_at) values
  ('tests:old', 'h', now() - interval '49 hours'),
  ('tests:young', 'h', now() - interval '47 hours'),
  ('payroll:tests:old', 'h', now() - interval '400 days');
select is(public.purge_idempotency_keys() >= 1, true, 'the sweep deletes old keys');
select set_eq($$select key from payment_idempotency_keys where key like '%tests:%'$$,
  array['tests:young', 'payroll:tests:old'],
  'keys younger than 48 h and payroll''s dedupe keys stay');
select is((select schedule from cron.job where jobname = 'purge-idempotency-keys'), '20 * * * *',
  'pg_cron sweeps them hourly');

select * from finish();
rollback;
