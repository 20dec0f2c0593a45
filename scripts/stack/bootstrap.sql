-- Local bootstrap: what Supabase's Postgres image already has and a plain Postgres 15 lacks.
-- Applied by scripts/stack.sh before `supabase db push`; NEVER pushed to a hosted project
-- (it lives outside supabase/migrations/). Idempotent.

create schema if not exists extensions;
grant usage on schema extensions to public;

do $$
begin
  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit password 'postgres';
  end if;
end
$$;
grant anon, authenticated, service_role to authenticator;
-- postgres must be able to `set local role` to the API roles inside a pooled transaction.
grant anon, authenticated, service_role to postgres;

create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;

-- A minimal auth.users: the columns app code and seeds reference.
create table if not exists auth.users (
  id uuid primary key,
  email text unique,
  raw_app_meta_data jsonb not null default '{}'::jsonb,
  raw_user_meta_data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- As on Supabase: claims come from the per-transaction `request.jwt.claims` setting. `nullif`
-- because a pooled connection keeps the setting as '' after a transaction that set it locally.
create or replace function auth.jwt() returns jsonb
language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb)
$$;

create or replace function auth.uid() returns uuid
language sql stable as $$
  select nullif(auth.jwt() ->> 'sub', '')::uuid
$$;

create or replace function auth.role() returns text
language sql stable as $$
  select nullif(auth.jwt() ->> 'role', '')
$$;

grant execute on function auth.jwt(), auth.uid(), auth.role() to anon, authenticated, service_role;

-- Supabase's default privileges: everything new in public is granted to the API roles, so a
-- migration must revoke what it does not mean to expose. Reproduced so the migration is tested
-- against the same starting point.
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;

-- pgTAP for `pg_prove supabase/tests/` (Supabase has it as an available extension too).
create extension if not exists pgtap with schema extensions;
