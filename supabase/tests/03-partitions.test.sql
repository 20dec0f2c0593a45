-- Monthly partitioning of payments / activity_logs.
begin;
\ir fixtures/world.psql
select plan(9);

select is((select tableoid::regclass::text from payments where id = tests.id('PAY1')),
  'payments_y' || to_char(current_date, 'YYYY"m"MM'), 'a current payment lands in its month');

insert into payments (id, project_id, candidate_id, amount, payment_date)
values ('40000000-0000-4000-8000-0000000000aa', tests.id('P1'), tests.id('K1'), 5,
        (date_trunc('month', current_date) - interval '23 months')::date + 14);
select is((select tableoid::regclass::text from payments
            where id = '40000000-0000-4000-8000-0000000000aa'),
  'payments_y' || to_char(current_date - interval '23 months', 'YYYY"m"MM'),
  'a payment 23 months back lands in its month (history partitions exist)');

insert into payments (id, project_id, candidate_id, amount, payment_date)
values ('40000000-0000-4000-8000-0000000000bb', tests.id('P1'), tests.id('K1'), 5, '2099-03-15');
select is((select tableoid::regclass::text from payments
            where id = '40000000-0000-4000-8000-0000000000bb'),
  'payments_default', 'a far-future payment lands in the default partition');

select ok(to_regclass('public.payments_y' || to_char(current_date + interval '3 months', 'YYYY"m"MM'))
  is not null, 'the migration created 3 months ahead');
select cmp_ok(ensure_monthly_partitions('public.payments', 6), '>=', 3,
  'ensure_monthly_partitions(payments, 6) creates the missing months');
select ok(to_regclass('public.payments_y' || to_char(current_date + interval '6 months', 'YYYY"m"MM'))
  is not null, 'payments partition 6 months ahead now exists');
select is(ensure_monthly_partitions('public.payments', 6), 0, 'a second run creates nothing');

-- A month that only gets its partition after rows already landed in DEFAULT: rows move.
insert into payments (id, project_id, candidate_id, amount, payment_date)
values ('40000000-0000-4000-8000-0000000000cc', tests.id('P1'), tests.id('K1'), 5,
        (date_trunc('month', current_date) - interval '40 months')::date + 3);
select ensure_monthly_partitions('public.payments', 0, 40);
select is((select tableoid::regclass::text from payments
            where id = '40000000-0000-4000-8000-0000000000cc'),
  'payments_y' || to_char(current_date - interval '40 months', 'YYYY"m"MM'),
  'rows already in DEFAULT move into the new month partition');
select ok(
  (select relrowsecurity and not has_table_privilege('authenticated', oid, 'select')
     from pg_class where oid = ('public.payments_y'
       || to_char(current_date - interval '40 months', 'YYYY"m"MM'))::regclass),
  'a partition created later is RLS-locked and ungranted');

select * from finish();
rollback;
