/**
 * The Redis commands a function worker sends with no request to answer — the metrics flush
 * (one pipeline every METRICS_FLUSH_MS, a command per series in it), the outbox replayer's
 * rounds, the invalidation bus — measured once per run on a warm gateway left idle: commands
 * over the window ÷ the ready workers ÷ seconds. The cost model multiplies it by the isolates it
 * assumes alive all month; under load the same work lands in each scenario's per-request count.
 */
import type { Service } from "./procs.ts";
import type { Session } from "./session.ts";
import type { Stack } from "./stack.ts";
import type { IdleRedis } from "./types.ts";
import { readHealth, retiredCount, totals } from "./workers.ts";

/** Long enough for several flushes of every worker; short of the 30 s idle drop (edge-runtime.ts). */
export const IDLE_WINDOW_S = 20;
/** Lets the last load's background work (waitUntil writes, a final flush) finish first. */
const SETTLE_MS = 3_000;
const SAMPLE_MS = 1_000;

async function readyWorkers(gw: Service, functions: string[]) {
  const health = await readHealth(gw.url);
  const ready = functions.flatMap((fn) => health[fn] ?? []).filter((s) => s.state === "ready");
  return { ready: ready.length, retired: retiredCount(totals(health, functions)) };
}

/** Measures `gw`'s idle Redis rate; null (and a note) when Redis or /health cannot be read. */
export async function measureIdleRedis(
  session: Session,
  stack: Stack,
  gw: Service,
  functions: string[],
  seconds = IDLE_WINDOW_S,
): Promise<IdleRedis | null> {
  session.step++;
  session.progress(`${session.step} idle Redis: ${seconds} s with no load on ${gw.name}`);
  try {
    await new Promise((done) => setTimeout(done, SETTLE_MS));
    const first = await readyWorkers(gw, functions);
    const before = await stack.usage.redisNow();
    const counts = [first.ready];
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      await new Promise((done) => setTimeout(done, SAMPLE_MS));
      counts.push((await readyWorkers(gw, functions)).ready);
    }
    const after = await stack.usage.redisNow();
    const elapsedS = (performance.now() - started) / 1000;
    const last = await readyWorkers(gw, functions);
    const workers = counts.reduce((a, b) => a + b, 0) / counts.length;
    if (!before || !after || workers === 0) {
      session.notes.push("Idle Redis: not measured (Redis or the gateway's /health unreadable).");
      return null;
    }
    const fromBridge = before.bridge && after.bridge;
    // Each /health read goes to the gateway, not Redis; the INFO pair is ours (one counted).
    const serverCommands = after.serverCommands - before.serverCommands - 1;
    const commands = fromBridge ? after.bridge!.commands - before.bridge!.commands : serverCommands;
    const result: IdleRedis = {
      seconds: elapsedS,
      workers,
      commands,
      perWorkerPerS: commands / workers / elapsedS,
      source: fromBridge ? "bridge" : "redis",
      serverCommands,
      netBytesPerWorkerPerS: (after.netBytes - before.netBytes) / workers / elapsedS,
      datasetBytes: after.datasetBytes,
      retired: last.retired - first.retired,
    };
    session.progress(
      `${session.step} idle Redis: ${commands} commands in ${elapsedS.toFixed(1)} s over ` +
        `${workers.toFixed(1)} workers = ${result.perWorkerPerS.toFixed(2)}/worker/s`,
    );
    return result;
  } catch (error) {
    session.failures.push(`idle Redis: ${error}`);
    return null;
  }
}
