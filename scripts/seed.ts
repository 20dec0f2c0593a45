/**
 * Seed generator: `deno run -A scripts/seed.ts --scale small|large|xlarge [--force]`.
 *
 * Everything is generated inside Postgres (set-based INSERT ... SELECT over generate_series,
 * hash-derived values and md5-derived ids), so a reload produces identical rows. Reads
 * DB_DIRECT_URL. Idempotent: the loaded scale is recorded in public.seed_info (created here,
 * never by a migration) and a second run at the same scale does nothing; a different scale
 * replaces a previous seed; --force wipes the app tables and reloads.
 */
import postgres from "postgres";
import { REPORTING_VIEWS } from "../shared/services/reports/views.ts";

/** Row counts a scale aims for (assignments and claims land within a few percent). */
export interface SeedSizes {
  projects: number;
  candidates: number;
  assignments: number;
  payments: number;
  claims: number;
  managers: number;
}

/** The supported scales. */
export const SCALES: Record<"small" | "large" | "xlarge", SeedSizes> = {
  small: {
    projects: 200,
    candidates: 2_000,
    assignments: 5_000,
    payments: 20_000,
    claims: 3_000,
    managers: 20,
  },
  large: {
    projects: 10_000,
    candidates: 100_000,
    assignments: 300_000,
    payments: 1_000_000,
    claims: 200_000,
    managers: 200,
  },
  // The large seed with ten times its payroll: the bench's "how cost grows" rows read the same
  // projects and candidates over a payments table ten times the size (payments are the table
  // that grows with time; everything else stays as large so only that one factor moves).
  xlarge: {
    projects: 10_000,
    candidates: 100_000,
    assignments: 300_000,
    payments: 10_000_000,
    claims: 200_000,
    managers: 200,
  },
};

const APP_TABLES = [
  "expense_claims",
  "payments",
  "payment_idempotency_keys",
  "project_staff",
  "candidate_bank_accounts",
  "candidates",
  "projects",
  "activity_logs",
];

const STEP_DIR = new URL("./seed/", import.meta.url);
const PAYMENT_CHUNK = 100_000;
const CLAIM_CHUNK = 50_000;

function log(message: string): void {
  console.error(`[seed] ${message}`);
}

