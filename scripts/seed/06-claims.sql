-- One chunk of expense claims (ordinals seed.lo..seed.hi) against worked assignments; the
-- first few go to the demo crew. Timestamps follow draft -> submitted -> decided -> paid.
insert into expense_claims (id, candidate_id, project_id, category, amount, description,
                            receipt_path, status, submitted_at, decided_by, decided_at,
                            rejection_reason, paid_at, created_by, created_at, updated_at)
select pg_temp.sid('claim', j), w.candidate_id, w.project_id, x.category, x.amount,
       x.description,
       case when x.status <> 'draft'
            then format('receipts/%s/%s.jpg', w.candidate_id, pg_temp.sid('claim', j)) end,
       x.status,
       case when x.status <> 'draft' then x.submitted_at end,
       case when x.status in ('approved', 'rejected', 'paid')
            then '00000000-0000-4000-a000-000000000003'::uuid end,
       case when x.status in ('approved', 'rejected', 'paid') then x.decided_at end,
       case when x.status = 'rejected' then pg_temp.pick(array['Receipt missing',
              'Not a claimable expense', 'Duplicate claim', 'Amount exceeds policy limit'],
              pg_temp.h(j, 57)) end,
       case when x.status = 'paid' then x.paid_at end,
       w.user_id,
       x.created_at,
       case x.status when 'draft' then x.created_at when 'submitted' then x.submitted_at
                     when 'paid' then x.paid_at else x.decided_at end
  from generate_series(current_setting('seed.lo')::bigint, current_setting('seed.hi')::bigint) j
  cross join (select count(*) as n, count(*) filter (where demo) as d from seed_worked) e
  join seed_worked w on w.idx = case when j <= 6 and e.d > 0 then 1 + (j - 1) % e.d
                                     else 1 + floor(pg_temp.h(j, 50) * e.n)::bigint end
  cross join lateral (
    select c.*,
           least(now(), c.created_at + interval '1 day') as submitted_at,
           least(now(), c.created_at + interval '3 days') as decided_at,
           least(now(), c.created_at + interval '8 days') as paid_at,
           case
             when now() - c.created_at > interval '30 days' then
               case when c.r < 0.60 then 'paid' when c.r < 0.68 then 'approved'
                    when c.r < 0.78 then 'rejected' when c.r < 0.85 then 'submitted'
                    else 'draft' end
             else
               case when c.r < 0.30 then 'draft' when c.r < 0.70 then 'submitted'
                    when c.r < 0.85 then 'approved' when c.r < 0.90 then 'rejected'
                    else 'paid' end
           end::claim_status as status
      from (
        select k.category,
               round((k.lo + pg_temp.h(j, 52) * (k.hi - k.lo))::numeric, 2) as amount,
               k.description,
               least(now() - interval '1 hour',
                     w.start_date + make_interval(
                       days => floor(pg_temp.h(j, 53) * (w.end_date - w.start_date + 7))::int,
                       hours => 8 + floor(pg_temp.h(j, 54) * 12)::int)) as created_at,
               pg_temp.h(j, 55) as r
          from (
            select case when q < 0.40 then 'transport' when q < 0.70 then 'meals'
                        when q < 0.82 then 'accommodation' when q < 0.92 then 'equipment'
                        else 'other' end::claim_category as category,
                   case when q < 0.40 then 10 when q < 0.70 then 8 when q < 0.82 then 80
                        when q < 0.92 then 20 else 5 end as lo,
                   case when q < 0.40 then 120 when q < 0.70 then 60 when q < 0.82 then 400
                        when q < 0.92 then 500 else 100 end as hi,
                   case when q < 0.40 then 'Grab / parking / toll to venue'
                        when q < 0.70 then 'Meals during event shift'
                        when q < 0.82 then 'Hotel stay for out-of-town event'
                        when q < 0.92 then 'Equipment and consumables bought on site'
                        else 'Miscellaneous event expense' end as description
              from (select pg_temp.h(j, 51) as q) qq
          ) k
      ) c
  ) x;
