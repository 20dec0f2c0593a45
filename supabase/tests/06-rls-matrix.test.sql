-- RLS matrix: for each role, which fixture rows it can read, insert, update and delete.
-- Forbidden UPDATE/DELETE touch 0 rows; forbidden INSERT (or an UPDATE whose new row fails
-- the policy) raises 42501.
begin;
\ir fixtures/world.psql
select plan(66);

-- Fixture rows visible to the current caller, by fixture name, per table.
create function tests.visible() returns jsonb
language sql as $$
  select jsonb_build_object(
    'projects', (select coalesce(jsonb_agg(n.name order by n.name), '[]')
                   from projects t join tests.ids n on n.id = t.id),
    'candidates', (select coalesce(jsonb_agg(n.name order by n.name), '[]')
                     from candidates t join tests.ids n on n.id = t.id),
    'bank', (select coalesce(jsonb_agg(n.name order by n.name), '[]')
               from candidate_bank_accounts t join tests.ids n on n.id = t.candidate_id),
    'staff', (select coalesce(jsonb_agg(n.name order by n.name), '[]')
                from project_staff t join tests.ids n on n.id = t.id),
    'payments', (select coalesce(jsonb_agg(n.name order by n.name), '[]')
                   from payments t join tests.ids n on n.id = t.id),
    'claims', (select coalesce(jsonb_agg(n.name order by n.name), '[]')
                 from expense_claims t join tests.ids n on n.id = t.id),
    'logs', (select count(*) > 0 from activity_logs t join tests.ids n on n.id = t.entity_id))
$$;
grant execute on function tests.visible() to authenticated;

-- ---------------------------------------------------------------- reads
select tests.act_as('admin');
select is(tests.visible(), '{"projects": ["P1","P2"], "candidates": ["K1","K2","K3"],
  "bank": ["K1","K2"], "staff": ["S1","S2","S3"], "payments": ["PAY1","PAY2","PAY3"],
  "claims": ["CL1","CL2"], "logs": true}'::jsonb, 'admin reads everything');
reset role;
select tests.act_as('finance');
select is(tests.visible(), '{"projects": ["P1","P2"], "candidates": ["K1","K2","K3"],
  "bank": ["K1","K2"], "staff": ["S1","S2","S3"], "payments": ["PAY1","PAY2","PAY3"],
  "claims": ["CL1","CL2"], "logs": true}'::jsonb, 'finance reads everything incl. bank details');
reset role;
select tests.act_as('manager');
select is(tests.visible(), '{"projects": ["P1"], "candidates": ["K1","K2","K3"], "bank": [],
  "staff": ["S1","S3"], "payments": ["PAY1","PAY3"], "claims": ["CL1"], "logs": false}'::jsonb,
  'manager reads own projects, their staff/payments/claims, all candidates, no bank details');
reset role;
select tests.act_as('manager2');
select is(tests.visible(), '{"projects": ["P2"], "candidates": ["K1","K2","K3"], "bank": [],
  "staff": ["S2"], "payments": ["PAY2"], "claims": ["CL2"], "logs": false}'::jsonb,
  'second manager reads only their own project');
reset role;
select tests.act_as('crew');
select is(tests.visible(), '{"projects": ["P1"], "candidates": ["K1"], "bank": ["K1"],
  "staff": ["S1"], "payments": ["PAY1"], "claims": ["CL1"], "logs": false}'::jsonb,
  'crew read only their own rows (and projects they work on)');
select is_empty($$select ic_number from candidates where id = tests.id('K2')$$,
  'crew cannot read another candidate''s IC');
select is_empty($$select account_number from candidate_bank_accounts where candidate_id = tests.id('K2')$$,
  'crew cannot read another candidate''s bank details');
select is_empty($$select amount from payments where candidate_id = tests.id('K2')$$,
  'crew cannot read another candidate''s payments');
select throws_ok('select * from payments_default', '42501', null,
  'partitions cannot be read directly (RLS lives on the parent)');
select throws_ok('select * from payment_idempotency_keys', '42501', null,
  'idempotency keys are not exposed to API roles');
reset role;
select tests.act_as('crew2');
select is(tests.visible(), '{"projects": ["P2"], "candidates": ["K2"], "bank": ["K2"],
  "staff": ["S2"], "payments": ["PAY2"], "claims": ["CL2"], "logs": false}'::jsonb,
  'second crew member reads only their own rows');
reset role;

