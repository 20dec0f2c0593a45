-- Status machines: every allowed transition passes, every other one fails with 23514,
-- for every caller (service_role bypasses RLS, not triggers).
begin;
\ir fixtures/world.psql
select plan(44);

-- One fresh row per (from, to) pair, inserted directly in the "from" status.
create temp table pay_pairs as
select f.s as from_status, t.s as to_status,
       (f.s = 'pending' and t.s in ('approved', 'cancelled'))
       or (f.s = 'approved' and t.s in ('paid', 'failed', 'cancelled')) as allowed,
       gen_random_uuid() as id
  from unnest(enum_range(null::payment_status)) f(s)
 cross join unnest(enum_range(null::payment_status)) t(s)
 where f.s <> t.s;
insert into payments (id, project_id, candidate_id, amount, payment_date, status)
select id, tests.id('P1'), tests.id('K1'), 10, current_date, from_status from pay_pairs;

select case when allowed
  then lives_ok(format('update payments set status = %L where id = %L', to_status, id),
                format('payment %s -> %s allowed', from_status, to_status))
  else throws_ok(format('update payments set status = %L where id = %L', to_status, id),
                 '23514', null, format('payment %s -> %s refused', from_status, to_status))
  end
  from pay_pairs order by from_status, to_status;

create temp table claim_pairs as
select f.s as from_status, t.s as to_status,
       (f.s = 'draft' and t.s = 'submitted')
       or (f.s = 'submitted' and t.s in ('approved', 'rejected'))
       or (f.s = 'approved' and t.s = 'paid') as allowed,
       gen_random_uuid() as id
  from unnest(enum_range(null::claim_status)) f(s)
 cross join unnest(enum_range(null::claim_status)) t(s)
 where f.s <> t.s;
-- A reason on every row so the rejected-without-reason check cannot be what fails.
insert into expense_claims (id, candidate_id, project_id, category, amount, status, rejection_reason)
select id, tests.id('K1'), tests.id('P1'), 'transport', 10, from_status, 'fixture reason'
  from claim_pairs;

select case when allowed
  then lives_ok(format('update expense_claims set status = %L where id = %L', to_status, id),
                format('claim %s -> %s allowed', from_status, to_status))
  else throws_ok(format('update expense_claims set status = %L where id = %L', to_status, id),
                 '23514', null, format('claim %s -> %s refused', from_status, to_status))
  end
  from claim_pairs order by from_status, to_status;

-- Stamps come from the clock and the JWT caller.
select tests.act_as('finance');
update payments set status = 'approved' where id = tests.id('PAY1');
update payments set status = 'paid' where id = tests.id('PAY1');
update expense_claims set status = 'approved' where id = tests.id('CL2');
reset role;
select results_eq(
  $$select approved_by, approved_at is not null, paid_at is not null from payments
     where id = tests.id('PAY1')$$,
  $$values (tests.id('finance'), true, true)$$,
  'approve/pay stamp approved_by from the JWT and approved_at/paid_at');
select results_eq(
  $$select decided_by, decided_at is not null from expense_claims where id = tests.id('CL2')$$,
  $$values (tests.id('finance'), true)$$, 'decision stamps decided_by and decided_at');
select ok((select submitted_at is not null from expense_claims where id = tests.id('CL2')),
  'a claim inserted as submitted gets submitted_at');

-- service_role bypasses RLS but not the state machine.
set local role service_role;
select throws_ok($$update payments set status = 'pending' where id = tests.id('PAY3')$$,
  '23514', 'invalid payment status transition: paid -> pending',
  'service_role cannot reverse a paid payment');
reset role;

select * from finish();
rollback;
