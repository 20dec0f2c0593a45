/**
 * Scenario 6: the dashboard numbers from the materialized views vs the same numbers aggregated
 * live. Both sides call the SECURITY DEFINER report functions through the pooler, in one
 * transaction as the admin (claims + role set local, as shared/db does), so the only difference
 * is MV vs live.
 */
import postgres from "postgres";

export interface Timing {
  iterations: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  rows: number;
}

export interface ReportPair {
  name: string;
  mv: Timing;
  live: Timing;
  /** live p50 ÷ MV p50. */
  speedup: number;
}

type Call = (tx: postgres.TransactionSql) => Promise<postgres.RowList<postgres.Row[]>>;

const PAIRS: { name: string; mv: Call; live: Call }[] = [
  {
    name: "project financials (all projects)",
    mv: (tx) => tx`select * from public.report_project_financials(null)`,
    live: (tx) => tx`select * from public.live_project_financials(null)`,
  },
  {
    name: "monthly payments (24 months)",
    mv: (tx) => tx`select * from public.report_monthly_payments(${from24()}, current_date)`,
    live: (tx) => tx`select * from public.live_monthly_payments(${from24()}, current_date)`,
  },
  {
    name: "candidate earnings (all candidates)",
    mv: (tx) => tx`select * from public.report_candidate_earnings(null)`,
    live: (tx) => tx`select * from public.live_candidate_earnings(null)`,
  },
];

function from24(): string {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 23, 1)).toISOString().slice(0, 10);
}

/**
 * Times each pair: sequential calls for about `budgetS` seconds per side, at least
 * `minIterations` (a live aggregate over the large seed can take seconds per call).
 */
export async function benchReports(options: {
  poolerUrl: string;
  adminId: string;
  budgetS: number;
  minIterations: number;
  progress: (line: string) => void;
}): Promise<ReportPair[]> {
  // Imported here, not at the top: shared/db reads the functions' config (shared/config.ts) as
  // it loads, and the harness has the stack's env only once run.ts has read the env file.
  const { DB_ROLE } = await import("../../shared/db/index.ts");
  const sql = postgres(options.poolerUrl, { max: 1, prepare: false, onnotice: () => {} });
  const claims = JSON.stringify({
    sub: options.adminId,
    role: "authenticated",
    app_metadata: { role: "admin" },
  });
  const once = async (call: Call) => {
    const started = performance.now();
    const rows = await sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${claims}, true),
                      set_config('role', ${DB_ROLE.authenticated}, true),
                      set_config('statement_timeout', '120s', true)`;
      return await call(tx);
    });
    return { ms: performance.now() - started, rows: rows.length };
  };
  const time = async (call: Call): Promise<Timing> => {
    await once(call); // warm: plan cache, buffers
    const samples: number[] = [];
    let rows = 0;
    const deadline = performance.now() + options.budgetS * 1000;
    while (samples.length < options.minIterations || performance.now() < deadline) {
      const run = await once(call);
      samples.push(run.ms);
      rows = run.rows;
      if (samples.length >= 10_000) break;
    }
    return summarize(samples, rows);
  };
  try {
    const pairs: ReportPair[] = [];
    for (const pair of PAIRS) {
      options.progress(`reports: ${pair.name}`);
      const mv = await time(pair.mv);
      const live = await time(pair.live);
      pairs.push({ name: pair.name, mv, live, speedup: live.p50 / mv.p50 });
    }
    return pairs;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Percentiles (nearest rank) and mean of `samples` ms; `rows` as the caller counted them. */
export function summarize(samples: number[], rows = 0): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    iterations: samples.length,
    p50: round(at(50)),
    p90: round(at(90)),
    p99: round(at(99)),
    mean: round(samples.reduce((a, b) => a + b, 0) / samples.length),
    rows,
  };
}