function bar(done: number, total: number): string {
  const width = 30;
  const filled = Math.round((done / total) * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}`;
}

function parseArgs(args: string[]): { scale: keyof typeof SCALES; force: boolean } {
  let scale = "small";
  let force = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--force") force = true;
    else if (arg === "--scale") scale = args[++i] ?? "";
    else if (arg.startsWith("--scale=")) scale = arg.slice("--scale=".length);
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!Object.hasOwn(SCALES, scale)) {
    throw new Error(`--scale must be ${Object.keys(SCALES).join(", ")}, got "${scale}"`);
  }
  return { scale: scale as keyof typeof SCALES, force };
}

type Sql = ReturnType<typeof postgres>;

async function runFile(sql: Sql, name: string): Promise<void> {
  const text = await Deno.readTextFile(new URL(name, STEP_DIR));
  // unsafe: the text is one of our own step files, not input.
  await sql.unsafe(text);
}

async function timed(label: string, work: () => Promise<void>): Promise<void> {
  const started = performance.now();
  await work();
  log(`${label} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

async function inChunks(sql: Sql, file: string, label: string, total: number, chunk: number) {
  for (let lo = 1; lo <= total; lo += chunk) {
    const hi = Math.min(total, lo + chunk - 1);
    await sql`select set_config('seed.lo', ${String(lo)}, false),
                     set_config('seed.hi', ${String(hi)}, false)`;
    await runFile(sql, file);
    log(`${label} ${bar(hi, total)}`);
  }
}

async function ensureSeedInfo(sql: Sql): Promise<void> {
  await sql.unsafe(`
    create table if not exists public.seed_info (
      id int primary key default 1 check (id = 1),
      scale text not null,
      counts jsonb not null,
      seconds numeric not null,
      loaded_at timestamptz not null default now()
    );
    alter table public.seed_info enable row level security;
    revoke all on public.seed_info from anon, authenticated;
  `);
}

async function wipe(sql: Sql): Promise<void> {
  await sql.unsafe(`truncate ${APP_TABLES.map((t) => `public.${t}`).join(", ")} cascade`);
  await sql`delete from auth.users where email like '%@crew.local'`;
  await sql`delete from public.seed_info`;
}

async function load(sql: Sql, sizes: SeedSizes): Promise<void> {
  for (const [key, value] of Object.entries(sizes)) {
    await sql`select set_config(${"seed." + key}, ${String(value)}, false)`;
  }
  // Bulk load without row triggers (audit, FK checks, stamps): the generator builds only
  // consistent rows and verifies referential integrity itself afterwards. CHECK constraints
  // and domains still apply.
  await sql`set session_replication_role = replica`;
  await sql`set synchronous_commit = off`;
  await sql`set work_mem = '128MB'`;
  await sql`set maintenance_work_mem = '512MB'`;

  await timed("users and managers", () => runFile(sql, "01-prepare.sql"));
  await timed(`projects (${sizes.projects})`, () => runFile(sql, "02-projects.sql"));
  await timed(
    `candidates (${sizes.candidates}) + bank accounts`,
    () => runFile(sql, "03-candidates.sql"),
  );
  await timed(`assignments (~${sizes.assignments})`, () => runFile(sql, "04-assignments.sql"));
  await timed(
    `payments (${sizes.payments})`,
    () => inChunks(sql, "05-payments.sql", "payments", sizes.payments, PAYMENT_CHUNK),
  );
  await timed(
    `claims (${sizes.claims})`,
    () => inChunks(sql, "06-claims.sql", "claims", sizes.claims, CLAIM_CHUNK),
  );
  await sql`set session_replication_role = origin`;

  await timed("integrity check", async () => {
    const [broken] = await sql`
      select (select count(*) from project_staff s
               where not exists (select 1 from candidates c where c.id = s.candidate_id))
           + (select count(*) from payments p
               where not exists (select 1 from candidates c where c.id = p.candidate_id)
                  or not exists (select 1 from projects x where x.id = p.project_id))
           + (select count(*) from expense_claims e
               where not exists (select 1 from candidates c where c.id = e.candidate_id))
           as n`;
    if (Number(broken.n) !== 0) throw new Error(`${broken.n} rows reference missing parents`);
  });
  // The triggers that keep project_totals current were off during the bulk load.
  await timed("project totals", async () => {
    await sql`select public.rebuild_project_totals()`;
  });
  // Likewise the days each payment pays (the no-day-paid-twice rule's table).
  await timed("payment periods", async () => {
    await sql`select public.rebuild_payment_periods()`;
  });
  // VACUUM too, not only ANALYZE: after a bulk load autovacuum would otherwise spend the next
  // minutes visiting every new page (and first reads would dirty them setting hint bits) — in the
  // middle of whatever is measured next.
  await timed("vacuum analyze", async () => {
    await sql`vacuum (analyze)`;
  });
  // Plain (not CONCURRENTLY) refresh: nobody reads the views mid-seed and it is faster.
  await timed("reporting views", async () => {
    for (const view of REPORTING_VIEWS) {
      await sql`refresh materialized view ${sql(`public.${view}`)}`;
    }
  });
}

async function counts(sql: Sql): Promise<Record<string, number>> {
  const [row] = await sql`
    select (select count(*) from projects)::int as projects,
           (select count(*) from candidates)::int as candidates,
           (select count(*) from candidate_bank_accounts)::int as bank_accounts,
           (select count(*) from project_staff)::int as assignments,
           (select count(*) from payments)::int as payments,
           (select count(*) from expense_claims)::int as claims`;
  return { ...row } as Record<string, number>;
}

/** Loads (or keeps) the seed at the requested scale; returns what the database now holds. */
export async function seed(
  dbUrl: string,
  scale: keyof typeof SCALES,
  force = false,
): Promise<{ skipped: boolean; counts: Record<string, number> }> {
  const sql = postgres(dbUrl, { max: 1, prepare: false, onnotice: () => {} });
  try {
    await ensureSeedInfo(sql);
    const [info] = await sql`select scale from public.seed_info`;
    if (info?.scale === scale && !force) {
      log(`scale ${scale} already loaded; nothing to do (--force reloads)`);
      return { skipped: true, counts: await counts(sql) };
    }
    const [{ rows }] = await sql`select (select count(*) from projects)
                                      + (select count(*) from candidates) as rows`;
    if (!info && Number(rows) > 0 && !force) {
      throw new Error("app tables hold data that is not a seed; rerun with --force to wipe it");
    }
    const started = performance.now();
    if (info || force) await timed("wipe", () => wipe(sql));
    await load(sql, SCALES[scale]);
    const seconds = (performance.now() - started) / 1000;
    const loaded = await counts(sql);
    await sql`insert into public.seed_info (scale, counts, seconds)
              values (${scale}, ${sql.json(loaded)}, ${seconds.toFixed(1)})`;
    log(`scale ${scale} loaded in ${seconds.toFixed(1)} s: ${JSON.stringify(loaded)}`);
    return { skipped: false, counts: loaded };
  } finally {
    await sql.end();
  }
}

if (import.meta.main) {
  const dbUrl = Deno.env.get("DB_DIRECT_URL");
  if (!dbUrl) {
    console.error("DB_DIRECT_URL is not set (source $STACK_DIR/env)");
    Deno.exit(2);
  }
  try {
    const { scale, force } = parseArgs(Deno.args);
    await seed(dbUrl, scale, force);
  } catch (error) {
    console.error(`[seed] failed: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
