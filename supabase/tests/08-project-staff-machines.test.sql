-- The projects and assignment status machines (in the database since 20261202000100): every
-- allowed move passes, every other one fails with 23514 and the refusal's documented shape, for
-- every caller; public.status_moves holds exactly the four machines' edges.
begin;
\ir fixtures/world.psql
select plan(29);

-- One fresh project per (from, to) pair, inserted directly in the "from" status.
create temp table project_pairs as
select f.s as from_status, t.s as to_status,
       (f.s = 'planning' and t.s in ('active', 'cancelled'))
       or (f.s = 'active' and t.s in ('completed', 'cancelled')) as allowed,
       gen_random_uuid() as id
  from unnest(enum_range(null::project_status)) f(s)
 cross join unnest(enum_range(null::project_status)) t(s)
 where f.s <> t.s;
insert into projects (id, title, status, start_date, end_date, manager_id)
select id, 'Pair ' || from_status || ' ' || to_status, from_status, current_date - 10,
       current_date + 10, tests.id('manager')
  from project_pairs;

select case when allowed
  then lives_ok(format('update projects set status = %L where id = %L', to_status, id),
                format('project %s -> %s allowed', from_status, to_status))
  else throws_ok(format('update projects set status = %L where id = %L', to_status, id),
                 '23514', null, format('project %s -> %s refused', from_status, to_status))
  end
  from project_pairs order by from_status, to_status;

-- One assignment per pair, each on a project of its own (one assignment per candidate and
-- project), all for candidate K1.
create temp table staff_pairs as
select f.s as from_status, t.s as to_status,
       (f.s = 'invited' and t.s in ('confirmed', 'cancelled'))
       or (f.s = 'confirmed' and t.s in ('completed', 'cancelled')) as allowed,
       gen_random_uuid() as id, gen_random_uuid() as project_id
  from unnest(enum_range(null::staff_status)) f(s)
 cross join unnest(enum_range(null::staff_status)) t(s)
 where f.s <> t.s;
insert into projects (id, title, status, start_date, end_date, manager_id)
select project_id, 'Staff pair', 'active', current_date - 10, current_date + 10,
       tests.id('manager')
  from staff_pairs;
insert into project_staff (id, project_id, candidate_id, status, daily_rate)
select id, project_id, tests.id('K1'), from_status, 100 from staff_pairs;

select case when allowed
  then lives_ok(format('update project_staff set status = %L where id = %L', to_status, id),
                format('assignment %s -> %s allowed', from_status, to_status))
  else throws_ok(format('update project_staff set status = %L where id = %L', to_status, id),
                 '23514', null, format('assignment %s -> %s refused', from_status, to_status))
  end
  from staff_pairs order by from_status, to_status;

-- The refusal's shape, which shared/db/errors.ts maps to 409 by constraint name.
create function pg_temp.refusal(stmt text) returns text language plpgsql as $$
declare
  c text;
  d text;
  m text;
begin
  execute stmt;
  return 'no error';
exception when check_violation then
  get stacked diagnostics c = constraint_name, d = pg_exception_detail, m = message_text;
  return c || ' | ' || d || ' | ' || m;
end
$$;
select is(
  pg_temp.refusal(format('update projects set status = %L where id = %L', 'planning',
                         (select id from project_pairs
                           where from_status = 'completed' and to_status = 'planning'))),
  'projects_status_transition | '
    || json_build_object('from', 'completed', 'to', 'planning', 'id',
                         (select id from project_pairs
                           where from_status = 'completed' and to_status = 'planning'))::text
    || ' | invalid project status transition: completed -> planning',
  'a refused project move names the constraint, carries from/to/id as JSON');
select is(
  split_part(pg_temp.refusal(format('update project_staff set status = %L where id = %L',
    'invited', tests.id('S1'))), ' | ', 1),
  'project_staff_status_transition', 'a refused assignment move names its constraint');

-- Staying put, and changes to other columns, never touch the machine.
select lives_ok($$update projects set status = 'completed', title = 'Renamed'
                   where status = 'completed' and title like 'Pair %'$$,
  'a completed project may be saved as completed (other fields change)');

-- service_role bypasses RLS, not the machine.
select id as cancelled_project from project_pairs
 where from_status = 'cancelled' and to_status = 'planning' \gset
set local role service_role;
select throws_ok(
  format('update projects set status = %L where id = %L', 'planning', :'cancelled_project'),
  '23514', 'invalid project status transition: cancelled -> planning',
  'service_role cannot reopen a cancelled project');
reset role;

select results_eq(
  $$select machine, count(*)::int from status_moves group by machine order by machine$$,
  $$values ('expense_claims', 4), ('payments', 5), ('project_staff', 4), ('projects', 4)$$,
  'status_moves lists the four machines'' edges, nothing else');

select * from finish();
rollback;
