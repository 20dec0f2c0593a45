-- Job queues (20261202100000_job_queues): send/read/complete/fail/checkpoint/release, the ops
-- (retry, discard, cancel), metrics and purge, job_status for callers, privileges, and the
-- outbox triggers on payments / expense_claims / project_staff. Each scenario uses a queue of
-- its own (made here, rolled back), so one scenario's reads never claim another's jobs.
begin;
\ir fixtures/world.psql
select plan(149);

-- The fixture's writes already enqueued report refreshes, and a dev database may hold jobs of
-- its own: start from an empty queue (all of it rolled back with the test).
delete from queue.jobs;
delete from queue.archive;

insert into queue.queues
  (name, max_attempts, visibility_timeout_s, backoff_base_s, backoff_max_s, default_delay_s,
   retention_days, description)
values
  ('t_send',    3, 60, 10, 1000, 0, 7, 'test: send and dedupe'),
  ('t_read',    5, 60, 1, 10, 0, 7, 'test: read order, qty, delay'),
  ('t_vt',      5, 60, 1, 10, 0, 7, 'test: visibility timeout'),
  ('t_fail',    3, 60, 10, 1000, 0, 7, 'test: fail and backoff'),
  ('t_cap',    20, 60, 10, 15, 0, 7, 'test: backoff cap'),
  ('t_jitter',  3, 60, 10, 1000, 0, 7, 'test: backoff jitter'),
  ('t_ops',     5, 60, 1, 10, 0, 7, 'test: checkpoint, release, cancel'),
  ('t_dead',    5, 60, 1, 10, 0, 7, 'test: retry and discard'),
  ('t_metrics', 5, 60, 1, 10, 0, 7, 'test: metrics'),
  ('t_ww',      5, 60, 1, 10, 0, 7, 'test: wants_worker'),
  ('t_status',  5, 60, 1, 10, 0, 7, 'test: job_status'),
  ('t_purge_a', 5, 60, 1, 10, 0, 3, 'test: purge, 3 days'),
  ('t_purge_b', 5, 60, 1, 10, 0, 10, 'test: purge, 10 days');

-- Jobs by test name, with the claim of their latest read.
create table tests.j (name text primary key, id uuid not null, claim uuid);
create function tests.j(p_name text) returns uuid
language sql stable as $$ select id from tests.j where name = p_name $$;
create function tests.claim(p_name text) returns uuid
language sql stable as $$ select claim from tests.j where name = p_name $$;
create function tests.send(p_name text, p_queue text, p_delay numeric default null,
                           p_priority int default 0, p_key text default null,
                           p_by uuid default null) returns uuid
language sql as $$
  insert into tests.j (name, id)
  values (p_name, queue.send(p_queue, jsonb_build_object('name', p_name), p_delay, p_priority,
                             p_key, p_by))
  returning id
$$;
-- Claims up to p_qty due jobs of one queue, remembers their claims, returns their names.
create function tests.take(p_queue text, p_qty int default 1, p_vt int default null)
returns setof text
language sql as $$
  with r as (select * from queue.read(p_qty, array[p_queue], p_vt))
  update tests.j t set claim = r.claim from r where t.id = r.id returning t.name
$$;
-- Where a job is now: 'jobs:<state>', 'archive:<state>' or 'gone'.
create function tests.where_is(p_name text) returns text
language sql as $$
  select coalesce((select 'jobs:' || state from queue.jobs where id = tests.j(p_name)),
                  (select 'archive:' || state from queue.archive where id = tests.j(p_name)),
                  'gone')
$$;
-- fail() under the remembered claim, timed: the wait chosen lies between run_at - t1 and
-- run_at - t0, t0/t1 being the clock just before and after the call.
create function tests.timed_fail(p_name text, p_error text,
                                 out result text, out since_before interval,
                                 out since_after interval)
language plpgsql as $$
declare
  t0 timestamptz := clock_timestamp();
  t1 timestamptz;
  r timestamptz;
begin
  result := queue.fail(tests.j(p_name), tests.claim(p_name), p_error);
  t1 := clock_timestamp();
  select run_at into r from queue.jobs where id = tests.j(p_name);
  since_before := r - t0;
  since_after := r - t1;
end
$$;
-- Make a job's run_at lie in the past (a delay or backoff over, or a visibility timeout run out).
create function tests.expire(p_name text) returns void
language sql as $$
  update queue.jobs set run_at = clock_timestamp() - interval '1 second' where id = tests.j(p_name)
$$;
grant select on tests.j to authenticated;
grant execute on all functions in schema tests to authenticated;

-- ------------------------------------------------------------------ the queues
select set_has($$select name from queue.queues$$,
  $$values ('payroll'), ('bank_file'), ('notify'), ('refresh_views'), ('probe')$$,
  'the five queues exist');
