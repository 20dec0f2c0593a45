-- Actor stamps and admin-only candidate fields, as the functions' role (functions_user) with a
-- user's claims: the database writes who did it, whatever the statement sent (docs/security.md).
begin;
\ir fixtures/world.psql
select plan(17);

-- ---------------------------------------------------------------- payments
select tests.act_as('finance');
select throws_ok($$insert into payments (project_id, candidate_id, amount, payment_date, status)
                   values (tests.id('P1'), tests.id('K1'), 10, current_date, 'approved')$$,
  '23514', null, 'a user''s new payment must be pending (payments_created_pending)');
insert into payments (id, project_id, candidate_id, amount, payment_date, approved_by, approved_at,
                      created_by)
values ('40000000-0000-4000-8000-0000000000aa', tests.id('P1'), tests.id('K1'), 10, current_date,
        tests.id('admin'), now(), tests.id('admin'));
select results_eq($$select created_by, approved_by, approved_at from payments
                     where id = '40000000-0000-4000-8000-0000000000aa'$$,
  $$values (tests.id('finance'), null::uuid, null::timestamptz)$$,
  'insert: created_by is the caller, approval stamps sent by the caller are dropped');
update payments set status = 'approved', approved_by = tests.id('admin'), approved_at = 'epoch'
 where id = tests.id('PAY1');
select results_eq($$select approved_by, approved_at > now() - interval '1 minute' from payments
                     where id = tests.id('PAY1')$$,
  $$values (tests.id('finance'), true)$$,
  'approving stamps the caller and now(), not the values sent');
update payments set created_by = tests.id('admin'), approved_by = tests.id('admin')
 where id = tests.id('PAY1');
select results_eq($$select created_by, approved_by from payments where id = tests.id('PAY1')$$,
  $$values (null::uuid, tests.id('finance'))$$,
  'created_by and approved_by cannot be rewritten afterwards');
reset role;

-- ---------------------------------------------------------------- expense claims
select tests.act_as('crew');
insert into expense_claims (id, candidate_id, project_id, category, amount, status, decided_by,
                            decided_at, created_by)
values ('50000000-0000-4000-8000-0000000000aa', tests.id('K1'), tests.id('P1'), 'meals', 12,
        'submitted', tests.id('finance'), now(), tests.id('finance'));
select results_eq($$select created_by, decided_by, decided_at, submitted_at is not null
                      from expense_claims where id = '50000000-0000-4000-8000-0000000000aa'$$,
  $$values (tests.id('crew'), null::uuid, null::timestamptz, true)$$,
  'crew insert: created_by is the caller, decision stamps are dropped');
reset role;
select tests.act_as('finance');
update expense_claims set status = 'approved', decided_by = tests.id('admin')
 where id = tests.id('CL2');
select is((select decided_by from expense_claims where id = tests.id('CL2')), tests.id('finance'),
  'deciding stamps the caller, not the decided_by sent');
update expense_claims set decided_by = tests.id('admin') where id = tests.id('CL2');
select is((select decided_by from expense_claims where id = tests.id('CL2')), tests.id('finance'),
  'decided_by cannot be rewritten afterwards');
reset role;

-- ---------------------------------------------------------------- projects
select tests.act_as('manager');
update projects set created_by = tests.id('admin') where id = tests.id('P1');
select is((select created_by from projects where id = tests.id('P1')), null::uuid,
  'a project''s created_by cannot be rewritten');
reset role;

-- ---------------------------------------------------------------- candidates: admin-only fields
select tests.act_as('manager');
select throws_ok($$update candidates set user_id = tests.id('crew2') where id = tests.id('K3')$$,
  '42501', null, 'a manager cannot re-link a candidate (candidates_admin_fields)');
select throws_ok($$update candidates set ic_number = '920303-99-0004' where id = tests.id('K3')$$,
  '42501', null, 'a manager cannot change an IC');
select lives_ok($$update candidates set ic_number = '920303-99-0003', phone = '0129999999'
                   where id = tests.id('K3')$$,
  'the same IC reformatted is no change: a manager''s other edits go through');
reset role;
select tests.act_as('admin');
select lives_ok($$update candidates set ic_number = '920303-99-0004' where id = tests.id('K3')$$,
  'an admin may change an IC');
reset role;
select tests.act_as('crew');
select is(tests.affected($$update candidates set phone = '0127777777', skills = '{rigging}'
                           where id = tests.id('K1')$$), 1,
  'crew edit their own phone and skills as themselves');
select throws_ok($$update candidates set full_name = 'Someone Else' where id = tests.id('K1')$$,
  '42501', null, 'crew cannot change other columns of their record (candidates_self_fields)');
select is(tests.affected($$update candidates set phone = '0128888888' where id = tests.id('K2')$$),
  0, 'crew cannot edit another candidate');
reset role;
select results_eq($$select actor_id, actor_role, after from activity_logs
                     where entity = 'candidates' and entity_id = tests.id('K1')
                       and action = 'update'$$,
  $$values (tests.id('crew'), 'crew', '{"phone": "0127777777", "skills": ["rigging"]}'::jsonb)$$,
  'the self-edit is audited with the crew member as actor');
-- The service path (no claims: the seed, imports, operators) is not a user's transaction.
select set_config('request.jwt.claims', '', true);
select lives_ok($$update candidates set user_id = null where id = tests.id('K2')$$,
  'the service path may re-link');

select * from finish();
rollback;