select tests.act_as('anon');
select throws_ok('select 1 from projects', '42501', null, 'anon: projects denied');
select throws_ok('select 1 from candidates', '42501', null, 'anon: candidates denied');
select throws_ok('select 1 from candidate_bank_accounts', '42501', null, 'anon: bank accounts denied');
select throws_ok('select 1 from project_staff', '42501', null, 'anon: project_staff denied');
select throws_ok('select 1 from payments', '42501', null, 'anon: payments denied');
select throws_ok('select 1 from expense_claims', '42501', null, 'anon: expense_claims denied');
select throws_ok('select 1 from activity_logs', '42501', null, 'anon: activity_logs denied');
select throws_ok($$insert into projects (title, start_date, end_date) values ('x', current_date, current_date)$$,
  '42501', null, 'anon: cannot insert');
select throws_ok('select public.app_role()', '42501', null, 'anon: cannot even call helpers');
reset role;

-- ---------------------------------------------------------------- projects
select tests.act_as('manager');
select lives_ok($$insert into projects (title, start_date, end_date, manager_id)
  values ('Mine', current_date, current_date, tests.id('manager'))$$, 'manager creates own project');
select throws_ok($$insert into projects (title, start_date, end_date, manager_id)
  values ('Theirs', current_date, current_date, tests.id('manager2'))$$, '42501', null,
  'manager cannot create a project for another manager');
select is(tests.affected($$update projects set venue = 'Hall A' where id = tests.id('P1')$$), 1,
  'manager updates own project');
select is(tests.affected($$update projects set venue = 'Hall B' where id = tests.id('P2')$$), 0,
  'manager cannot update another manager''s project');
select is(tests.affected($$delete from projects where id = tests.id('P2')$$), 0,
  'manager cannot delete another manager''s project');
select throws_ok($$update projects set manager_id = tests.id('manager2') where id = tests.id('P1')$$,
  '42501', null, 'manager cannot hand a project to someone else');
reset role;
select tests.act_as('finance');
select is(tests.affected($$update projects set venue = 'x' where id = tests.id('P1')$$), 0,
  'finance reads projects but cannot change them');
reset role;
select tests.act_as('crew');
select is(tests.affected($$update projects set venue = 'x' where id = tests.id('P1')$$), 0,
  'crew cannot change projects');
reset role;
select tests.act_as('admin');
select is(tests.affected($$update projects set venue = 'Admin Hall' where id = tests.id('P2')$$), 1,
  'admin updates any project');
reset role;

-- ---------------------------------------------------------------- candidates and bank details
select tests.act_as('manager');
select lives_ok($$insert into candidates (full_name, ic_number) values ('New Hire', '950505-99-0005')$$,
  'manager onboards a candidate');
select is(tests.affected($$delete from candidates where ic_number = '950505990005'$$), 0,
  'manager cannot delete candidates');
reset role;
select tests.act_as('crew');
select throws_ok($$insert into candidates (full_name, ic_number) values ('Me Again', '960606-99-0006')$$,
  '42501', null, 'crew cannot create candidates');
select throws_ok($$update candidates set status = 'inactive' where id = tests.id('K1')$$, '42501',
  null, 'crew cannot edit their candidate record beyond contact fields (status)');
select is(tests.affected($$update candidate_bank_accounts set bank_name = 'RHB' where candidate_id = tests.id('K1')$$), 1,
  'crew update their own bank details');
select is(tests.affected($$update candidate_bank_accounts set bank_name = 'RHB' where candidate_id = tests.id('K2')$$), 0,
  'crew cannot update someone else''s bank details');
select throws_ok($$insert into candidate_bank_accounts (candidate_id, bank_name, account_number, account_holder)
  values (tests.id('K3'), 'x', '1', 'x')$$, '42501', null,
  'crew cannot add bank details for someone else');
reset role;
select tests.act_as('manager');
select is(tests.affected($$update candidate_bank_accounts set bank_name = 'x' where candidate_id = tests.id('K1')$$), 0,
  'manager cannot touch bank details');
reset role;
select tests.act_as('finance');
select is(tests.affected($$update candidate_bank_accounts set bank_name = 'Public Bank' where candidate_id = tests.id('K2')$$), 1,
  'finance maintains bank details');
select is(tests.affected($$update candidates set phone = '0' where id = tests.id('K2')$$), 0,
  'finance cannot edit candidates');
reset role;

-- ---------------------------------------------------------------- project_staff
select tests.act_as('manager');
select lives_ok($$insert into project_staff (project_id, candidate_id) values (tests.id('P1'), tests.id('K2'))$$,
  'manager staffs own project');
select throws_ok($$insert into project_staff (project_id, candidate_id) values (tests.id('P2'), tests.id('K1'))$$,
  '42501', null, 'manager cannot staff another manager''s project');
