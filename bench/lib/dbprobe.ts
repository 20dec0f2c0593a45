/**
 * What the database saw during a run, read over the DIRECT connection (DB_DIRECT_URL) with
 * application_name `bench-harness` and a `bench-harness` comment in every statement, so the
 * probe's own queries and connections are left out of what it measures.
 */
import postgres from "postgres";

const HARNESS = "bench-harness";

export interface StatementCounts {
  /** Top-level statements (client round trips), incl. BEGIN/COMMIT/SET. */
  statements: number;
  /** The same without transaction control and SET/RESET: the queries proper. */
  queries: number;
}

export interface StatementTime {
  query: string;
  calls: number;
  totalMs: number;
}

/** The statements that took the most server time between two snapshots. */
export function topStatements(
  before: Map<string, StatementTime>,
  after: Map<string, StatementTime>,
  requests: number,
  limit = 6,
): { query: string; perRequest: number; meanMs: number; totalMs: number }[] {
  return [...after.entries()].map(([id, a]) => {
    const b = before.get(id);
    const calls = a.calls - (b?.calls ?? 0);
    const totalMs = a.totalMs - (b?.totalMs ?? 0);
    return { query: a.query.replace(/\s+/g, " "), calls, totalMs };
  }).filter((s) => s.calls > 0).sort((x, y) => y.totalMs - x.totalMs).slice(0, limit)
    .map((s) => ({
      query: s.query,
      perRequest: s.calls / requests,
      meanMs: s.totalMs / s.calls,
      totalMs: s.totalMs,
    }));
}

export interface BackendSample {
  max: number;
  avg: number;
  samples: number;
}

/** One probe per stack under test. */
export class DbProbe {
  readonly sql: postgres.Sql;
  #schema?: Promise<string>;

  constructor(directUrl: string) {
    this.sql = postgres(directUrl, {
      max: 2,
      prepare: false,
      onnotice: () => {},
      connection: { application_name: HARNESS },
    });
  }

  /**
   * Totals from pg_stat_statements: top-level only (statements inside functions and RLS policies
   * are not round trips), this database only, minus the harness and pg_cron's maintenance jobs.
   */
  async statementCounts(): Promise<StatementCounts> {
    // Supabase creates the extension in schema `extensions`; a plain cluster puts it in public.
    this.#schema ??= this.sql`
      select /* bench-harness */ n.nspname from pg_extension e
        join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_stat_statements'`
      .then((rows) => {
        if (!rows.length) throw new Error("pg_stat_statements is not installed");
        return rows[0].nspname as string;
      });
    const schema = await this.#schema;
    const [row] = await this.sql`
      select /* bench-harness */
             coalesce(sum(calls), 0)::float8 as statements,
             coalesce(sum(calls) filter (where query !~* ${CONTROL}), 0)::float8 as queries
        from ${this.sql(schema)}.pg_stat_statements
       where toplevel
         and dbid = (select oid from pg_database where datname = current_database())
         and query not like '%bench-harness%'
         and query !~* 'refresh_reporting_views|ensure_monthly_partitions|cron\\.'`;
    return { statements: row.statements, queries: row.queries };
  }

  /** Per-statement calls and execution time (top-level, harness excluded), by queryid. */
  async statementTimes(): Promise<Map<string, StatementTime>> {
    await this.statementCounts(); // resolves the extension's schema
    const schema = await this.#schema!;
    const rows = await this.sql`
      select /* bench-harness */ queryid::text as id, left(query, 160) as query,
             calls::float8 as calls, total_exec_time::float8 as total_ms
        from ${this.sql(schema)}.pg_stat_statements
       where toplevel
         and dbid = (select oid from pg_database where datname = current_database())
         and query not like '%bench-harness%'`;
    return new Map(
      rows.map((r) => [r.id, { query: r.query, calls: r.calls, totalMs: r.total_ms }]),
    );
  }

  /** Samples client backends (excluding the harness) every `intervalMs` until `stop()`. */
  sampleBackends(intervalMs = 250): { stop(): Promise<BackendSample> } {
    let max = 0, sum = 0, samples = 0, running = true;
    const loop = (async () => {
      while (running) {
        try {
          const [row] = await this.sql`
            select /* bench-harness */ count(*)::int as n from pg_stat_activity
             where backend_type = 'client backend'
               and coalesce(application_name, '') <> ${HARNESS}`;
          max = Math.max(max, row.n);
          sum += row.n;
          samples++;
        } catch { /* a failed sample is skipped, not a result */ }
        await new Promise((done) => setTimeout(done, intervalMs));
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        return { max, avg: samples ? sum / samples : 0, samples };
      },
    };
  }

  close(): Promise<void> {
    return this.sql.end({ timeout: 5 });
  }
}

// Statements that are not queries: transaction control and session/local settings.
const CONTROL = "^\\s*(begin|commit|rollback|start transaction|savepoint|release|set |reset |" +
  "select set_config)";

/** Numeric difference of two count snapshots. */
export function countDelta(before: StatementCounts, after: StatementCounts): StatementCounts {
  return {
    statements: after.statements - before.statements,
    queries: after.queries - before.queries,
  };
}
