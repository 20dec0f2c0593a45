/** Following a job through the API until it has finished, as the user who may see it. */
import assert from "node:assert/strict";
import type { Job, JobAccepted, PayrollResult } from "../../../client/index.ts";
import { type DemoUser, routesAs } from "../../helpers/client.ts";

/** A job as GET /jobs/{id} answers it, its result and progress read as JSON objects. */
export interface JobView extends Omit<Job, "progress" | "result"> {
  progress: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
}

const FINISHED: readonly Job["state"][] = [
  "succeeded",
  "dead",
  "cancelled",
  "discarded",
  "superseded",
];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Polls GET /jobs/{id} until the job finished (the stack's scheduler runs the worker). */
export async function finished(
  user: DemoUser | { token: string },
  id: string,
  timeoutMs = 20_000,
): Promise<JobView> {
  const get = routesAs(user).jobs("get", "/jobs/{id}");
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await get({ path: { id } });
    assert.equal(res.status, 200, JSON.stringify(res.data));
    const job = res.data;
    if (FINISHED.includes(job.state)) {
      return {
        ...job,
        progress: isRecord(job.progress) ? job.progress : null,
        result: isRecord(job.result) ? job.result : null,
      };
    }
    if (Date.now() > until) assert.fail(`job ${id} still ${job.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A payroll or bank-file answer that must be a queued job (202), not a run's result. */
export function queued(res: { status: number; data: PayrollResult | JobAccepted }): JobAccepted {
  assert.equal(res.status, 202, JSON.stringify(res.data));
  assert.ok("job_id" in res.data, JSON.stringify(res.data));
  return res.data;
}
