-- One chunk of payroll (ordinals seed.lo..seed.hi): weekly payments per worked assignment,
-- round-robin over assignments. Status by age, consistent with the state machine: old rows
-- are settled (paid / failed / cancelled), recent ones still moving, future ones pending.
insert into payments (id, project_id, candidate_id, amount, payment_date, status, method,
                      reference, period_start, period_end, approved_by, approved_at, paid_at,
                      failure_reason, created_by, created_at, updated_at)
select pg_temp.sid('payment', j), w.project_id, w.candidate_id, x.amount, x.payment_date,
       x.status, x.method,
       case when x.status = 'paid'
            then 'PAY-' || to_char(x.payment_date, 'YYYYMMDD') || '-' || lpad(j::text, 7, '0') end,
       x.period_start, x.period_start + 6,
       case when x.status in ('approved', 'paid', 'failed')
            then '00000000-0000-4000-a000-000000000003'::uuid end,
       case when x.status in ('approved', 'paid', 'failed') then x.created_at + interval '1 day' end,
       case when x.status = 'paid' then x.created_at + interval '3 days' end,
       case when x.status = 'failed' then pg_temp.pick(array['Invalid account number',
              'Account closed', 'Beneficiary name mismatch', 'Bank rejected transfer'],
              pg_temp.h(j, 47)) end,
       '00000000-0000-4000-a000-000000000003'::uuid,
       x.created_at,
       x.created_at + case x.status when 'paid' then interval '3 days'
                                    when 'pending' then interval '0'
                                    else interval '1 day' end
  from generate_series(current_setting('seed.lo')::bigint, current_setting('seed.hi')::bigint) j
  cross join (select count(*) as n from seed_worked) e
  join seed_worked w on w.idx = 1 + (j - 1) % e.n
  cross join lateral (
    select p.*,
           case
             when p.payment_date > current_date then 'pending'
             when current_date - p.payment_date > 21 then
               case when p.r < 0.93 then 'paid' when p.r < 0.95 then 'failed' else 'cancelled' end
             else
               case when p.r < 0.35 then 'pending' when p.r < 0.65 then 'approved'
                    when p.r < 0.97 then 'paid' else 'failed' end
           end::payment_status as status,
           -- created three days before it is due, never in the future
           least(now() - interval '1 hour',
                 (p.payment_date - 3) + interval '10 hours') as created_at
      from (
        select w.start_date + ((j - 1) / e.n)::int * 7 as period_start,
               w.start_date + ((j - 1) / e.n)::int * 7 + 9 + floor(pg_temp.h(j, 44) * 4)::int
                 as payment_date,
               w.daily_rate * (1 + floor(pg_temp.h(j, 45) * 7)::int) as amount,
               pg_temp.h(j, 46) as r,
               case when pg_temp.h(j, 48) < 0.80 then 'bank_transfer'
                    when pg_temp.h(j, 48) < 0.92 then 'duitnow'
                    when pg_temp.h(j, 48) < 0.98 then 'cash'
                    else 'cheque' end::payment_method as method
      ) p
  ) x;
