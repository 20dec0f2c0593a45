-- Money integrity rules (issue 21) that live in the database, for every door.
begin;
\ir fixtures/world.psql
select plan(21);

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

-- ---------------------------------------------------------------- four eyes
select tests.act_as('finance');
insert into payments (id, project_id, candidate_id, amount, payment_date)
values ('40000000-0000-4000-8000-0000000000f1', tests.id('P2'), tests.id('K2'), 10, current_date);
select throws_ok($$update payments set status = 'approved'
                    where id = '40000000-0000-4000-8000-0000000000f1'$$,
  '42501', null, 'the creator cannot approve their own payment (payments_four_eyes)');
reset role;
select tests.act_as('admin');
select is(tests.affected($$update payments set status = 'approved'
                             where id = '40000000-0000-4000-8000-0000000000f1'$$), 1,
  'a second person approves it');
select tests.act_as('admin');
insert into payments (id, project_id, candidate_id, amount, payment_date)
values ('40000000-0000-4000-8000-0000000000f2', tests.id('P2'), tests.id('K2'), 11, current_date);
select throws_ok($$update payments set status = 'approved'
                    where id = '40000000-0000-4000-8000-0000000000f2'$$,
  '42501', null, 'admins are not exempt');
reset role;

-- A changed account sends approved, not-exported payments back to pending. (The service path
-- here: no claims, so the approval below is an operator's and keeps the approver it names.)
select set_config('request.jwt.claims', '', true);
update payments set created_by = tests.id('finance')
 where id = '40000000-0000-4000-8000-0000000000f2';
insert into private.bank_files (id, period_start, period_end, created_by)
values ('70000000-0000-4000-8000-000000000001', current_date, current_date, tests.id('finance'));
update payments set status = 'approved', approved_by = tests.id('admin')
 where id = '40000000-0000-4000-8000-0000000000f2';
insert into private.bank_file_payments (payment_id, payment_date, file_id, line_no)
values ('40000000-0000-4000-8000-0000000000f2', current_date,
        '70000000-0000-4000-8000-000000000001', 1);
select tests.act_as('crew2');
update candidate_bank_accounts set account_number = '999900009999'
 where candidate_id = tests.id('K2');
reset role;
select results_eq($$select status::text, approved_by from payments
                     where id = '40000000-0000-4000-8000-0000000000f1'$$,
  $$values ('pending', null::uuid)$$,
  'the crew member''s account change sent the approved payment back to pending');
select is((select status::text from payments where id = '40000000-0000-4000-8000-0000000000f2'),
  'approved', 'a payment already in a bank file keeps its approval');
select is((select actor_id from activity_logs
            where entity = 'payments' and entity_id = '40000000-0000-4000-8000-0000000000f1'
              and action = 'update' and after ->> 'status' = 'pending'), tests.id('crew2'),
  'the audit log names who changed the account as the actor of the un-approval');
select throws_ok($$update payments set status = 'pending'
                    where id = '40000000-0000-4000-8000-0000000000f2'$$,
  '23514', null, 'nobody else may move approved -> pending');

-- ---------------------------------------------------------------- no day paid twice
select tests.act_as('admin');
insert into payments (id, project_id, candidate_id, amount, payment_date, period_start, period_end)
values ('40000000-0000-4000-8000-0000000000d1', tests.id('P2'), tests.id('K2'), 100, current_date,
        '2026-11-01', '2026-11-30');
select throws_ok($$insert into payments (project_id, candidate_id, amount, payment_date,
                                         period_start, period_end)
                   values (tests.id('P2'), tests.id('K2'), 100, current_date,
                           '2026-11-15', '2026-12-15')$$,
  '23P01', null, 'an overlapping period for the same project and candidate is refused');
select lives_ok($$insert into payments (project_id, candidate_id, amount, payment_date,
                                        period_start, period_end)
                  values (tests.id('P2'), tests.id('K2'), 100, current_date,
                          '2026-12-01', '2026-12-15')$$,
  'the days after it are free');
update payments set status = 'cancelled' where id = '40000000-0000-4000-8000-0000000000d1';
select lives_ok($$insert into payments (project_id, candidate_id, amount, payment_date,
                                        period_start, period_end)
                  values (tests.id('P2'), tests.id('K2'), 100, current_date,
                          '2026-11-15', '2026-11-30')$$,
  'a cancelled payment frees its days');
reset role;
select set_config('request.jwt.claims', '', true);
select throws_ok($$insert into payments (project_id, candidate_id, amount, payment_date,
                                         period_start, period_end)
                   values (tests.id('P2'), tests.id('K2'), 100, current_date,
                           '2026-11-20', '2026-11-20')$$,
  '23P01', null, 'the service path cannot pay a day twice either');

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
