/**
 * The local stand-in for pg_cron + pg_net (hosted projects: the `jobs-worker` cron job runs
 * `queue.kick()` every second). Every `SCHEDULER_TICK_MS` it asks Postgres whether a worker has
 * something to do (`queue.wants_worker()`) and, if so, calls the jobs function the way pg_net
 * would: `POST /functions/v1/jobs/run` with the service role key, at most `SCHEDULER_MAX_RUNS`
 * calls at a time. `GET /health` on its port reports what it did.
 *
 *   deno run -A scripts/stack/scheduler.ts --port 54390
 */
import postgres from "postgres";

const port = Number(Deno.args[Deno.args.indexOf("--port") + 1] || Deno.env.get("SCHEDULER_PORT"));
const env = (name: string) => {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const tickMs = Number(Deno.env.get("SCHEDULER_TICK_MS") ?? 1000);
const maxRuns = Number(Deno.env.get("SCHEDULER_MAX_RUNS") ?? 2);
const workerUrl = `${env("SUPABASE_URL")}/functions/v1/jobs/run`;
const serviceKey = env("SUPABASE_SERVICE_ROLE_KEY");
const sql = postgres(env("DB_DIRECT_URL"), {
  max: 1,
  prepare: false,
  idle_timeout: 30,
  connect_timeout: 5,
  onnotice: () => {},
  connection: { application_name: "crew-scheduler" },
});

const stats = {
  ticks: 0,
  calls: 0,
  failedCalls: 0,
  dbErrors: 0,
  inFlight: 0,
  lastReport: null as unknown,
  lastError: null as string | null,
};
const log = (line: Record<string, unknown>) =>
  console.log(JSON.stringify({ at: new Date().toISOString(), ...line }));

async function callWorker(): Promise<void> {
  stats.inFlight++;
  stats.calls++;
  try {
    const response = await fetch(workerUrl, {
      method: "POST",
      headers: { authorization: `Bearer ${serviceKey}`, "content-type": "application/json" },
      body: "{}",
      signal: AbortSignal.timeout(150_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`worker answered ${response.status}: ${text.slice(0, 200)}`);
    stats.lastReport = JSON.parse(text);
    const report = stats.lastReport as { claimed?: number };
    if (report.claimed) log({ event: "worker_run", ...report });
  } catch (error) {
    stats.failedCalls++;
    stats.lastError = String(error);
    log({ event: "worker_call_failed", error: String(error) });
  } finally {
    stats.inFlight--;
  }
}

async function tick(): Promise<void> {
  stats.ticks++;
  if (stats.inFlight >= maxRuns) return;
  let wanted = false;
  try {
    [{ wanted }] = await sql<{ wanted: boolean }[]>`select queue.wants_worker() as wanted`;
  } catch (error) {
    stats.dbErrors++;
    stats.lastError = String(error);
    return;
  }
  // Not awaited: the next tick may start a second run while this one drains.
  if (wanted) callWorker();
}

let ticking = false;
setInterval(async () => {
  if (ticking) return;
  ticking = true;
  try {
    await tick();
  } finally {
    ticking = false;
  }
}, tickMs);

Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, (request) => {
  if (new URL(request.url).pathname === "/health") {
    return Response.json({ status: "ok", tickMs, maxRuns, ...stats });
  }
  return new Response("not found", { status: 404 });
});
log({ event: "scheduler_started", port, tickMs, maxRuns, worker: workerUrl });
