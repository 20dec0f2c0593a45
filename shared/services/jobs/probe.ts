/**
 * The `probe` queue: jobs that do nothing (optionally for a while) — the admin's end-to-end
 * check of the worker (`POST /jobs/probe`), the scheduler's canary and the benchmark.
 */
import { z } from "zod";
import { defineQueue, type JobRun } from "../../jobs/index.ts";

/** `{sleep_ms?}`; other fields (a benchmark's run tag, a canary flag) are ignored. */
const ProbePayload = z.object({ sleep_ms: z.number().int().min(0).max(60_000).default(0) });

async function probeJob(job: JobRun<z.output<typeof ProbePayload>>) {
  const sleepMs = job.payload.sleep_ms;
  if (sleepMs > 0) await new Promise((resolve) => setTimeout(resolve, sleepMs));
  return { ok: true, attempt: job.attempts };
}

/** The `probe` queue (registered in functions/jobs/queues.ts). */
export const probeQueue = defineQueue({ name: "probe", payload: ProbePayload, handler: probeJob });
