-- Deterministic generation helpers (session temp functions) and the logins.
-- h(k, salt): a uniform value in [0, 1) derived from a hash, the same on every run.
create or replace function pg_temp.h(k bigint, salt int) returns float8
language sql immutable as
$$ select (hashint8extended(k, salt) & 281474976710655)::float8 / 281474976710656.0 $$;

-- Stable ids: md5 of kind and ordinal, so a reload produces the same uuids.
create or replace function pg_temp.sid(kind text, k bigint) returns uuid
language sql immutable as $$ select md5(kind || ':' || k)::uuid $$;

create or replace function pg_temp.pick(arr text[], r float8) returns text
language sql immutable as $$ select arr[1 + floor(r * cardinality(arr))::int] $$;

insert into auth.users (id, email, raw_app_meta_data, raw_user_meta_data)
select u.id::uuid, u.email, jsonb_build_object('provider', 'email', 'role', u.role),
       jsonb_build_object('full_name', u.name)
  from (values
    ('00000000-0000-4000-a000-000000000001', 'admin@crew.local', 'admin', 'Aisyah Admin'),
    ('00000000-0000-4000-a000-000000000002', 'manager@crew.local', 'manager', 'Marcus Lee'),
    ('00000000-0000-4000-a000-000000000003', 'finance@crew.local', 'finance', 'Farah Kamal'),
    ('00000000-0000-4000-a000-000000000004', 'crew@crew.local', 'crew', 'Demo Crew'),
    ('00000000-0000-4000-a000-000000000005', 'manager2@crew.local', 'manager', 'Priya Nair'),
    ('00000000-0000-4000-a000-000000000006', 'crew2@crew.local', 'crew', 'Demo Crew Two')
  ) as u(id, email, role, name)
on conflict (id) do nothing;

-- Slot 0 is the demo manager, slot 1 manager2, the rest generated colleagues.
create temp table seed_managers as
select m as slot,
       case m when 0 then '00000000-0000-4000-a000-000000000002'::uuid
              when 1 then '00000000-0000-4000-a000-000000000005'::uuid
              else pg_temp.sid('manager', m) end as id
  from generate_series(0, current_setting('seed.managers')::int - 1) m;

insert into auth.users (id, email, raw_app_meta_data)
select id, format('manager%s@crew.local', slot + 1),
       '{"provider": "email", "role": "manager"}'::jsonb
  from seed_managers where slot >= 2
on conflict (id) do nothing;
