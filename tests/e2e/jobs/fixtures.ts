/** Following a job through the API until it has finished, as the user who may see it. */
import assert from "node:assert/strict";
import { type DemoUser, invoke } from "../../helpers/client.ts";

export interface JobView {
  id: string;
  queue: string;
  state: string;
  attempts: number;
  progress: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  last_error: string | null;
}

const FINISHED = ["succeeded", "dead", "cancelled", "discarded", "superseded"];

/** Polls GET /jobs/{id} until the job finished (the stack's scheduler runs the worker). */
export async function finished(
  user: DemoUser | { token: string },
  id: string,
  timeoutMs = 20_000,
): Promise<JobView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await invoke<JobView>(user, `jobs/${id}`);
    assert.equal(res.status, 200, JSON.stringify(res.data));
    if (FINISHED.includes(res.data.state)) return res.data;
    if (Date.now() > until) assert.fail(`job ${id} still ${res.data.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
