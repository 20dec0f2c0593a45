-- Bad rows are rejected by the database itself, whoever writes them.
begin;
\ir fixtures/world.psql
select plan(27);

-- IC numbers
select ok(is_ic_valid('900101145678'), 'valid IC');
select ok(is_ic_valid('900101-14-5678'), 'valid IC with dashes');
select ok(not is_ic_valid('90010114567'), '11 digits rejected');
select ok(not is_ic_valid('9001011456789'), '13 digits rejected');
select ok(not is_ic_valid('90010A145678'), 'non-digit rejected');
select ok(not is_ic_valid('991332145678'), 'month 13 rejected');
select ok(not is_ic_valid('000000145678'), '000000 rejected');
select ok(not is_ic_valid('990230145678'), '30 February rejected');
select ok(is_ic_valid('000229145678'), '29 Feb 2000 (leap year) accepted');
select ok(not is_ic_valid('010229145678'), '29 Feb 2001 rejected');
select is(normalize_ic(' 900101-14 5678 '), '900101145678', 'normalize_ic strips dashes and spaces');
select is(ic_birth_date('450815-10-1234'), '1945-08-15'::date, 'YY above current year is 19YY');
select is(ic_birth_date('050815-10-1234'), '2005-08-15'::date, 'YY up to current year is 20YY');

select throws_ok($$insert into candidates (full_name, ic_number) values ('Bad', '991332-14-5678')$$,
  '23514', null, 'candidate with impossible birth date rejected');
select throws_ok($$insert into candidates (full_name, ic_number) values ('Bad', '12345')$$,
  '23514', null, 'candidate with malformed IC rejected');
select throws_ok($$insert into candidates (full_name, ic_number) values ('Dup', '900101990001')$$,
  '23505', null, 'duplicate IC (dashed original, plain duplicate) rejected');
select results_eq(
  $$insert into candidates (full_name, ic_number) values ('Dashed', '880808-99-0009')
    returning ic_number, date_of_birth$$,
  $$values ('880808990009'::text, '1988-08-08'::date)$$,
  'IC stored normalized with date of birth derived');

-- money
select throws_ok($$insert into payments (project_id, candidate_id, amount, payment_date)
  values (tests.id('P1'), tests.id('K1'), -5, current_date)$$, '23514', null,
  'negative payment rejected');
select throws_ok($$insert into payments (project_id, candidate_id, amount, payment_date)
  values (tests.id('P1'), tests.id('K1'), 0, current_date)$$, '23514', null,
  'zero payment rejected');
select throws_ok($$insert into payments (project_id, candidate_id, amount, payment_date)
  values (tests.id('P1'), tests.id('K1'), 1.005, current_date)$$, '23514', null,
  '3-decimal amount rejected, not rounded');
select throws_ok($$insert into expense_claims (candidate_id, project_id, category, amount)
  values (tests.id('K1'), tests.id('P1'), 'meals', 0)$$, '23514', null, 'zero claim rejected');
select results_eq(
  $$insert into payments (project_id, candidate_id, amount, payment_date)
    values (tests.id('P1'), tests.id('K1'), 12.5, current_date), (tests.id('P1'), tests.id('K1'), 7, current_date)
    returning amount::text$$,
  array['12.50', '7.00'], 'amounts stored with exactly 2 decimals');
select is_empty($$select 1 from payments where scale(amount) <> 2
                  union all select 1 from expense_claims where scale(amount) <> 2$$,
  'no stored amount has other than 2 decimals');

-- dates and uniqueness
select throws_ok($$insert into projects (title, start_date, end_date)
  values ('Backwards', '2025-05-02', '2025-05-01')$$, '23514', null, 'project ending before it starts rejected');
select throws_ok($$insert into project_staff (project_id, candidate_id, start_date, end_date)
  values (tests.id('P2'), tests.id('K3'), '2025-05-02', '2025-05-01')$$, '23514', null,
  'assignment ending before it starts rejected');
select throws_ok($$insert into project_staff (project_id, candidate_id)
  values (tests.id('P1'), tests.id('K1'))$$, '23505', null, 'duplicate assignment rejected');
select throws_ok($$insert into expense_claims (candidate_id, project_id, category, amount, status)
  values (tests.id('K1'), tests.id('P1'), 'meals', 10, 'rejected')$$, '23514', null,
  'rejected claim without a reason rejected');

select * from finish();
rollback;