select results_eq($$select default_delay_s > 0 from queue.queues where name = 'refresh_views'$$,
  array[true], 'refresh_views debounces with a default delay');
select is_empty($$select c.relname from pg_class c
   where c.relnamespace = 'queue'::regnamespace and c.relkind in ('r', 'p')
     and obj_description(c.oid, 'pg_class') is null$$,
  'every queue table has a comment');

-- ------------------------------------------------------------------ send
select isnt(tests.send('a', 't_send', p_key => 'k1'), null, 'send returns an id');
select results_eq(
  $$select state, attempts, max_attempts, visibility_timeout_s, claim is null,
           run_at <= clock_timestamp(), payload
      from queue.jobs where id = tests.j('a')$$,
  $$values ('queued', 0, 3, 60, true, true, '{"name": "a"}'::jsonb)$$,
  'a sent job is queued, due now, with the queue''s attempts and timeout copied');
select is(queue.send('t_send', '{"other": 1}', p_dedupe_key => 'k1'), tests.j('a'),
  'the same dedupe key while queued returns the waiting job''s id');
select results_eq(
  $$select count(*)::int, min(payload::text) from queue.jobs where queue = 't_send'$$,
  $$values (1, '{"name": "a"}')$$,
  'the deduplicated send inserted nothing and left the payload alone');
select isnt(queue.send('t_read', '{}', 3600, p_dedupe_key => 'k1'), tests.j('a'),
  'dedupe keys are per queue');
delete from queue.jobs where queue = 't_read';
select throws_ok($$select queue.send('no_such_queue')$$, '23503', 'unknown queue no_such_queue',
  'send to an unknown queue raises');

-- ------------------------------------------------------------------ read: claim
create temp table r1 as
select *, clock_timestamp() as read_done from queue.read(5, array['t_send']);
select results_eq($$select id, state, attempts, claim is not null from r1$$,
  $$values (tests.j('a'), 'running', 1, true)$$,
  'read claims the job: running, attempts + 1, a claim token');
select ok((select run_at > read_done + interval '55 seconds'
                  and run_at <= read_done + interval '60 seconds' from r1),
  'read sets run_at to the end of the visibility timeout');
select is((select claim from queue.jobs where id = tests.j('a')), (select claim from r1),
  'the claim token is stored on the job');
update tests.j set claim = (select claim from r1) where name = 'a';
select is_empty($$select * from queue.read(5, array['t_send'])$$,
  'a second read does not return the claimed job');
select isnt(tests.send('a2', 't_send', p_key => 'k1'), tests.j('a'),
  'once the job is claimed, a send with the same key makes a new job');
select is(tests.where_is('a2'), 'jobs:queued', 'the new job waits');

-- fail while a same-key job waits: superseded (the waiting job covers the work).
select is(queue.fail(tests.j('a'), tests.claim('a'), 'boom'), 'superseded',
  'fail with a same-key job waiting returns superseded');
select results_eq(
  $$select state, last_error, jsonb_array_length(errors) from queue.archive where id = tests.j('a')$$,
  $$values ('superseded', 'attempt 1: boom', 1)$$,
  'the superseded job is archived with its error');
select is(tests.where_is('a2'), 'jobs:queued', 'the waiting job is untouched');

-- release while a same-key job waits: superseded too.
select set_eq($$select tests.take('t_send')$$, array['a2'], 'read claims the waiting job');
select tests.send('a3', 't_send', p_key => 'k1');
select ok(queue.release(tests.j('a2'), tests.claim('a2')),
  'release with a same-key job waiting applies');
select is(tests.where_is('a2'), 'archive:superseded', '... and archives the released job as superseded');
select is(tests.where_is('a3'), 'jobs:queued', '... keeping the waiting one');

-- ------------------------------------------------------------------ read: order, qty, delay
select tests.send('p0', 't_read', p_priority => 0);
select tests.send('p5', 't_read', p_priority => 5);
select tests.send('p1', 't_read', p_priority => 1);
select tests.send('p3', 't_read', p_priority => 3);
select tests.send('d9', 't_read', 60, 9);
select set_eq($$select tests.take('t_read', 2)$$, array['p5', 'p3'],
  'read claims at most qty jobs, highest priority first');
select set_eq($$select tests.take('t_read', 1)$$, array['p1'], 'then the next priority');
select set_eq($$select tests.take('t_read', 5, 5)$$, array['p0'],
  'a delayed job is not returned, whatever its priority');
select is(tests.where_is('d9'), 'jobs:queued', 'the delayed job stays queued');
select ok((select run_at <= clock_timestamp() + interval '5 seconds' from queue.jobs
            where id = tests.j('p0')),
  'read with p_vt_s uses that visibility timeout instead of the queue''s');

