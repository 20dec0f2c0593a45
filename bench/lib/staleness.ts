/**
 * Cross-isolate staleness after a write (issue 24, target 7): a gateway with two processes of
 * projects (EDGE_RECYCLING=off, so their ports stay put); per round, process B reads a project
 * until it serves it from L1, process A changes the project's venue, and B is read every 5 ms
 * until it shows the new venue. The figure is the time from A's acknowledgement to B's first
 * answer with the write, against the documented bound (`CACHE_STALE_BOUND_MS`). The reads keep
 * B's bus reader active, as a busy isolate's would be.
 */
import { percentiles } from "../jobs/measure.ts";
import { RECYCLING_OFF, type Session } from "./session.ts";
import type { Stack } from "./stack.ts";
import type { Target } from "./types.ts";

export interface StalenessResult {
  rounds: number;
  boundMs: number;
  busIntervalMs: number;
  /** Milliseconds from the write's acknowledgement to the first read on the other process showing it. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Rounds whose reader never showed the write within the watch (10 × the bound). */
  missed: number;
  /** What the reader's answers said before the write: L1 hits (x-cache) ÷ reads. */
  l1BeforeWrite: string;
  setup: string;
}

const TWO_PROCESSES = {
  name: "two",
  label: "two processes of projects, EDGE_RECYCLING=off",
  env: { ...RECYCLING_OFF.env, FUNCTION_INSTANCES_PROJECTS: "2" },
};

export async function runStaleness(
  session: Session,
  stack: Stack,
): Promise<StalenessResult | null> {
  session.step++;
  session.progress(`${session.step} staleness: a write on one process, read on the other`);
  const boundMs = Number(stack.env.CACHE_STALE_BOUND_MS ?? 1000);
  const busIntervalMs = Number(stack.env.CACHE_BUS_INTERVAL_MS ?? 250);
  const rounds = session.quick ? 10 : 60;
  const ids = (await Deno.readTextFile(stack.keys.projects)).split("\n").filter(Boolean)
    .slice(0, rounds);
  const result = await session.withGateway(stack, "l1", async (gw) => {
    const health = await (await fetch(`${gw.url}/health`)).json() as {
      functions?: Record<string, { ports?: number[] }>;
    };
    const ports = health.functions?.projects?.ports ?? [];
    if (ports.length < 2) {
      session.failures.push(`staleness: the gateway lists ${ports.length} projects processes`);
      return null;
    }
    const [writer, reader] = ports.map((p) => `http://127.0.0.1:${p}/projects/`);
    const headers = { authorization: `Bearer ${stack.adminToken}` };
    const read = async (id: string) => {
      const res = await fetch(reader + id, { headers });
      const body = await res.json() as { project?: { venue?: string } };
      return { venue: body.project?.venue, l1: res.headers.get("x-cache") === "l1" };
    };
    const lags: number[] = [];
    let missed = 0, l1Reads = 0, reads = 0;
    for (const id of ids) {
      for (let i = 0; i < 4; i++) {
        const r = await read(id);
        reads++;
        if (r.l1) l1Reads++;
      }
      const venue = `stale-probe-${crypto.randomUUID().slice(0, 8)}`;
      const res = await fetch(writer + id, {
        method: "PATCH",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ venue }),
      });
      await res.body?.cancel();
      if (!res.ok) {
        session.failures.push(`staleness: PATCH ${id} answered ${res.status}`);
        continue;
      }
      const acked = performance.now();
      let seen: number | undefined;
      while (performance.now() - acked < 10 * boundMs) {
        if ((await read(id)).venue === venue) {
          seen = performance.now() - acked;
          break;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      if (seen === undefined) missed++;
      else lags.push(seen);
    }
    const { p50Ms, p99Ms, maxMs } = percentiles(lags);
    return {
      rounds: ids.length,
      boundMs,
      busIntervalMs,
      p50Ms,
      p99Ms,
      maxMs,
      missed,
      l1BeforeWrite: `${l1Reads} ÷ ${reads}`,
      setup: `${ids.length} projects, one write each through process A (PATCH venue), process B ` +
        `read every 5 ms from the acknowledgement on (bench/lib/staleness.ts); ` +
        `CACHE_STALE_BOUND_MS ${boundMs}, CACHE_BUS_INTERVAL_MS ${busIntervalMs}; ${TWO_PROCESSES.label}`,
    };
  }, TWO_PROCESSES);
  return result ?? null;
}

/** Target 7: the p99 of the lag against the stated bound. */
export function stalenessTargets(r: StalenessResult | null): Target[] {
  const fmt = (ms: number) => `${Math.round(ms)} ms`;
  return [{
    name: "cross-isolate staleness after a write, p99 (two processes, a probe) ≤ the stated bound",
    value: r ? fmt(r.p99Ms) : "not measured",
    numerator: r
      ? `p99 ${fmt(r.p99Ms)} (p50 ${fmt(r.p50Ms)}, max ${fmt(r.maxMs)}) over ${r.rounds} writes, ` +
        `${r.missed} never seen; reader's L1 hits before the write ${r.l1BeforeWrite}: ${r.setup}`
      : "not measured",
    denominator: r ? `CACHE_STALE_BOUND_MS ${r.boundMs} ms` : "–",
    goal: r ? `≤ ${r.boundMs} ms` : "≤ the bound",
    met: r ? r.missed === 0 && r.p99Ms <= r.boundMs : null,
  }];
}
