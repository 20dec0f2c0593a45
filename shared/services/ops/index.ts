/**
 * The database's side of operations, on the service path (the pool's login role reads
 * pg_stat_statements and pg_cron's tables): the slowest and the costliest statements, how old
 * each reporting view is, pg_cron's health, partitions ahead, the idempotency table's size, the
 * job queues. Statements are shown as pg_stat_statements normalises them (constants as $1, $2)
 * and string literals are blanked once more, so no parameter value ever leaves.
 */
import { asServiceRole } from "../../db/index.ts";
import { iso, isoOrNull } from "../../db/rows.ts";
import { type QueueMetrics, queueMetrics } from "../jobs/index.ts";
import { REPORTING_VIEWS } from "../reports/views.ts";

export interface Statement {
  queryid: string;
  query: string;
  calls: number;
  total_ms: number;
  mean_ms: number;
  rows: number;
}

/** Quoted literals that survived normalisation (e.g. in utility statements), blanked. */
export const blankLiterals = (query: string) =>
  query.replace(/E?'(?:[^']|'')*'/g, "'?'").replace(/\s+/g, " ").trim().slice(0, 500);

const toStatement = (r: Record<string, unknown>): Statement => ({
  queryid: String(r.queryid),
  query: blankLiterals(String(r.query)),
  calls: Number(r.calls),
  total_ms: Math.round(Number(r.total_ms) * 100) / 100,
  mean_ms: Math.round(Number(r.mean_ms) * 1000) / 1000,
  rows: Number(r.rows),
});

/**
 * The seed's slow-query check (`mean_exec_time > 100` ms) and the top statements by total time,
 * of this database only.
 */
export async function statements(minMeanMs = 100, limit = 20) {
  const [slow, top] = await asServiceRole("ops statements", (tx) => [
    tx`
      select queryid, query, calls, total_exec_time as total_ms, mean_exec_time as mean_ms, rows
        from extensions.pg_stat_statements s
        join pg_database d on d.oid = s.dbid and d.datname = current_database()
       where mean_exec_time > ${minMeanMs}
       order by mean_exec_time desc limit ${limit}`,
    tx`
      select queryid, query, calls, total_exec_time as total_ms, mean_exec_time as mean_ms, rows
        from extensions.pg_stat_statements s
        join pg_database d on d.oid = s.dbid and d.datname = current_database()
       order by total_exec_time desc limit ${limit}`,
  ]);
  return { min_mean_ms: minMeanMs, slow: slow.map(toStatement), top: top.map(toStatement) };
}

export interface Health {
  /** Seconds since each reporting view was last refreshed (pg_cron or a refresh job). */
  views: { view: string; age_s: number | null; refreshed_at: string | null }[];
  cron: {
    job: string;
    schedule: string;
    active: boolean;
    last_status: string | null;
    last_run_at: string | null;
    last_success_at: string | null;
    failures_24h: number;
  }[];
  partitions: { table: string; months_ahead: number }[];
  idempotency_keys: { rows: number; bytes: number };
  queues: QueueMetrics[];
}

/** Reporting views, cron, partitions, idempotency keys and queues, read in one transaction. */
export async function health(): Promise<Health> {
  const [views, cron, partitions, keys] = await asServiceRole("ops health", (tx) => [
    tx`
      with cron_refresh as (
        select max(d.end_time) as at from cron.job_run_details d
          join cron.job j on j.jobid = d.jobid
         where j.jobname = 'refresh-reporting-views' and d.status = 'succeeded'
      ), views(view) as (
        select unnest(string_to_array(${REPORTING_VIEWS.join(",")}, ','))
      )
      select v.view, greatest((select at from cron_refresh),
                              (select max(a.finished_at) from queue.archive a
                                where a.queue = 'refresh_views' and a.state = 'succeeded'
                                  and a.payload ->> 'view' = v.view)) as refreshed_at
        from views v order by v.view`,
    tx`
      select j.jobname as job, j.schedule, j.active,
             (select d.status from cron.job_run_details d where d.jobid = j.jobid
               order by d.start_time desc limit 1) as last_status,
             (select max(d.start_time) from cron.job_run_details d where d.jobid = j.jobid)
               as last_run_at,
             (select max(d.end_time) from cron.job_run_details d
               where d.jobid = j.jobid and d.status = 'succeeded') as last_success_at,
             (select count(*)::int from cron.job_run_details d
               where d.jobid = j.jobid and d.status = 'failed'
                 and d.start_time > now() - interval '1 day') as failures_24h
        from cron.job j where j.database = current_database() order by j.jobname`,
    tx`
      select p.relname as parent,
             count(*) filter (where to_date(substring(c.relname from '_y([0-9]{4}m[0-9]{2})$'),
                                            'YYYY"m"MM') > date_trunc('month', now()))::int
               as months_ahead
        from pg_inherits i
        join pg_class c on c.oid = i.inhrelid
        join pg_class p on p.oid = i.inhparent
       where i.inhparent in ('public.payments'::regclass, 'public.activity_logs'::regclass)
         and c.relname ~ '_y[0-9]{4}m[0-9]{2}$'
       group by p.relname order by p.relname`,
    tx`
      select greatest(c.reltuples, 0)::bigint as rows,
             pg_total_relation_size(c.oid) as bytes
        from pg_class c where c.oid = 'public.payment_idempotency_keys'::regclass`,
  ]);
  const now = Date.now();
  return {
    views: views.map((v) => ({
      view: String(v.view),
      refreshed_at: isoOrNull(v.refreshed_at),
      age_s: v.refreshed_at ? Math.round((now - new Date(v.refreshed_at).getTime()) / 1000) : null,
    })),
    cron: cron.map((j) => ({
      job: String(j.job),
      schedule: String(j.schedule),
      active: Boolean(j.active),
      last_status: (j.last_status as string | null) ?? null,
      last_run_at: j.last_run_at ? iso(j.last_run_at) : null,
      last_success_at: j.last_success_at ? iso(j.last_success_at) : null,
      failures_24h: Number(j.failures_24h),
    })),
    partitions: partitions.map((p) => ({
      table: String(p.parent),
      months_ahead: Number(p.months_ahead),
    })),
    idempotency_keys: { rows: Number(keys[0]?.rows ?? 0), bytes: Number(keys[0]?.bytes ?? 0) },
    queues: await queueMetrics(),
  };
}