-- ------------------------------------------------------------------ read: visibility timeout
select tests.send('v', 't_vt');
select tests.send('v_last', 't_vt');
select set_eq($$select tests.take('t_vt', 2)$$, array['v', 'v_last'], 'both claimed');
create temp table stale as select claim from tests.j where name = 'v';
select tests.expire('v');
update queue.jobs set attempts = max_attempts where id = tests.j('v_last');
select tests.expire('v_last');
select set_eq($$select tests.take('t_vt', 5)$$, array['v'],
  'a running job past its timeout is claimed again (one at its last attempt is not)');
select results_eq(
  $$select state, attempts, claim <> (select claim from stale), jsonb_array_length(errors),
           errors -> -1 ->> 'error' ~ 'visibility timeout',
           (errors -> -1 ->> 'attempt')::int, last_error ~ 'visibility timeout'
      from queue.jobs where id = tests.j('v')$$,
  $$values ('running', 2, true, 1, true, 1, true)$$,
  're-claimed: attempts 2, a new claim token, a visibility-timeout error for attempt 1');
select results_eq(
  $$select state, claim is null, finished_at is not null, last_error ~ 'visibility timeout',
           jsonb_array_length(errors)
      from queue.jobs where id = tests.j('v_last')$$,
  $$values ('dead', true, true, true, 1)$$,
  'past its timeout at attempts >= max_attempts, the job becomes a dead letter');

-- ------------------------------------------------------------------ complete
select is(queue.complete(tests.j('v'), (select claim from stale), '{"ok": false}'), false,
  'complete with a stale claim returns false');
select results_eq(
  $$select j.state, j.claim, a.id is null from queue.jobs j
      left join queue.archive a using (id) where j.id = tests.j('v')$$,
  $$select 'running'::text, tests.claim('v'), true$$,
  '... and changes nothing');
select ok(queue.complete(tests.j('v'), tests.claim('v'), '{"ok": true}'),
  'complete with the current claim returns true');
select is_empty($$select 1 from queue.jobs where id = tests.j('v')$$,
  'the completed job is gone from queue.jobs');
select results_eq(
  $$select state, result, attempts, finished_at is not null, payload
      from queue.archive where id = tests.j('v')$$,
  $$values ('succeeded', '{"ok": true}'::jsonb, 2, true, '{"name": "v"}'::jsonb)$$,
  'the archive holds it as succeeded with its result');
select is(queue.complete(tests.j('v'), tests.claim('v')), false,
  'completing again returns false');

-- ------------------------------------------------------------------ complete_many
select tests.send('m1', 't_read');
select tests.send('m2', 't_read');
select set_eq($$select tests.take('t_read', 2)$$, array['m1', 'm2'], 'two claimed for complete_many');
select set_eq(
  $$select queue.complete_many(jsonb_build_array(
      jsonb_build_object('id', tests.j('m1'), 'claim', tests.claim('m1'), 'result', '{"n": 1}'::jsonb),
      jsonb_build_object('id', tests.j('m2'), 'claim', gen_random_uuid(), 'result', null)))$$,
  $$select tests.j('m1')$$,
  'complete_many archives the attempts whose claim is held, and only those');
select results_eq(
  $$select (select state || ':' || result::text from queue.archive where id = tests.j('m1')),
           (select state from queue.jobs where id = tests.j('m2'))$$,
  $$values ('succeeded:{"n": 1}', 'running')$$,
  '... with its result; the stale one is still running');

-- ------------------------------------------------------------------ fail and backoff
-- t_fail: base 10 s, 3 attempts. Retry n waits 10 * 2^(n-1) * [0.5, 1) seconds.
select tests.send('f', 't_fail');
select set_eq($$select tests.take('t_fail')$$, array['f'], 'f claimed (attempt 1)');
create temp table f1 as select * from tests.timed_fail('f', 'first');
select is((select result from f1), 'queued', 'fail at attempt 1 of 3 returns queued');
select ok((select since_before >= interval '5 seconds' and since_after < interval '10 seconds'
             from f1),
  'retry 1 waits within [5 s, 10 s): base * 2^0 * [0.5, 1)');
select results_eq(
  $$select state, claim is null, attempts, last_error, jsonb_array_length(errors),
           errors -> 0 ->> 'error'
      from queue.jobs where id = tests.j('f')$$,
  $$values ('queued', true, 1, 'attempt 1: first', 1, 'first')$$,
  'the failed job is queued again without a claim, its error recorded');
select is_empty($$select * from queue.read(5, array['t_fail'])$$,
  'a job backing off is not read before its run_at');
select tests.expire('f');
select set_eq($$select tests.take('t_fail')$$, array['f'], 'f claimed again (attempt 2)');
create temp table f2 as select * from tests.timed_fail('f', 'second');
select is((select result from f2), 'queued', 'fail at attempt 2 of 3 returns queued');
select ok((select since_before >= interval '10 seconds' and since_after < interval '20 seconds'
             from f2),
  'retry 2 waits within [10 s, 20 s): base * 2^1 * [0.5, 1)');
