-- =====================================================================================
-- Durable cache invalidation: the outbox.
--
-- Every write records what it makes stale (cache keys and tags, as shared/cache/keys.ts spells
-- them) in this table, inside its own transaction. The writer applies it to Redis right after
-- COMMIT; if Redis is unreachable, or the writer's isolate ends first, the row stays and the
-- replayer of any isolate applies it once Redis answers (shared/outbox.ts), then deletes it.
-- So an acknowledged write can never leave an old cache entry behind for its whole TTL.
--
-- Schema `private` is not exposed by the Data API (PostgREST serves `public`), so granting
-- INSERT to `authenticated` lets the functions' RLS-scoped transactions record rows without
-- letting any client reach the table.
-- =====================================================================================
create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to authenticated, service_role;

create table if not exists private.cache_invalidations (
  id uuid primary key,
  -- The cache's key prefix (CACHE_NAMESPACE + schema version, e.g. `crew:v1`): functions that
  -- share the database but not the Redis namespace replay only their own rows.
  namespace text not null,
  keys text[] not null default '{}',
  tags text[] not null default '{}',
  -- clock_timestamp(): the insert runs just before COMMIT; now() would be the transaction's
  -- start and make a long write's row look older than it is to the replayer's grace period.
  created_at timestamptz not null default clock_timestamp()
);
comment on table private.cache_invalidations is
  'Outbox of cache invalidations: one row per committed write, applied to Redis by the writer '
  'or, if it could not, by the replayer of any function isolate; deleted once applied.';
comment on column private.cache_invalidations.keys is 'Cache keys to delete (without prefix).';
comment on column private.cache_invalidations.tags is 'Cache tags whose version to bump.';

create index if not exists cache_invalidations_namespace_created
  on private.cache_invalidations (namespace, created_at);

alter table private.cache_invalidations enable row level security;
drop policy if exists cache_invalidations_insert on private.cache_invalidations;
create policy cache_invalidations_insert on private.cache_invalidations for insert
  to authenticated with check (true);
revoke all on private.cache_invalidations from public, anon, authenticated;
grant insert on private.cache_invalidations to authenticated;
grant select, insert, delete on private.cache_invalidations to service_role;

-- Rows nobody replayed (a deployment without Redis, where there is nothing to replay) go
-- after a day.
do $$
begin
  if to_regnamespace('cron') is null then
    raise warning 'pg_cron not installed: the cache outbox purge is not scheduled';
    return;
  end if;
  perform cron.schedule('purge-cache-outbox', '45 * * * *',
                        $job$delete from private.cache_invalidations
 where created_at < now() - interval '1 day'$job$);
end
$$;
