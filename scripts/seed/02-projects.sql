-- Projects over the last 24 months (plus a month ahead), Zipf-skewed crew sizes: a few
-- festivals need hundreds of crew, most launches and dinners a dozen.
create temp table seed_projects as
with base as (
  select i,
         current_date - 730 + floor(pg_temp.h(i, 1) * 760)::int as start_date,
         floor(power(pg_temp.h(i, 2), 2) * 14)::int as extra_days,
         row_number() over (order by pg_temp.h(i, 3), i) as size_rank
    from generate_series(1, current_setting('seed.projects')::int) i
), sized as (
  select b.*,
         power(size_rank, -0.5) / sum(power(size_rank, -0.5)) over () as share
    from base b
)
select i, pg_temp.sid('project', i) as id, start_date, start_date + extra_days as end_date,
       greatest(3, round(current_setting('seed.assignments')::int * share))::int as crew_size,
       case
         when start_date > current_date then 'planning'
         when start_date + extra_days >= current_date then 'active'
         when pg_temp.h(i, 4) < 0.05 then 'cancelled'
         else 'completed'
       end::project_status as status
  from sized;
create unique index on seed_projects (i);

insert into projects (id, title, client_name, venue, status, start_date, end_date, crew_needed,
                      budget, manager_id, created_by, created_at, updated_at, deleted_at)
select p.id,
       format('%s %s %s', c.client, pg_temp.pick(array[
         'Product Launch', 'Annual Dinner', 'Roadshow', 'Music Festival', 'Marathon',
         'Trade Expo', 'Conference', 'Gala Night', 'Sampling Campaign', 'Carnival',
         'Awards Night', 'Concert', 'Family Day', 'Sports Day', 'Press Event'], pg_temp.h(p.i, 6)),
         to_char(p.start_date, 'YYYY')),
       c.client,
       pg_temp.pick(array[
         'Kuala Lumpur Convention Centre', 'MITEC Kuala Lumpur', 'Axiata Arena Bukit Jalil',
         'Stadium Nasional Bukit Jalil', 'Sunway Pyramid Convention Centre',
         'Setia SPICE Penang', 'Penang Waterfront Convention Centre', 'Persada Johor',
         'Borneo Convention Centre Kuching', 'Sabah International Convention Centre',
         'Ipoh Convention Centre', 'Dataran Merdeka', 'Putrajaya International Convention Centre',
         'Mid Valley Exhibition Centre', 'Melaka International Trade Centre',
         'Genting Arena of Stars', 'Pavilion Kuala Lumpur', 'IOI City Mall Putrajaya'],
         pg_temp.h(p.i, 7)),
       p.status, p.start_date, p.end_date, p.crew_size,
       round((p.crew_size * (p.end_date - p.start_date + 1) * (150 + floor(pg_temp.h(p.i, 8) * 100))
              * 1.3)::numeric, -2)::numeric(14, 2),
       m.id, m.id,
       p.start_date - make_interval(days => 7 + floor(pg_temp.h(p.i, 9) * 60)::int)
         + interval '9 hours',
       p.start_date - make_interval(days => 7 + floor(pg_temp.h(p.i, 9) * 60)::int)
         + interval '9 hours',
       case when p.status = 'completed' and pg_temp.h(p.i, 10) < 0.01
            then least(now(), p.end_date + interval '30 days') end
  from seed_projects p
  join seed_managers m on m.slot = p.i % current_setting('seed.managers')::int
  cross join lateral (select pg_temp.pick(array[
    'Petronas', 'Maxis', 'Celcom', 'Digi', 'AirAsia', 'Grab', 'Nestle Malaysia', 'Maybank',
    'CIMB', 'Genting', 'Sunway Group', 'Astro', 'Shopee', 'Lazada', 'TM Unifi', 'Proton',
    'Perodua', 'Tourism Malaysia', 'MAHB', 'Public Bank', 'Mydin', 'Aeon', 'Gamuda',
    'Sime Darby', 'Hong Leong', 'Boh Plantations', 'Old Town White Coffee', 'Dutch Lady'],
    pg_temp.h(p.i, 5)) as client) c;