select is((select jsonb_array_length(errors) from queue.jobs where id = tests.j('f')), 2,
  'the errors array grows');
select tests.expire('f');
select set_eq($$select tests.take('t_fail')$$, array['f'], 'f claimed again (attempt 3)');
select is(queue.fail(tests.j('f'), tests.claim('f'), 'third'), 'dead',
  'fail at the last attempt returns dead');
select results_eq(
  $$select state, claim is null, finished_at is not null, attempts, last_error,
           jsonb_array_length(errors), errors -> -1 ->> 'error'
      from queue.jobs where id = tests.j('f')$$,
  $$values ('dead', true, true, 3, 'attempt 3: third', 3, 'third')$$,
  'the dead letter stays in queue.jobs with every error');

select tests.send('g', 't_fail');
select set_eq($$select tests.take('t_fail')$$, array['g'], 'g claimed');
select is(queue.fail(tests.j('g'), tests.claim('g'), 'bad input', false), 'dead',
  'fail with p_retry = false returns dead at the first attempt');
select results_eq($$select state, attempts from queue.jobs where id = tests.j('g')$$,
  $$values ('dead', 1)$$, '... and the job is dead after one attempt');

select tests.send('h', 't_fail');
select set_eq($$select tests.take('t_fail')$$, array['h'], 'h claimed');
select is(queue.fail(tests.j('h'), gen_random_uuid(), 'not mine'), null,
  'fail with a stale claim returns null');
select results_eq(
  $$select state, claim, attempts, last_error, errors from queue.jobs where id = tests.j('h')$$,
  $$select 'running'::text, tests.claim('h'), 1, null::text, '[]'::jsonb$$,
  '... and changes nothing');

-- t_cap: base 10 s capped at 15 s; attempt 5 would wait 160 s uncapped.
select tests.send('c', 't_cap');
update queue.jobs set attempts = 4 where id = tests.j('c');
select set_eq($$select tests.take('t_cap')$$, array['c'], 'c claimed (attempt 5)');
create temp table fc as select * from tests.timed_fail('c', 'capped');
select ok((select result = 'queued' and since_before >= interval '7.5 seconds'
                  and since_after < interval '15 seconds' from fc),
  'the backoff is capped at backoff_max_s (times the jitter)');

-- t_jitter: twenty first failures. Each wait must lie in [5 s, 10 s), and the waits must
-- spread (equal jitter), not all be the same 10 s (no jitter).
select tests.send('j' || n, 't_jitter') from generate_series(1, 20) n;
select is((select count(*)::int from tests.take('t_jitter', 20)), 20, 'twenty jobs claimed');
create temp table fj as
select t.* from generate_series(1, 20) n, tests.timed_fail('j' || n, 'flaky') t;
select results_eq(
  $$select count(*) filter (where result = 'queued')::int,
           count(*) filter (where since_before >= interval '5 seconds'
                              and since_after < interval '10 seconds')::int
      from fj$$,
  $$values (20, 20)$$, 'every first retry waits within [5 s, 10 s)');
select ok((select max(since_after) - min(since_before) > interval '1 second' from fj),
  'the retry waits are jittered (spread over more than a second)');

select is(
  jsonb_array_length(queue.append_error(
    (select jsonb_agg(jsonb_build_object('attempt', g)) from generate_series(1, 25) g), 26, 'x')),
  20, 'the errors array keeps at most 20 entries');
select is(
  (select array[(e -> 0 ->> 'attempt')::int, (e -> -1 ->> 'attempt')::int]
     from (select queue.append_error(
             (select jsonb_agg(jsonb_build_object('attempt', g)) from generate_series(1, 25) g),
             26, 'x') e) x),
  array[7, 26], '... the newest ones, oldest first');

-- ------------------------------------------------------------------ checkpoint and release
select tests.send('k', 't_ops');
select set_eq($$select tests.take('t_ops')$$, array['k'], 'k claimed');
select ok(queue.checkpoint(tests.j('k'), tests.claim('k'), '{"done": 5}', 600),
  'checkpoint under the current claim returns true');
select results_eq(
  $$select progress, run_at > clock_timestamp() + interval '500 seconds'
      from queue.jobs where id = tests.j('k')$$,
  $$values ('{"done": 5}'::jsonb, true)$$,
  'checkpoint records progress and extends the visibility timeout');
select is(queue.checkpoint(tests.j('k'), gen_random_uuid(), '{"done": 99}', 600), false,
  'checkpoint with a stale claim returns false');
select is((select progress from queue.jobs where id = tests.j('k')), '{"done": 5}'::jsonb,
  '... and leaves the progress alone');
