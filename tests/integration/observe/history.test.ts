/**
 * The ops history is kept on a timer, not by readers: one isolate per slot does the slot's work
 * (the claim is a SET NX in the metrics flush's own pipeline), and snapshots arrive while nobody
 * reads anything but `/ops/history` — which, like the other ops GETs, only reads.
 */
import assert from "node:assert/strict";
import { flushMetrics, metricKeys, metricsRedis } from "../../../shared/observe/flush.ts";
import { env, tokenFor } from "../../helpers/client.ts";

interface Snapshot {
  at: string;
  functions: Record<string, { count: number }>;
}

async function history(): Promise<Snapshot[]> {
  const res = await fetch(`${env("SUPABASE_URL")}/functions/v1/ops/history`, {
    headers: { authorization: `Bearer ${await tokenFor("admin")}` },
  });
  assert.equal(res.status, 200);
  return (await res.json()).data;
}

Deno.test({
  name: "history: one isolate per slot does the slot's work, with the flush",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // Slot widths no other isolate uses, so this test's slots are its own: one we are in the
    // first half of, one we are in the second half of.
    const width = (firstHalf: boolean) => {
      for (;;) {
        const everyS = 100_000 + Math.floor(Math.random() * 100_000);
        const into = Date.now() % (everyS * 1000);
        if ((into < everyS * 500) === firstHalf && Math.abs(into - everyS * 500) > 60_000) {
          return everyS;
        }
      }
    };
    let runs = 0;
    const slot = { everyS: width(true), work: () => Promise.resolve(runs++) };
    // Two "isolates" flushing in the same slot: the first claims it, the second does not.
    assert.ok(await flushMetrics("ops", slot));
    assert.ok(await flushMetrics("ops", slot));
    assert.equal(runs, 1);
    // In a slot's second half nobody claims it: the next snapshot is at least half a slot away.
    let late = 0;
    assert.ok(
      await flushMetrics("ops", { everyS: width(false), work: () => Promise.resolve(late++) }),
    );
    assert.equal(late, 0);
    // A flush without slot work (an isolate's last, on its way out) claims nothing.
    assert.ok(await flushMetrics("ops"));
    await metricsRedis()!.del(
      metricKeys().historySlot(Math.floor(Date.now() / (slot.everyS * 1000))),
    );
  },
});

Deno.test({
  name: "history: snapshots arrive every slot with only /ops/history being read",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const newest = (h: Snapshot[]) => h.length ? Date.parse(h[h.length - 1].at) : 0;
    const before = newest(await history());
    // Two slots of 10 s and a flush interval (5 s), with margin.
    const deadline = Date.now() + 35_000;
    let after = await history();
    while (newest(after) <= before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2_000));
      after = await history();
    }
    assert.ok(newest(after) > before, "a snapshot was kept without a reader of the overview");
    // Oldest first, one per 10 s slot, each claimed in its slot's first half: never two within
    // half a slot (5 s, less the time a snapshot takes to read the totals) of each other.
    const times = after.map((s) => Date.parse(s.at));
    for (let i = 1; i < times.length; i++) {
      assert.ok(times[i] - times[i - 1] >= 4_000, `${after[i - 1].at} then ${after[i].at}`);
    }
    const lastMinute = times.filter((t) => t > times[times.length - 1] - 60_000);
    assert.ok(lastMinute.length <= 7, `${lastMinute.length} snapshots in a minute`);
    assert.ok(Object.keys(after[after.length - 1].functions).length > 0, "per function");
  },
});
