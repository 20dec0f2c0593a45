-- =====================================================================================
-- Job queues: durable background work in Postgres, drained by the `jobs` Edge Function.
--
-- Supabase Queues is the pgmq extension; it is not installable everywhere (not on this
-- project's local stack), so the queue is plain SQL in schema `queue`, shaped like pgmq so a
-- team can move to it later (docs/jobs.md has the mapping):
--   queue.send(queue, payload, ...)      ~ pgmq.send(queue, msg, delay)
--   queue.read(qty, queues, vt)          ~ pgmq.read(queue, vt, qty)  (claims: FOR UPDATE SKIP LOCKED)
--   queue.complete(id, claim, result)    ~ pgmq.archive(queue, msg_id)
--   queue.fail / release / checkpoint    (no pgmq equivalent: pgmq leaves retries to the reader)
--   queue.metrics()                      ~ pgmq.metrics_all()
-- One table for every queue (pgmq has q_<name> and a_<name> per queue).
--
-- Contents, top to bottom:
--   1. queue.queues    the queues and their settings (attempts, visibility timeout, backoff)
--   2. queue.jobs      live jobs: queued (incl. waiting to retry), running, dead
--   3. queue.archive   finished jobs: succeeded, cancelled, discarded, superseded
--   4. the queue's functions: send, read, complete, fail, release, checkpoint, ops, metrics
--   5. job status for callers (their own jobs only), the only thing `authenticated` may call
--   6. outbox triggers: notifications and debounced report refreshes enqueued by the business
--      write's own transaction
--   7. bank payment files and the local file store; the notification recording sink
--   8. the scheduler: pg_cron + pg_net on hosted projects (only where pg_net exists)
--
-- Access: nobody but the service path (the pool's login role / service_role) touches these
-- tables; RLS is on with no policies. Callers see their jobs through queue.job_status().
-- =====================================================================================
create schema if not exists queue;
revoke all on schema queue from public;
grant usage on schema queue to authenticated, service_role;

-- -------------------------------------------------------------------------------------
-- 1. queue.queues: one row per queue. A job copies max_attempts and the visibility timeout
-- when it is sent, so changing a queue affects new jobs only.
-- -------------------------------------------------------------------------------------
create table if not exists queue.queues (
  name text primary key check (name ~ '^[a-z][a-z0-9_]{0,47}$'),
  max_attempts int not null default 5 check (max_attempts between 1 and 100),
  -- Seconds a claimed job is invisible to other workers; not finished by then, it comes back.
  visibility_timeout_s int not null default 60 check (visibility_timeout_s between 1 and 3600),
  -- Retry n waits backoff_base_s * 2^(n-1) seconds, at most backoff_max_s, times a random
  -- factor in [0.5, 1) ("equal jitter"), so a burst of failures does not retry in lockstep.
  backoff_base_s numeric not null default 2 check (backoff_base_s > 0),
  backoff_max_s int not null default 600 check (backoff_max_s > 0),
  -- Delay of a send that names none (the report refresh debounces with it).
  default_delay_s int not null default 0 check (default_delay_s >= 0),
  -- Archived jobs older than this are purged (hourly, section 8).
  retention_days int not null default 7 check (retention_days between 1 and 365),
  description text not null
);
comment on table queue.queues is
  'The job queues and their settings; written by migrations (re-pushing converges).';

insert into queue.queues
  (name, max_attempts, visibility_timeout_s, backoff_base_s, backoff_max_s, default_delay_s,
   retention_days, description)
values
  ('payroll', 5, 60, 2, 300, 0, 30,
   'Async payroll runs (POST /payments/payroll with async, or above the size threshold).'),
  ('bank_file', 5, 120, 5, 600, 0, 90,
   'Bank bulk-payment CSV of the approved payments of a period.'),
  ('notify', 8, 30, 5, 3600, 0, 14,
   'Tell a crew member that a payment was paid or a claim decided.'),
  ('refresh_views', 3, 300, 10, 300, 10, 2,
   'Debounced refresh of one reporting view after writes (coalesced per view).'),
  ('probe', 3, 5, 1, 10, 0, 1,
   'Diagnostic no-op (optionally sleeping) jobs: end-to-end worker checks and the benchmark.')
on conflict (name) do update set
  max_attempts = excluded.max_attempts,
  visibility_timeout_s = excluded.visibility_timeout_s,
  backoff_base_s = excluded.backoff_base_s,
  backoff_max_s = excluded.backoff_max_s,
  default_delay_s = excluded.default_delay_s,
  retention_days = excluded.retention_days,
  description = excluded.description;

-- -------------------------------------------------------------------------------------
-- 2. queue.jobs: the live jobs. `run_at` is pgmq's `vt`: a queued job may be claimed from
-- then on; a running job's run_at is the end of its visibility timeout, after which any
-- worker may claim it again. `claim` identifies the current attempt, so a worker whose
-- timeout ran out cannot finish (or fail) a job another worker now holds.
-- -------------------------------------------------------------------------------------
create table if not exists queue.jobs (
  id uuid primary key default gen_random_uuid(),
  queue text not null references queue.queues (name),
  payload jsonb not null default '{}',
  priority int not null default 0,
  state text not null default 'queued' check (state in ('queued', 'running', 'dead')),
  run_at timestamptz not null default clock_timestamp(),
  attempts int not null default 0,
  max_attempts int not null,
  visibility_timeout_s int not null,
  -- One job per key may WAIT (queued, or waiting to retry); a job that started does not
  -- absorb new sends, because it may already have read what the new send is about. A second
  -- sender of the same key waits for the first one's transaction (the unique index).
  dedupe_key text,
  -- The weak form for outbox triggers on hot tables, which must never wait for each other: a
  -- send skips the insert when a COMMITTED job with the key waits; concurrent first senders may
  -- each insert one, and the first of them to start absorbs the rest (queue.absorb).
  coalesce_key text,
  claim uuid,
  -- A handler's checkpoint (e.g. payroll: the last candidate done and the counts so far).
  progress jsonb,
  last_error text,
  -- The last 20 failures: [{attempt, at, error}].
  errors jsonb not null default '[]',
  created_by uuid,
  created_at timestamptz not null default clock_timestamp(),
  started_at timestamptz,
  finished_at timestamptz
);
comment on table queue.jobs is
  'Live jobs (queued, running, dead letters). Claimed FOR UPDATE SKIP LOCKED by queue.read; '
  'finished jobs move to queue.archive.';

create index if not exists jobs_due on queue.jobs (priority desc, run_at, id)
  where state in ('queued', 'running');
create unique index if not exists jobs_dedupe on queue.jobs (queue, dedupe_key)
  where state = 'queued' and dedupe_key is not null;
create index if not exists jobs_coalesce on queue.jobs (queue, coalesce_key)
  where state = 'queued' and coalesce_key is not null;
-- queue.read's first step looks for running jobs whose timeout ran out: without this index it
-- would walk every due queued job to find them.
create index if not exists jobs_running on queue.jobs (run_at) where state = 'running';
create index if not exists jobs_dead on queue.jobs (queue, finished_at) where state = 'dead';
create index if not exists jobs_created_by on queue.jobs (created_by) where created_by is not null;

-- -------------------------------------------------------------------------------------
-- 3. queue.archive: finished jobs, kept retention_days for GET /jobs/{id} and inspection.
-- -------------------------------------------------------------------------------------
create table if not exists queue.archive (
  id uuid primary key,
  queue text not null,
  payload jsonb not null,
  priority int not null,
  state text not null check (state in ('succeeded', 'cancelled', 'discarded', 'superseded')),
  attempts int not null,
  max_attempts int not null,
  dedupe_key text,
  progress jsonb,
  result jsonb,
  last_error text,
  errors jsonb not null,
  created_by uuid,
  created_at timestamptz not null,
  started_at timestamptz,
  finished_at timestamptz not null default clock_timestamp()
);
comment on table queue.archive is
  'Finished jobs (succeeded, cancelled, discarded dead letters, superseded retries) with their '
  'result; purged after their queue''s retention_days.';
create index if not exists archive_finished on queue.archive (queue, finished_at);

alter table queue.queues enable row level security;
alter table queue.jobs enable row level security;
alter table queue.archive enable row level security;
revoke all on queue.queues, queue.jobs, queue.archive from public, anon, authenticated;
grant select, insert, update, delete on queue.queues, queue.jobs, queue.archive to service_role;

-- -------------------------------------------------------------------------------------
-- 4. The queue's functions. All run as their owner (SECURITY DEFINER) so the outbox triggers
-- of a user's transaction can enqueue, and none is executable by clients.
-- -------------------------------------------------------------------------------------

-- Enqueue. With a dedupe key that already has a waiting job, nothing is inserted and the
-- waiting job's id is returned (a concurrent sender's uncommitted job is waited for).
create or replace function queue.send(
  p_queue text,
  p_payload jsonb default '{}',
  p_delay_s numeric default null,
  p_priority int default 0,
  p_dedupe_key text default null,
  p_created_by uuid default null,
  p_coalesce_key text default null
)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  q queue.queues;
  v_id uuid;
begin
  select * into q from queue.queues where name = p_queue;
  if not found then
    raise exception 'unknown queue %', p_queue using errcode = 'foreign_key_violation';
  end if;
  if p_coalesce_key is not null then
    select j.id into v_id from queue.jobs j
     where j.queue = p_queue and j.coalesce_key = p_coalesce_key and j.state = 'queued'
     limit 1;
    if v_id is not null then
      return v_id;
    end if;
  end if;
  loop
    insert into queue.jobs as j (queue, payload, priority, run_at, max_attempts,
                                 visibility_timeout_s, dedupe_key, coalesce_key, created_by)
    values (p_queue, coalesce(p_payload, '{}'), coalesce(p_priority, 0),
            clock_timestamp() + make_interval(secs => coalesce(p_delay_s, q.default_delay_s)),
            q.max_attempts, q.visibility_timeout_s, p_dedupe_key, p_coalesce_key, p_created_by)
    on conflict (queue, dedupe_key) where state = 'queued' and dedupe_key is not null
      do nothing
    returning j.id into v_id;
    if v_id is not null then
      return v_id;
    end if;
    select j.id into v_id from queue.jobs j
     where j.queue = p_queue and j.dedupe_key = p_dedupe_key and j.state = 'queued';
    if v_id is not null then
      return v_id;
    end if;
    -- The waiting job was claimed between the two statements: insert again.
  end loop;
end
$$;

-- Claims up to p_qty due jobs (of p_queues, or of every queue) for a visibility timeout
-- (the queue's own unless p_vt_s). A running job whose timeout ran out is claimed again; if it
-- had used its last attempt it becomes a dead letter instead.
create or replace function queue.read(
  p_qty int,
  p_queues text[] default null,
  p_vt_s int default null
)
returns setof queue.jobs
language plpgsql
security definer
set search_path = ''
as $$
begin
  with expired as (
    select id from queue.jobs
     where state = 'running' and run_at <= clock_timestamp() and attempts >= max_attempts
       and (p_queues is null or queue = any (p_queues))
     for update skip locked
  )
  update queue.jobs j
     set state = 'dead', claim = null, finished_at = clock_timestamp(),
         last_error = format('attempt %s: visibility timeout (%s s) expired', j.attempts,
                             j.visibility_timeout_s),
         errors = queue.append_error(j.errors, j.attempts,
                    format('visibility timeout (%s s) expired', j.visibility_timeout_s))
    from expired where j.id = expired.id;

  return query
  with due as (
    select id from queue.jobs
     where state in ('queued', 'running') and run_at <= clock_timestamp()
       and (p_queues is null or queue = any (p_queues))
     order by priority desc, run_at, id
     limit greatest(p_qty, 0)
     for update skip locked
  )
  update queue.jobs j
     set errors = case when j.state = 'running'
                       then queue.append_error(j.errors, j.attempts,
                              format('visibility timeout (%s s) expired', j.visibility_timeout_s))
                       else j.errors end,
         last_error = case when j.state = 'running'
                           then format('attempt %s: visibility timeout (%s s) expired',
                                       j.attempts, j.visibility_timeout_s)
                           else j.last_error end,
         state = 'running',
         attempts = j.attempts + 1,
         claim = gen_random_uuid(),
         started_at = clock_timestamp(),
         run_at = clock_timestamp()
                  + make_interval(secs => coalesce(p_vt_s, j.visibility_timeout_s))
    from due
   where j.id = due.id
  returning j.*;
end
$$;

create or replace function queue.append_error(p_errors jsonb, p_attempt int, p_error text)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select coalesce(jsonb_agg(e order by n), '[]'::jsonb)
    from (
      select e, n from jsonb_array_elements(
        coalesce(p_errors, '[]'::jsonb)
        || jsonb_build_array(jsonb_build_object('attempt', p_attempt, 'at', clock_timestamp(),
                                                'error', left(p_error, 2000))))
        with ordinality as x(e, n)
       order by n desc limit 20
    ) last
$$;

-- Moves a live job into the archive in the given state; the job's row is gone afterwards.
create or replace function queue.to_archive(p_id uuid, p_state text, p_result jsonb)
returns boolean
language sql
security definer
set search_path = ''
as $$
  with gone as (delete from queue.jobs where id = p_id returning *)
  insert into queue.archive (id, queue, payload, priority, state, attempts, max_attempts,
                             dedupe_key, progress, result, last_error, errors, created_by,
                             created_at, started_at)
  select id, queue, payload, priority, p_state, attempts, max_attempts, dedupe_key, progress,
         p_result, last_error, errors, created_by, created_at, started_at
    from gone
  returning true
$$;

-- Archives (as superseded) the other waiting jobs with this running job's coalesce key: the
-- work this one is about to do covers theirs, since their writes committed before this call
-- did. Returns how many it absorbed.
create or replace function queue.absorb(p_id uuid, p_claim uuid)
returns int
language plpgsql
security definer
set search_path = ''
as $$
declare
  j queue.jobs;
  v_n int := 0;
  v_other uuid;
begin
  select * into j from queue.jobs where id = p_id and claim = p_claim and state = 'running';
  if not found or j.coalesce_key is null then
    return 0;
  end if;
  for v_other in
    select id from queue.jobs
     where queue = j.queue and coalesce_key = j.coalesce_key and state = 'queued'
     for update skip locked
  loop
    perform queue.to_archive(v_other, 'superseded', jsonb_build_object('absorbed_by', p_id));
    v_n := v_n + 1;
  end loop;
  return v_n;
end
$$;

-- The current attempt succeeded: archive the job with its result. False when the claim is no
-- longer this worker's (its timeout ran out and another worker took the job).
create or replace function queue.complete(p_id uuid, p_claim uuid, p_result jsonb default null)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform 1 from queue.jobs where id = p_id and claim = p_claim and state = 'running' for update;
  if not found then
    return false;
  end if;
  return coalesce(queue.to_archive(p_id, 'succeeded', p_result), false);
end
$$;

-- complete() for a batch, set-based: one statement archives every attempt of `p_done`
-- ([{id, claim, result}]) whose claim is still held, and returns their ids.
create or replace function queue.complete_many(p_done jsonb)
returns setof uuid
language sql
security definer
set search_path = ''
as $$
  with done as (
    select d.id, d.claim, d.result
      from jsonb_to_recordset(p_done) as d(id uuid, claim uuid, result jsonb)
  ),
  gone as (
    delete from queue.jobs j using done
     where j.id = done.id and j.claim = done.claim and j.state = 'running'
    returning j.*, done.result
  )
  insert into queue.archive (id, queue, payload, priority, state, attempts, max_attempts,
                             dedupe_key, progress, result, last_error, errors, created_by,
                             created_at, started_at)
  select id, queue, payload, priority, 'succeeded', attempts, max_attempts, dedupe_key,
         progress, result, last_error, errors, created_by, created_at, started_at
    from gone
  returning id
$$;

-- The current attempt failed. Retried after the backoff, or a dead letter after the last
-- attempt (or at once when p_retry is false: the handler knows retrying cannot help).
-- Returns the job's new state ('queued', 'dead', 'superseded'), or null for a lost claim.
create or replace function queue.fail(
  p_id uuid,
  p_claim uuid,
  p_error text,
  p_retry boolean default true
)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  j queue.jobs;
  q queue.queues;
  v_wait numeric;
begin
  select * into j from queue.jobs where id = p_id and claim = p_claim and state = 'running'
     for update;
  if not found then
    return null;
  end if;
  update queue.jobs
     set last_error = format('attempt %s: %s', j.attempts, left(p_error, 2000)),
         errors = queue.append_error(j.errors, j.attempts, p_error)
   where id = p_id;
  if not p_retry or j.attempts >= j.max_attempts then
    update queue.jobs set state = 'dead', claim = null, finished_at = clock_timestamp()
     where id = p_id;
    return 'dead';
  end if;
  -- A newer job with the same key is already waiting and covers this one's work.
  if j.dedupe_key is not null and exists (
    select 1 from queue.jobs
     where queue = j.queue and dedupe_key = j.dedupe_key and state = 'queued'
  ) then
    perform queue.to_archive(p_id, 'superseded', null);
    return 'superseded';
  end if;
  select * into q from queue.queues where name = j.queue;
  v_wait := least(q.backoff_max_s, q.backoff_base_s * 2 ^ (j.attempts - 1))
            * (0.5 + random() / 2);
  begin
    update queue.jobs
       set state = 'queued', claim = null,
           run_at = clock_timestamp() + make_interval(secs => v_wait)
     where id = p_id;
  exception when unique_violation then
    -- A send with the same key won the race since the check above.
    perform queue.to_archive(p_id, 'superseded', null);
    return 'superseded';
  end;
  return 'queued';
end
$$;

-- Records progress under the current claim and extends its visibility timeout (a heartbeat
-- for long jobs). False for a lost claim: the caller must stop.
create or replace function queue.checkpoint(
  p_id uuid,
  p_claim uuid,
  p_progress jsonb,
  p_extend_s int default null
)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  update queue.jobs
     set progress = p_progress,
         run_at = case when p_extend_s is null then run_at
                       else clock_timestamp() + make_interval(secs => p_extend_s) end
   where id = p_id and claim = p_claim and state = 'running';
  return found;
end
$$;

-- The worker ran out of time before the job did: back to the queue at once, progress kept,
-- and the attempt not counted (it did not fail).
create or replace function queue.release(p_id uuid, p_claim uuid, p_progress jsonb default null)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  update queue.jobs
     set state = 'queued', claim = null, attempts = greatest(attempts - 1, 0),
         progress = coalesce(p_progress, progress), run_at = clock_timestamp()
   where id = p_id and claim = p_claim and state = 'running';
  if found then
    return true;
  end if;
  return false;
exception when unique_violation then
  -- A job with the same key is already waiting: it covers this one's work.
  return coalesce(queue.to_archive(p_id, 'superseded', null), false);
end
$$;

-- Operations (admin routes): a dead letter back to the queue with fresh attempts, a dead
-- letter discarded, a queued job cancelled. Each returns whether it applied.
create or replace function queue.retry(p_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  update queue.jobs
     set state = 'queued', attempts = 0, run_at = clock_timestamp(), finished_at = null
   where id = p_id and state = 'dead';
  return found;
exception when unique_violation then
  return coalesce(queue.to_archive(p_id, 'superseded', null), false);
end
$$;

-- Archives a job that is in state p_from as p_as; false when it is not (or not any more) in
-- p_from. plpgsql, to lock the row first: in one SQL statement FOR UPDATE would only run after
-- the row had been archived away, and the answer would be false.
create or replace function queue.archive_from(p_id uuid, p_from text, p_as text)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform 1 from queue.jobs where id = p_id and state = p_from for update;
  if not found then
    return false;
  end if;
  return coalesce(queue.to_archive(p_id, p_as, null), false);
end
$$;

create or replace function queue.discard(p_id uuid)
returns boolean
language sql
security definer
set search_path = ''
as $$ select queue.archive_from(p_id, 'dead', 'discarded') $$;

create or replace function queue.cancel(p_id uuid)
returns boolean
language sql
security definer
set search_path = ''
as $$ select queue.archive_from(p_id, 'queued', 'cancelled') $$;

-- Per queue: waiting (due now), scheduled (later: delayed or backing off), running, dead
-- letters, the age of the oldest due job, and what finished in the last hour.
create or replace function queue.metrics()
returns table (
  queue text,
  queued int,
  scheduled int,
  running int,
  dead int,
  oldest_queued_s numeric,
  succeeded_1h int,
  archived int
)
language sql
stable
security definer
set search_path = ''
as $$
  select q.name,
         coalesce(l.queued, 0), coalesce(l.scheduled, 0), coalesce(l.running, 0),
         coalesce(l.dead, 0), coalesce(round(l.oldest, 3), 0),
         coalesce(a.succeeded_1h, 0), coalesce(a.archived, 0)
    from queue.queues q
    left join (
      select j.queue,
             count(*) filter (where state = 'queued' and run_at <= clock_timestamp())::int queued,
             count(*) filter (where state = 'queued' and run_at > clock_timestamp())::int scheduled,
             count(*) filter (where state = 'running')::int running,
             count(*) filter (where state = 'dead')::int dead,
             extract(epoch from clock_timestamp() - min(run_at)
                       filter (where state = 'queued' and run_at <= clock_timestamp())) oldest
        from queue.jobs j group by j.queue
    ) l on l.queue = q.name
    left join (
      select r.queue,
             count(*) filter (where state = 'succeeded'
                                and finished_at > clock_timestamp() - interval '1 hour')::int
               succeeded_1h,
             count(*)::int archived
        from queue.archive r group by r.queue
    ) a on a.queue = q.name
   order by q.name
$$;

-- Whether a worker has something to do now (the scheduler asks before calling one).
create or replace function queue.wants_worker()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (select 1 from queue.jobs
                  where state in ('queued', 'running') and run_at <= clock_timestamp())
$$;

create or replace function queue.purge_archive()
returns int
language sql
security definer
set search_path = ''
as $$
  with gone as (
    delete from queue.archive a using queue.queues q
     where q.name = a.queue and a.finished_at < now() - make_interval(days => q.retention_days)
    returning 1
  )
  select count(*)::int from gone
$$;

-- -------------------------------------------------------------------------------------
-- 5. A caller's view of one job: their own (created_by) or any for admin; nothing otherwise.
-- -------------------------------------------------------------------------------------
create or replace function queue.job_status(p_id uuid)
returns table (
  id uuid,
  queue text,
  state text,
  attempts int,
  max_attempts int,
  progress jsonb,
  result jsonb,
  last_error text,
  created_by uuid,
  created_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  run_at timestamptz
)
language sql
stable
security definer
set search_path = ''
as $$
  select x.* from (
    select j.id, j.queue, j.state, j.attempts, j.max_attempts, j.progress, null::jsonb,
           j.last_error, j.created_by, j.created_at, j.started_at, j.finished_at, j.run_at
      from queue.jobs j where j.id = p_id
    union all
    select a.id, a.queue, a.state, a.attempts, a.max_attempts, a.progress, a.result,
           a.last_error, a.created_by, a.created_at, a.started_at, a.finished_at, null
      from queue.archive a where a.id = p_id
  ) x
   where (select public.app_role()) = 'admin'
      or (x.created_by is not null and x.created_by = (select auth.uid()))
   limit 1
$$;

-- -------------------------------------------------------------------------------------
-- 6. Outbox triggers: the job commits (or rolls back) with the write that caused it.
-- Messages carry ids only; the handler reads what it may say (never IC or bank numbers).
-- -------------------------------------------------------------------------------------
create or replace function queue.tg_notify_payment_paid()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform queue.send('notify',
    jsonb_build_object('kind', 'payment_paid', 'payment_id', new.id,
                       'payment_date', new.payment_date, 'candidate_id', new.candidate_id),
    p_dedupe_key => 'payment_paid:' || new.id);
  return null;
end
$$;

drop trigger if exists trg_payments_notify_paid on public.payments;
create trigger trg_payments_notify_paid after update of status on public.payments
  for each row when (new.status = 'paid' and old.status is distinct from 'paid')
  execute function queue.tg_notify_payment_paid();

create or replace function queue.tg_notify_claim_decided()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform queue.send('notify',
    jsonb_build_object('kind', 'claim_decided', 'claim_id', new.id,
                       'candidate_id', new.candidate_id, 'decision', new.status),
    p_dedupe_key => 'claim_decided:' || new.id);
  return null;
end
$$;

drop trigger if exists trg_expense_claims_notify_decided on public.expense_claims;
create trigger trg_expense_claims_notify_decided after update of status on public.expense_claims
  for each row when (new.status in ('approved', 'rejected') and old.status = 'submitted')
  execute function queue.tg_notify_claim_decided();

-- One refresh job per view and statement, coalesced by the coalesce key while it waits out the
-- queue's default delay (10 s): a burst of writes costs one refresh per view, and writers never
-- wait for each other on it (a dedupe key would make concurrent writers queue behind the first
-- one's transaction). A write that commits while its view's refresh is starting can miss that
-- refresh; the next write's, or the pg_cron refresh every 5 minutes, has it.
create or replace function queue.tg_refresh_reports()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v text;
begin
  foreach v in array tg_argv loop
    perform queue.send('refresh_views', jsonb_build_object('view', v), p_coalesce_key => v);
  end loop;
  return null;
end
$$;

drop trigger if exists trg_payments_refresh_reports on public.payments;
create trigger trg_payments_refresh_reports
  after insert or update or delete on public.payments
  for each statement execute function queue.tg_refresh_reports(
    'mv_project_financials', 'mv_monthly_payments', 'mv_candidate_earnings');
drop trigger if exists trg_expense_claims_refresh_reports on public.expense_claims;
create trigger trg_expense_claims_refresh_reports
  after insert or update or delete on public.expense_claims
  for each statement execute function queue.tg_refresh_reports('mv_project_financials');
drop trigger if exists trg_project_staff_refresh_reports on public.project_staff;
create trigger trg_project_staff_refresh_reports
  after insert or update or delete on public.project_staff
  for each statement execute function queue.tg_refresh_reports('mv_project_financials');

-- What the refresh_views handler runs: only the three reporting views, each CONCURRENTLY.
create or replace function queue.refresh_view(p_view text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_view not in ('mv_project_financials', 'mv_monthly_payments', 'mv_candidate_earnings') then
    raise exception 'not a reporting view: %', p_view using errcode = 'invalid_parameter_value';
  end if;
  execute format('refresh materialized view concurrently public.%I', p_view);
end
$$;

-- -------------------------------------------------------------------------------------
-- 7. Bank payment files. Each approved payment goes into at most one file (the primary key
-- of bank_file_payments); a file is built by one bank_file job and keyed by its id, so a rerun
-- of the job rebuilds the same file from the same payments.
-- -------------------------------------------------------------------------------------
create table if not exists private.bank_files (
  id uuid primary key,
  period_start date not null,
  period_end date not null,
  status text not null default 'building' check (status in ('building', 'ready')),
  payments_count int not null default 0,
  total_amount numeric(14, 2) not null default 0,
  checksum text,
  storage_path text,
  size_bytes int,
  created_by uuid,
  created_at timestamptz not null default now(),
  ready_at timestamptz,
  constraint bank_files_period_ordered check (period_end >= period_start)
);
comment on table private.bank_files is
  'Bank bulk-payment files: one per bank_file job (id = job id), its payments in '
  'bank_file_payments and its bytes in the file store (Storage on hosted, stored_files locally).';

create table if not exists private.bank_file_payments (
  payment_id uuid primary key,
  payment_date date not null,
  file_id uuid not null references private.bank_files (id) on delete cascade,
  line_no int not null,
  unique (file_id, line_no)
);
comment on table private.bank_file_payments is
  'Which file exported each payment: a payment is in at most one file (primary key).';

-- The local file store behind the same interface as Supabase Storage (shared/files).
create table if not exists private.stored_files (
  path text primary key,
  content bytea not null,
  content_type text not null,
  size_bytes int not null,
  sha256 text not null,
  created_at timestamptz not null default now()
);
comment on table private.stored_files is
  'File store of deployments without Supabase Storage (FILE_STORE=table, the local stack).';

-- The notification recording sink (NOTIFY_PROVIDER=record): what would have been sent.
create table if not exists private.notifications_sent (
  message_key text primary key,
  channel text not null,
  recipient text not null,
  candidate_id uuid,
  subject text not null,
  body text not null,
  job_id uuid,
  sent_at timestamptz not null default now()
);
comment on table private.notifications_sent is
  'Recording notification sink (NOTIFY_PROVIDER=record): one row per message key, read by tests.';

alter table private.bank_files enable row level security;
alter table private.bank_file_payments enable row level security;
alter table private.stored_files enable row level security;
alter table private.notifications_sent enable row level security;
revoke all on private.bank_files, private.bank_file_payments, private.stored_files,
  private.notifications_sent from public, anon, authenticated;
grant select, insert, update, delete on private.bank_files, private.bank_file_payments,
  private.stored_files, private.notifications_sent to service_role;

-- -------------------------------------------------------------------------------------
-- 8. Scheduling. Pure-SQL upkeep stays in pg_cron (the archive purge here). The worker is an
-- Edge Function: on hosted projects pg_cron calls it every second through pg_net, but only
-- when there is work (queue.wants_worker) and only once the project URL and a service key are
-- in Vault (`jobs_worker_url`, `jobs_worker_key`; docs/jobs.md). Without pg_net (this
-- project's local stack) scripts/stack/scheduler.ts does the same from outside.
-- -------------------------------------------------------------------------------------
create or replace function queue.kick()
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_url text;
  v_key text;
  v_id bigint;
begin
  if to_regnamespace('net') is null or to_regnamespace('vault') is null
     or not queue.wants_worker() then
    return null;
  end if;
  execute $q$select max(decrypted_secret) filter (where name = 'jobs_worker_url'),
                    max(decrypted_secret) filter (where name = 'jobs_worker_key')
               from vault.decrypted_secrets
              where name in ('jobs_worker_url', 'jobs_worker_key')$q$
    into v_url, v_key;
  if v_url is null or v_key is null then
    return null;
  end if;
  execute $q$select net.http_post(url := $1, body := '{}'::jsonb,
                                  headers := jsonb_build_object(
                                    'Authorization', 'Bearer ' || $2,
                                    'Content-Type', 'application/json'),
                                  timeout_milliseconds := 5000)$q$
    into v_id using v_url, v_key;
  return v_id;
end
$$;

do $$
begin
  if to_regnamespace('cron') is null then
    raise warning 'pg_cron not installed: the job archive purge is not scheduled';
    return;
  end if;
  perform cron.schedule('purge-job-archive', '50 * * * *', 'select queue.purge_archive()');
  if exists (select 1 from pg_available_extensions where name = 'pg_net') then
    create extension if not exists pg_net;
    perform cron.schedule('jobs-worker', '1 seconds', 'select queue.kick()');
  else
    raise notice 'pg_net not available: run scripts/stack/scheduler.ts (the local stack does)';
  end if;
end
$$;

-- Nothing in schema queue is callable by clients except their own jobs' status.
revoke all on all functions in schema queue from public, anon, authenticated;
grant execute on all functions in schema queue to service_role;
grant execute on function queue.job_status(uuid) to authenticated;