select ok(queue.release(tests.j('k'), tests.claim('k')), 'release returns true');
select results_eq(
  $$select state, claim is null, attempts, progress, run_at <= clock_timestamp()
      from queue.jobs where id = tests.j('k')$$,
  $$values ('queued', true, 0, '{"done": 5}'::jsonb, true)$$,
  'released: queued and due, attempt not counted, progress kept');
select is(queue.release(tests.j('k'), tests.claim('k')), false,
  'release with a spent claim returns false');

-- ------------------------------------------------------------------ cancel, retry, discard
select tests.send('m', 't_ops', 60);
select ok(queue.cancel(tests.j('m')), 'cancel a queued job returns true');
select is(tests.where_is('m'), 'archive:cancelled', 'the cancelled job is archived as cancelled');
select set_eq($$select tests.take('t_ops')$$, array['k'], 'k claimed again');
select is(queue.cancel(tests.j('k')), false, 'a running job cannot be cancelled');
select is(tests.where_is('k'), 'jobs:running', '... it keeps running');

select tests.send('x', 't_dead');
select set_eq($$select tests.take('t_dead')$$, array['x'], 'x claimed');
select queue.fail(tests.j('x'), tests.claim('x'), 'broken', false);
select is(tests.where_is('x'), 'jobs:dead', 'x is a dead letter');
select is(queue.cancel(tests.j('x')), false, 'a dead letter cannot be cancelled');
select ok(queue.retry(tests.j('x')), 'retry a dead letter returns true');
select results_eq(
  $$select state, attempts, finished_at is null, run_at <= clock_timestamp()
      from queue.jobs where id = tests.j('x')$$,
  $$values ('queued', 0, true, true)$$,
  'retried: queued again, due now, attempts reset to 0');
select is(queue.retry(tests.j('x')), false, 'retry of a job that is not dead returns false');
select is(queue.discard(tests.j('x')), false, 'discard of a job that is not dead returns false');
select set_eq($$select tests.take('t_dead')$$, array['x'], 'x claimed again');
select is(queue.fail(tests.j('x'), tests.claim('x'), 'still broken', false), 'dead', 'x dead again');
select ok(queue.discard(tests.j('x')), 'discard a dead letter returns true');
select is(tests.where_is('x'), 'archive:discarded', 'the discarded job is archived as discarded');

-- ------------------------------------------------------------------ metrics, wants_worker, kick
delete from queue.jobs where queue <> 't_metrics';
select is(queue.wants_worker(), false, 'wants_worker: nothing to do');
select tests.send('w1', 't_ww', 60);
select is(queue.wants_worker(), false, 'wants_worker: a delayed job is not work yet');
select tests.send('w2', 't_ww');
select is(queue.wants_worker(), true, 'wants_worker: a due job is');
select is(to_regnamespace('net'), null, 'no pg_net here');
select is(queue.kick(), null, 'kick() returns null without pg_net, even with work due');
select queue.cancel(tests.j('w1')), queue.cancel(tests.j('w2'));
select set_eq($$select tests.take('t_ww')$$, array[]::text[], 'cancelled jobs are not read');

select tests.send('m_done', 't_metrics');
select set_eq($$select tests.take('t_metrics')$$, array['m_done'], 'm_done claimed');
select queue.complete(tests.j('m_done'), tests.claim('m_done'));
select tests.send('m_run', 't_metrics');
select set_eq($$select tests.take('t_metrics')$$, array['m_run'], 'm_run claimed');
select tests.send('m_dead', 't_metrics');
select set_eq($$select tests.take('t_metrics')$$, array['m_dead'], 'm_dead claimed');
select queue.fail(tests.j('m_dead'), tests.claim('m_dead'), 'x', false);
select tests.send('m_q1', 't_metrics');
select tests.send('m_q2', 't_metrics');
select tests.send('m_later', 't_metrics', 60);
select results_eq(
  $$select queued, scheduled, running, dead, succeeded_1h, archived, oldest_queued_s >= 0
      from queue.metrics() where queue = 't_metrics'$$,
  $$values (2, 1, 1, 1, 1, 1, true)$$,
  'metrics counts queued, scheduled, running, dead and the archive per queue');
select results_eq(
  $$select queued, scheduled, running, dead, succeeded_1h, archived, oldest_queued_s
      from queue.metrics() where queue = 'payroll'$$,
  $$values (0, 0, 0, 0, 0, 0, 0::numeric)$$,
  'a queue without jobs reports zeros');
select set_eq($$select queue from queue.metrics()$$, $$select name from queue.queues$$,
  'metrics has one row per queue');

-- ------------------------------------------------------------------ purge_archive
insert into queue.archive (id, queue, payload, priority, state, attempts, max_attempts, errors,
                           created_at, finished_at)