select is(tests.affected($$update project_staff set status = 'confirmed' where id = tests.id('S3')$$), 1,
  'manager confirms staff on own project');
select is(tests.affected($$update project_staff set daily_rate = 999 where id = tests.id('S2')$$), 0,
  'manager cannot change staff on another manager''s project');
reset role;
select tests.act_as('crew');
select is(tests.affected($$update project_staff set daily_rate = 999 where id = tests.id('S1')$$), 0,
  'crew cannot change their own daily rate');
select throws_ok($$insert into project_staff (project_id, candidate_id) values (tests.id('P2'), tests.id('K1'))$$,
  '42501', null, 'crew cannot assign themselves');
reset role;
select tests.act_as('finance');
select is(tests.affected($$update project_staff set daily_rate = 1 where id = tests.id('S1')$$), 0,
  'finance cannot change assignments');
reset role;

-- ---------------------------------------------------------------- payments
select tests.act_as('finance');
select lives_ok($$insert into payments (project_id, candidate_id, amount, payment_date)
  values (tests.id('P2'), tests.id('K2'), 100, current_date)$$, 'finance creates payments');
select is(tests.affected($$update payments set status = 'approved' where id = tests.id('PAY2')$$), 1,
  'finance moves payment status');
reset role;
select tests.act_as('manager');
select throws_ok($$insert into payments (project_id, candidate_id, amount, payment_date)
  values (tests.id('P1'), tests.id('K1'), 100, current_date)$$, '42501', null,
  'manager cannot create payments, even on own project');
select is(tests.affected($$update payments set status = 'approved' where id = tests.id('PAY1')$$), 0,
  'manager cannot approve payments');
reset role;
select tests.act_as('crew');
select throws_ok($$insert into payments (project_id, candidate_id, amount, payment_date)
  values (tests.id('P1'), tests.id('K1'), 100, current_date)$$, '42501', null,
  'crew cannot pay themselves');
select is(tests.affected($$update payments set amount = 9999 where id = tests.id('PAY1')$$), 0,
  'crew cannot edit their payment');
select is(tests.affected($$delete from payments where id = tests.id('PAY1')$$), 0,
  'crew cannot delete their payment');
reset role;

-- ---------------------------------------------------------------- expense claims
select tests.act_as('crew');
select lives_ok($$insert into expense_claims (candidate_id, project_id, category, amount)
  values (tests.id('K1'), tests.id('P1'), 'meals', 20)$$, 'crew file a draft claim on their project');
select throws_ok($$insert into expense_claims (candidate_id, project_id, category, amount)
  values (tests.id('K1'), tests.id('P2'), 'meals', 20)$$, '42501', null,
  'crew cannot claim on a project they do not work on');
select throws_ok($$insert into expense_claims (candidate_id, project_id, category, amount)
  values (tests.id('K2'), tests.id('P1'), 'meals', 20)$$, '42501', null,
  'crew cannot file a claim for someone else');
select throws_ok($$insert into expense_claims (candidate_id, project_id, category, amount, status)
  values (tests.id('K1'), tests.id('P1'), 'meals', 20, 'approved')$$, '42501', null,
  'crew cannot file an already approved claim');
select is(tests.affected($$update expense_claims set amount = 50 where id = tests.id('CL1')$$), 1,
  'crew edit their draft claim');
select is(tests.affected($$update expense_claims set status = 'submitted' where id = tests.id('CL1')$$), 1,
  'crew submit their claim');
select is(tests.affected($$update expense_claims set amount = 60 where id = tests.id('CL1')$$), 0,
  'crew cannot edit a claim once submitted');
reset role;
select tests.act_as('crew2');
select is(tests.affected($$update expense_claims set status = 'approved' where id = tests.id('CL2')$$), 0,
  'crew cannot approve their own submitted claim');
reset role;
select tests.act_as('manager');
select is(tests.affected($$update expense_claims set status = 'approved' where id = tests.id('CL1')$$), 0,
  'manager cannot decide claims');
reset role;
select tests.act_as('finance');
select is(tests.affected($$update expense_claims set status = 'rejected', rejection_reason = 'no receipt'
  where id = tests.id('CL1')$$), 1, 'finance rejects a claim with a reason');
select is(tests.affected($$update expense_claims set status = 'approved' where id = tests.id('CL2')$$), 1,
  'finance approves a claim');
select is(tests.affected($$update expense_claims set status = 'paid' where id = tests.id('CL2')$$), 1,
  'finance pays an approved claim');
select throws_ok($$insert into activity_logs (action, entity) values ('insert', 'forged')$$,
  '42501', null, 'nobody writes the activity log directly');
reset role;

select * from finish();
rollback;
