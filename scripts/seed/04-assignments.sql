-- Assignments: each project takes crew_size distinct candidates (an affine walk through the
-- candidate list with a prime stride, so no duplicates within a project). Statuses follow
-- the project's stage. The demo crew members also get assignments on the demo managers'
-- recent projects so every demo login sees data.
insert into project_staff (id, project_id, candidate_id, designation, status, start_date,
                           end_date, daily_rate, created_at, updated_at)
select pg_temp.sid('staff', p.i::bigint * 1000000 + k), p.id,
       pg_temp.sid('candidate',
         ((floor(pg_temp.h(p.i, 40) * cnt.n)::bigint + k::bigint * 7919) % cnt.n) + 1),
       d.designation,
       case p.status
         when 'cancelled' then 'cancelled'
         when 'completed' then case when pg_temp.h(p.i * 100000 + k, 42) < 0.9 then 'completed'
                                    else 'cancelled' end
         when 'active' then case when pg_temp.h(p.i * 100000 + k, 42) < 0.8 then 'confirmed'
                                 when pg_temp.h(p.i * 100000 + k, 42) < 0.95 then 'invited'
                                 else 'cancelled' end
         else case when pg_temp.h(p.i * 100000 + k, 42) < 0.6 then 'invited'
                   when pg_temp.h(p.i * 100000 + k, 42) < 0.95 then 'confirmed'
                   else 'cancelled' end
       end::staff_status,
       p.start_date, p.end_date,
       round((d.base_rate + floor(pg_temp.h(p.i * 100000 + k, 43) * 9) * 5)::numeric, 2),
       p.start_date - interval '5 days', p.start_date - interval '5 days'
  from seed_projects p
  cross join (select current_setting('seed.candidates')::bigint as n) cnt
  cross join lateral generate_series(1, least(p.crew_size, cnt.n)::int) k
  cross join lateral (
    select case
             when r < 0.55 then 'crew' when r < 0.70 then 'usher' when r < 0.80 then 'technician'
             when r < 0.88 then 'runner' when r < 0.93 then 'driver' else 'supervisor'
           end as designation,
           case
             when r < 0.55 then 120 when r < 0.70 then 110 when r < 0.80 then 180
             when r < 0.88 then 100 when r < 0.93 then 150 else 230
           end as base_rate
      from (select pg_temp.h(p.i * 100000 + k, 41) as r) x
  ) d;

insert into project_staff (id, project_id, candidate_id, designation, status, start_date,
                           end_date, daily_rate, created_at, updated_at)
select pg_temp.sid('demo-staff', c.i * 1000 + r.rn), r.id, pg_temp.sid('candidate', c.i), 'crew',
       case r.status when 'active' then 'confirmed' else 'completed' end::staff_status,
       r.start_date, r.end_date, 130.00, r.start_date - interval '5 days',
       r.start_date - interval '5 days'
  from (values (1, '00000000-0000-4000-a000-000000000002'::uuid),
               (2, '00000000-0000-4000-a000-000000000005'::uuid)) c(i, manager_id)
  cross join lateral (
    select p.id, p.status, p.start_date, p.end_date,
           row_number() over (order by p.start_date desc, p.id) as rn
      from projects p
     where p.manager_id = c.manager_id and p.status in ('active', 'completed')
       and p.deleted_at is null
     order by p.start_date desc, p.id
     limit 3
  ) r
on conflict (project_id, candidate_id) do nothing;

-- Payroll and claims draw from worked assignments; demo crew first so they are never missed.
create temp table seed_worked as
select row_number() over (
         order by (s.candidate_id in (pg_temp.sid('candidate', 1), pg_temp.sid('candidate', 2)))
                  desc, s.id) as idx,
       s.project_id, s.candidate_id, c.user_id, s.start_date, s.end_date, s.daily_rate,
       s.candidate_id in (pg_temp.sid('candidate', 1), pg_temp.sid('candidate', 2)) as demo
  from project_staff s
  join projects p on p.id = s.project_id
  join candidates c on c.id = s.candidate_id
 where s.status in ('confirmed', 'completed') and p.status in ('active', 'completed');
create unique index on seed_worked (idx);
analyze seed_worked;