values
  ('70000000-0000-4000-8000-000000000001', 't_purge_a', '{}', 0, 'succeeded', 1, 5, '[]',
   now() - interval '5 days', now() - interval '4 days'),
  ('70000000-0000-4000-8000-000000000002', 't_purge_a', '{}', 0, 'succeeded', 1, 5, '[]',
   now() - interval '5 days', now() - interval '2 days'),
  ('70000000-0000-4000-8000-000000000003', 't_purge_b', '{}', 0, 'cancelled', 0, 5, '[]',
   now() - interval '5 days', now() - interval '4 days'),
  ('70000000-0000-4000-8000-000000000004', 'probe', '{}', 0, 'discarded', 3, 3, '[]',
   now() - interval '400 days',
   now() - make_interval(days => (select retention_days + 1 from queue.queues
                                   where name = 'probe')));
create temp table archive_before as select id from queue.archive;
select is(queue.purge_archive(), 2, 'purge_archive deletes the rows past their queue''s retention');
select set_eq(
  $$select id from archive_before except select id from queue.archive$$,
  array['70000000-0000-4000-8000-000000000001', '70000000-0000-4000-8000-000000000004']::uuid[],
  '... exactly those: 4 days old on a 3-day queue, and one past the probe queue''s retention');
select results_eq($$select cron.job.schedule, command ~ 'queue\.purge_archive\(\)'
                      from cron.job where jobname = 'purge-job-archive'$$,
  $$values ('50 * * * *'::text, true)$$, 'the archive purge is scheduled hourly');
select is(exists (select 1 from cron.job where jobname = 'jobs-worker'),
  exists (select 1 from pg_available_extensions where name = 'pg_net'),
  'the pg_net worker kick is scheduled only where pg_net exists');

-- ------------------------------------------------------------------ job_status for callers
insert into tests.ids values
  ('JOB', tests.send('s_live', 't_status', p_by => tests.id('manager'))),
  ('JOB_ANON', tests.send('s_nobody', 't_status', 60));
select tests.send('s_done', 't_status', p_priority => 9, p_by => tests.id('manager'));
select set_eq($$select tests.take('t_status')$$, array['s_done'], 's_done claimed');
select queue.complete(tests.j('s_done'), tests.claim('s_done'), '{"rows": 3}');
insert into tests.ids select 'JOB_DONE', tests.j('s_done');

select tests.act_as('manager');
select results_eq(
  $$select id, queue, state, created_by, result from queue.job_status(tests.id('JOB'))$$,
  $$values (tests.id('JOB'), 't_status', 'queued', tests.id('manager'), null::jsonb)$$,
  'job_status: the creator sees their live job (1 row)');
select results_eq(
  $$select state, result, attempts from queue.job_status(tests.id('JOB_DONE'))$$,
  $$values ('succeeded', '{"rows": 3}'::jsonb, 1)$$,
  'job_status: the creator sees their finished job with its result');
select is_empty($$select * from queue.job_status(tests.id('JOB_ANON'))$$,
  'job_status: a job without a creator is not theirs');
reset role;
select tests.act_as('manager2');
select is_empty($$select * from queue.job_status(tests.id('JOB'))$$,
  'job_status: another manager sees nothing');
reset role;
select tests.act_as('crew');
select is_empty($$select * from queue.job_status(tests.id('JOB'))$$,
  'job_status: a crew member sees nothing');
reset role;
select tests.act_as('admin');
select is((select count(*)::int from queue.job_status(tests.id('JOB'))), 1,
  'job_status: admin sees any job');
reset role;
-- A forged role claim at the top level is not app_metadata.
select set_config('request.jwt.claims', json_build_object('sub', tests.id('crew'),
  'role', 'admin')::text, true);
set local role functions_user;
select is_empty($$select * from queue.job_status(tests.id('JOB'))$$,
  'job_status: a top-level role claim does not make an admin');
reset role;
select tests.act_as('anon');
select throws_ok($$select * from queue.job_status(tests.id('JOB'))$$, '42501', null,
  'anon cannot call job_status');
reset role;

-- ------------------------------------------------------------------ privileges
select tests.act_as('crew');
select throws_ok($$select queue.send('t_status')$$, '42501', null,
  'a caller cannot execute queue.send');
select throws_ok($$select * from queue.read(1)$$, '42501', null,
  'a caller cannot execute queue.read');
select throws_ok($$select queue.complete(tests.id('JOB'), null)$$, '42501', null,
  'a caller cannot execute queue.complete');
select throws_ok($$select queue.retry(tests.id('JOB'))$$, '42501', null,
  'a caller cannot execute queue.retry');
select throws_ok('select 1 from queue.jobs', '42501', null, 'a caller cannot select queue.jobs');
select throws_ok('select 1 from queue.archive', '42501', null,
  'a caller cannot select queue.archive');
select throws_ok('select 1 from queue.queues', '42501', null,
  'a caller cannot select queue.queues');
select throws_ok('select 1 from private.bank_files', '42501', null,
  'a caller cannot select private.bank_files');
