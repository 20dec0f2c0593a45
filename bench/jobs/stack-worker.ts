/**
 * Our latency worker as the stack runs it: scripts/stack/scheduler.ts asks queue.wants_worker()
 * every second and calls `POST /functions/v1/jobs/run` (service-role token) on a gateway of our
 * own (bench/jobs/config.toml: the jobs function only), which drains for its time budget. The
 * figure then includes the scheduler's tick, the gateway hop and the function's polling.
 *
 * The scheduler takes the gateway from SUPABASE_URL, the token from SUPABASE_SERVICE_ROLE_KEY,
 * the database from DB_DIRECT_URL and SCHEDULER_TICK_MS / SCHEDULER_MAX_RUNS from the env; its
 * `GET /health` (on --port) says it is up and how it ticks.
 */
import { ROOT, startDeno } from "../lib/procs.ts";
import type { LatencyWorker } from "./ours.ts";

export const SCHEDULER = `${ROOT}/scripts/stack/scheduler.ts`;
export const JOBS_FUNCTION = `${ROOT}/functions/jobs/index.ts`;

/** Starts the gateway (jobs function) and the scheduler; `stop()` stops both, by pid. */
export async function startStackWorker(
  env: Record<string, string>,
  logDir: string,
): Promise<LatencyWorker> {
  const gateway = await startDeno({
    name: "jobs-gateway",
    script: `${ROOT}/scripts/stack/gateway.ts`,
    args: (port) => ["--config", `${ROOT}/bench/jobs/config.toml`, "--port", String(port)],
    env: { FUNCTION_INSTANCES: "1", LOG_REQUESTS: "0", ...env },
    logDir,
    readyPath: "/health",
    timeoutMs: 120_000,
  });
  let scheduler;
  try {
    scheduler = await startDeno({
      name: "jobs-scheduler",
      script: SCHEDULER,
      args: (port) => ["--port", String(port)],
      env: { ...env, SUPABASE_URL: gateway.url },
      logDir,
      readyPath: "/health",
      timeoutMs: 60_000,
    });
  } catch (error) {
    await gateway.stop();
    throw error;
  }
  const health = await (await fetch(`${scheduler.url}/health`)).json() as {
    tickMs?: number;
    maxRuns?: number;
  };
  // The function parses the same env as this process, so its JOBS_* settings are ours.
  const { jobs } = (await import("../../shared/config.ts")).config;
  return {
    setup: `scripts/stack/scheduler.ts (queue.wants_worker() every ${health.tickMs} ms, at most ` +
      `${health.maxRuns} calls in flight) → gateway → jobs ` +
      `function POST /functions/v1/jobs/run: drain() batch ${jobs.batch}, concurrency ` +
      `${jobs.concurrency}, poll ${jobs.pollMs} ms, linger ${jobs.lingerMs} ms, budget ` +
      `${jobs.budgetMs} ms`,
    async stop() {
      await scheduler.stop();
      await gateway.stop();
    },
  };
}
