/**
 * The `refresh_views` queue: one reporting view refreshed (CONCURRENTLY, by
 * `queue.refresh_view`) after writes. The triggers send it 10 s delayed and coalesced per view,
 * so a burst of writes costs one refresh; a refresh is a refresh, so running twice is harmless.
 */
import { z } from "zod";
import { asServiceRole } from "../../db/index.ts";
import { defineQueue, type JobRun } from "../../jobs/index.ts";
import { REPORTING_VIEWS } from "./views.ts";

/** The trigger's payload: `{view}`, one of the reporting views. */
const RefreshPayload = z.object({
  view: z.enum(REPORTING_VIEWS, {
    error: (issue) => `not a reporting view: ${String(issue.input)}`,
  }),
});

async function refreshViewsJob(job: JobRun<z.output<typeof RefreshPayload>>) {
  const { view } = job.payload;
  // First (and committed on its own): the waiting refreshes of this view that this one covers.
  const [{ absorbed }] = await asServiceRole(
    "refresh absorb",
    (tx) =>
      tx<
        { absorbed: number }[]
      >`select queue.absorb(${job.id}::uuid, ${job.claim}::uuid) as absorbed`,
  );
  const started = performance.now();
  await asServiceRole("refresh view", (tx) => tx`select queue.refresh_view(${view})`, {
    statementTimeoutMs: 0,
  });
  return { view, absorbed, ms: Math.round(performance.now() - started) };
}

/** The `refresh_views` queue (registered in functions/jobs/queues.ts). */
export const refreshViewsQueue = defineQueue({
  name: "refresh_views",
  payload: RefreshPayload,
  handler: refreshViewsJob,
});