select throws_ok('select 1 from private.bank_file_payments', '42501', null,
  'a caller cannot select private.bank_file_payments');
select throws_ok('select 1 from private.stored_files', '42501', null,
  'a caller cannot select private.stored_files');
select throws_ok('select 1 from private.notifications_sent', '42501', null,
  'a caller cannot select private.notifications_sent');
select throws_ok($$update queue.jobs set state = 'dead'$$, '42501', null,
  'a caller cannot update queue.jobs');
reset role;

select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
   where p.pronamespace = 'queue'::regnamespace
     and (has_function_privilege('anon', p.oid, 'execute')
          or has_function_privilege('authenticated', p.oid, 'execute')
          or (has_function_privilege('functions_user', p.oid, 'execute')
              and p.oid <> 'queue.job_status(uuid)'::regprocedure))
$$, 'no queue function but job_status is executable by functions_user, none by anon or authenticated');
select ok(has_function_privilege('functions_user', 'queue.job_status(uuid)', 'execute'),
  'functions_user may execute queue.job_status');
select is_empty($$
  select c.oid::regclass::text from pg_class c
   where (c.relnamespace = 'queue'::regnamespace
          or c.oid in ('private.bank_files'::regclass, 'private.bank_file_payments'::regclass,
                       'private.stored_files'::regclass, 'private.notifications_sent'::regclass))
     and c.relkind in ('r', 'p')
     and (has_table_privilege('anon', c.oid, 'select,insert,update,delete,truncate,references,trigger')
          or has_table_privilege('functions_user', c.oid,
                                 'select,insert,update,delete,truncate,references,trigger')
          or not c.relrowsecurity)
$$, 'queue and file/notification tables: RLS on, no privilege for anon, authenticated or functions_user');
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
   where p.pronamespace = 'queue'::regnamespace
     and p.proname in ('send', 'read', 'complete', 'fail', 'release', 'checkpoint', 'retry',
                       'discard', 'cancel', 'metrics', 'wants_worker', 'purge_archive',
                       'refresh_view', 'kick')
     and not has_function_privilege('service_role', p.oid, 'execute')
$$, 'service_role may execute the queue functions');
select is(
  (select count(*)::int from pg_proc p where p.pronamespace = 'queue'::regnamespace
      and p.proname in ('send', 'read', 'complete', 'fail', 'release', 'checkpoint', 'retry',
                        'discard', 'cancel', 'metrics', 'wants_worker', 'purge_archive',
                        'refresh_view', 'kick')),
  14, 'all fourteen service functions exist');

-- ------------------------------------------------------------------ outbox triggers
select set_eq(
  $$select tgrelid::regclass::text, tgname::text, (tgtype & 1) = 1 from pg_trigger
     where tgparentid = 0
       and tgfoid in ('queue.tg_refresh_reports'::regproc, 'queue.tg_notify_payment_paid'::regproc,
                      'queue.tg_notify_claim_decided'::regproc)$$,
  $$values ('payments', 'trg_payments_notify_paid', true),
           ('expense_claims', 'trg_expense_claims_notify_decided', true),
           ('payments', 'trg_payments_refresh_reports', false),
           ('expense_claims', 'trg_expense_claims_refresh_reports', false),
           ('project_staff', 'trg_project_staff_refresh_reports', false)$$,
  'outbox triggers: notifications per row, report refreshes once per statement');
delete from queue.jobs;
select tests.act_as('finance');
update payments set status = 'approved' where id = tests.id('PAY1');
reset role;
select is_empty($$select 1 from queue.jobs where queue = 'notify'$$,
  'approving a payment notifies nobody');
select tests.act_as('finance');
update payments set status = 'paid' where id = tests.id('PAY1');
reset role;
select results_eq(
  $$select payload, dedupe_key, state from queue.jobs where queue = 'notify'$$,
  $$values (jsonb_build_object('kind', 'payment_paid', 'payment_id', tests.id('PAY1'),
                               'payment_date', current_date, 'candidate_id', tests.id('K1')),
            'payment_paid:' || tests.id('PAY1'), 'queued')$$,
  'approved -> paid enqueues exactly one notify job: ids only, no IC or bank fields');
select is_empty($$select 1 from queue.jobs
   where payload::text ~ '(900101-99-0001|900101990001|111100001111|Maybank|ic_number|account)'$$,
  'no job payload carries an IC or bank account');

delete from queue.jobs;
select tests.act_as('finance');
update expense_claims set status = 'approved' where id = tests.id('CL2');
reset role;
insert into expense_claims (id, candidate_id, project_id, category, amount, status)
values ('50000000-0000-4000-8000-0000000000bb', tests.id('K1'), tests.id('P1'), 'meals', 9,
        'submitted');
update expense_claims set status = 'rejected', rejection_reason = 'no receipt'
 where id = '50000000-0000-4000-8000-0000000000bb';
