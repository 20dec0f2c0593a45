/**
 * The test stack's job scheduler, for tests that need jobs to wait: stop it, wait until no
 * worker it started is still draining, run, start it again.
 *
 * The stack's scheduler drains every queue through the gateway, so it would race a test for its
 * jobs. Stopping it stops new worker calls, but a call it already made keeps draining in the jobs
 * function (until the queues stay dry for JOBS_LINGER_MS, at most JOBS_BUDGET_MS).
 */
import type postgres from "postgres";
import { env } from "./client.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Sql = postgres.Sql;

/** `scripts/stack.sh <args>` for this test run's stack (STACK_DIR and ports from its env). */
export async function stackSh(...args: string[]): Promise<void> {
  env("STACK_DIR"); // never fall back to stack.sh's default: that is someone else's stack
  const out = await new Deno.Command("bash", {
    args: [`${ROOT}scripts/stack.sh`, ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`stack.sh ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/**
 * Returns once no worker is draining. Stopping the scheduler stops new worker calls, but a call
 * it already made keeps draining in the jobs function (until the queues stay dry for
 * JOBS_LINGER_MS, at most JOBS_BUDGET_MS). A canary probe of top priority is what any live
 * worker's next read claims first, and an idle worker reads every JOBS_POLL_MS (100 ms): the
 * canary still waiting after 600 ms, with no job held under a live claim, means none is left.
 */
export async function noWorkerRunning(sql: Sql): Promise<void> {
  const until = Date.now() + 25_000;
  for (;;) {
    const [{ id }] = await sql`
      select queue.send('probe', '{"sleep_ms": 0, "canary": true}'::jsonb, 0, 1000) as id`;
    await sleep(600);
    for (;;) {
      const [{ held }] = await sql`
        select count(*)::int as held from queue.jobs
         where state = 'running' and run_at > clock_timestamp()`;
      if (held === 0) {
        const [{ ok }] = await sql`select queue.cancel(${id}::uuid) as ok`;
        if (ok) return;
        break; // a worker took the canary: it is still around, try again
      }
      if (Date.now() > until) break;
      await sleep(200);
    }
    if (Date.now() > until) {
      await sql`select queue.cancel(${id}::uuid)`;
      throw new Error("a worker was still draining 25 s after the scheduler stopped");
    }
    await sleep(300);
  }
}

/** Runs `work` with the scheduler stopped and no worker draining; restarts the scheduler. */
export async function withoutScheduler<T>(sql: Sql, work: () => Promise<T>): Promise<T> {
  await stackSh("stop-scheduler");
  try {
    await noWorkerRunning(sql);
    return await work();
  } finally {
    await stackSh("start", "scheduler");
  }
}