update expense_claims set status = 'submitted' where id = tests.id('CL1');
select set_eq(
  $$select payload, dedupe_key from queue.jobs where queue = 'notify'$$,
  $$values (jsonb_build_object('kind', 'claim_decided', 'claim_id', tests.id('CL2'),
                               'candidate_id', tests.id('K2'), 'decision', 'approved'),
            'claim_decided:' || tests.id('CL2')),
           (jsonb_build_object('kind', 'claim_decided',
                               'claim_id', '50000000-0000-4000-8000-0000000000bb'::uuid,
                               'candidate_id', tests.id('K1'), 'decision', 'rejected'),
            'claim_decided:50000000-0000-4000-8000-0000000000bb')$$,
  'submitted -> approved/rejected enqueue claim_decided (draft -> submitted does not)');

delete from queue.jobs;
insert into payments (project_id, candidate_id, amount, payment_date)
values (tests.id('P1'), tests.id('K1'), 11, current_date);
select set_eq(
  $$select payload ->> 'view', coalesce_key, state from queue.jobs where queue = 'refresh_views'$$,
  $$values ('mv_project_financials', 'mv_project_financials', 'queued'),
           ('mv_monthly_payments', 'mv_monthly_payments', 'queued'),
           ('mv_candidate_earnings', 'mv_candidate_earnings', 'queued')$$,
  'inserting payments enqueues one refresh job per reporting view, keyed by the view');
select is_empty($$select 1 from queue.jobs j join queue.queues q on q.name = j.queue
   where j.queue = 'refresh_views'
     and j.run_at <= clock_timestamp() + make_interval(secs => q.default_delay_s / 2.0)$$,
  'the refresh jobs wait out the queue''s debounce delay');
create temp table rv as select id from queue.jobs where queue = 'refresh_views';
insert into payments (project_id, candidate_id, amount, payment_date)
values (tests.id('P2'), tests.id('K2'), 12, current_date);
insert into expense_claims (candidate_id, project_id, category, amount)
values (tests.id('K2'), tests.id('P2'), 'other', 5);
insert into project_staff (project_id, candidate_id, status, daily_rate)
values (tests.id('P2'), tests.id('K1'), 'invited', 100);
select set_eq($$select id from queue.jobs where queue = 'refresh_views'$$,
  $$select id from rv$$,
  'later statements coalesce into the same waiting job per view');
select is((select count(*)::int from queue.jobs), 3, 'and enqueue nothing else');

delete from queue.jobs;
savepoint before_write;
update payments set status = 'approved' where id = tests.id('PAY2');
update payments set status = 'paid' where id = tests.id('PAY2');
select count(*) as jobs_in_savepoint from queue.jobs \gset
rollback to savepoint before_write;
select is(:jobs_in_savepoint::int, 4, 'inside the savepoint the write had enqueued 4 jobs');
select is_empty('select 1 from queue.jobs', 'a rolled-back write leaves no job');

-- ------------------------------------------------------------------ coalesce keys
-- Two waiting jobs with the same coalesce key (concurrent first senders can make that): the
-- one that starts absorbs the other; a send while one waits returns the waiting one.
delete from queue.jobs;
select queue.send('refresh_views', '{"view": "mv_monthly_payments"}', 0,
                  p_coalesce_key => 'mv_monthly_payments') as c1 \gset
insert into queue.jobs (queue, payload, max_attempts, visibility_timeout_s, coalesce_key)
values ('refresh_views', '{"view": "mv_monthly_payments"}', 3, 300, 'mv_monthly_payments')
returning id as c2 \gset
select is(queue.send('refresh_views', '{}', 0, p_coalesce_key => 'mv_monthly_payments'),
          (select id from queue.jobs where coalesce_key = 'mv_monthly_payments' limit 1),
          'a send while a job with its coalesce key waits returns a waiting job');
select id as r1, claim as r1_claim from queue.read(1, array['refresh_views']) \gset
select is(queue.absorb(:'r1', :'r1_claim'), 1, 'the job that starts absorbs the other waiting one');
select is((select state from queue.archive where id in (:'c1', :'c2') and id <> :'r1'),
          'superseded', 'the absorbed job is archived as superseded');
select is(queue.absorb(:'r1', gen_random_uuid()), 0, 'absorb needs the current claim');

-- ------------------------------------------------------------------ refresh_view
select throws_ok($$select queue.refresh_view('projects')$$, '22023',
  'not a reporting view: projects', 'refresh_view refuses a table that is not a reporting view');
select throws_ok($$select queue.refresh_view('mv_monthly_payments; drop table projects')$$,
  '22023', null, 'refresh_view refuses anything but the exact view names');
select lives_ok($$select queue.refresh_view('mv_monthly_payments')$$,
  'refresh_view refreshes a reporting view');

select * from finish();
rollback;
