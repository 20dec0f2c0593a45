/**
 * One phase under load, and what its properties are judged on: the fault injected while the
 * load runs, failed payment creates retried with their key as a client would, then counts from
 * the database and the load's records (see report.ts for the verdicts). Also the check after
 * all phases: every instance's pool idle again.
 */
import type postgres from "postgres";
import { log, sleep, type Suite } from "./config.ts";
import type { SuiteGateway } from "./control.ts";
import type { ProbeFixtures } from "./fixtures.ts";
import { Load, send } from "./load.ts";
import type { Phase } from "./phases.ts";
import { StaleProbe } from "./probe.ts";
import type { PhaseResult } from "./report.ts";

async function countPayments(
  direct: postgres.Sql,
  keys: string[],
): Promise<Map<string, number>> {
  const rows = await direct<{ reference: string; n: number }[]>`
    select reference, count(*)::int as n from public.payments
     where reference = any(${keys}) group by reference`;
  return new Map(rows.map((r) => [r.reference, r.n]));
}

/** Runs `phase` (see the module comment); the stale-read probe only in an L2 phase. */
export async function runPhase(
  suite: Suite,
  phase: Phase,
  fx: ProbeFixtures,
): Promise<PhaseResult> {
  const { direct, gateway } = suite;
  const { deadlineMs, staleBoundMs, cacheBoundMs, timing, watchMs } = suite.settings;
  log(`phase ${phase.name}: ${phase.fault}`);
  const load = new Load(fx, {
    workers: timing.workers,
    clientTimeoutMs: deadlineMs + 5000,
    thinkMs: 5,
  }, phase.name);
  const escapedBefore = gateway.escaped.length;
  const probe = phase.stale ? new StaleProbe(fx, gateway, suite.settings) : undefined;
  await probe?.prepare();
  load.start();
  await sleep(timing.warm);
  const faultAt = performance.now();
  const mend = await phase.inject();
  await probe?.writeAndKillWriter();
  await sleep(phase.holdMs);
  await mend();
  const backAt = performance.now();
  log(`  back after ${((backAt - faultAt) / 1000).toFixed(1)} s`);
  const watching = probe?.watch(backAt, watchMs);
  await sleep(timing.after);
  await load.stop();
  await watching;

  // Failed creates are retried with the same key and body, as a client would.
  const failed = load.payments.filter((p) => p.status !== 201 && p.status !== 200);
  for (const p of failed) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const res = await send(fx.base, "payments", {
        method: "POST",
        token: fx.tokens.finance,
        body: p.body,
        headers: { "idempotency-key": p.key },
      }, { clientTimeoutMs: deadlineMs + 5000 });
      p.status = res.status;
      if (res.status === 201 || res.status === 200) break;
      await sleep(250);
    }
  }
  const counts = await countPayments(direct, load.payments.map((p) => p.key));
  const acked = load.payments.filter((p) => !failed.includes(p));
  const claimRows = load.claims.length
    ? await direct<{ n: number }[]>`
        select count(*)::int as n from public.expense_claims where id = any(${load.claims}::uuid[])`
    : [{ n: 0 }];

  const failures = load.records.filter((r) => r.status === 0 || r.status >= 500);
  const cachedDuringFault = load.records.filter((r) =>
    r.op === "get_project" && r.start >= faultAt && r.end <= backAt
  );
  const cachedMs = cachedDuringFault.map((r) => r.end - r.start).sort((x, y) => x - y);
  const lateFailures = failures.filter((r) => r.start >= backAt);
  const recoveryMs = lateFailures.length
    ? Math.max(...lateFailures.map((r) => r.start - backAt))
    : 0;
  const staleAfterBound = probe
    ? probe.reads.filter((r) => r.stale && r.at > staleBoundMs).length +
      probe.setupReads.filter((r) => r.stale && r.at > cacheBoundMs).length
    : 0;
  const lastStale = probe?.reads.filter((r) => r.stale).at(-1)?.at;
  const lastSetupStale = probe?.setupReads.filter((r) => r.stale).at(-1)?.at;
  return {
    name: phase.name,
    fault: phase.fault,
    requests: load.records.length,
    failed: failures.length,
    statuses: tally(load.records.map((r) => r.timedOut ? "timeout" : String(r.status))),
    ackedPayments: acked.length,
    lost: acked.filter((p) => (counts.get(p.key) ?? 0) === 0).length +
      (load.claims.length - claimRows[0].n),
    duplicates: load.payments.filter((p) => (counts.get(p.key) ?? 0) > 1).length,
    retried: failed.length,
    retriedNotOne: failed.filter((p) => counts.get(p.key) !== 1).length,
    pastDeadline: load.records.filter((r) => r.timedOut || r.end - r.start > deadlineMs + 1000)
      .length,
    maxLatencyMs: Math.round(Math.max(0, ...load.records.map((r) => r.end - r.start))),
    crashes: gateway.crashes(faultAt) + (gateway.escaped.length - escapedBefore),
    recoveryMs: Math.round(recoveryMs),
    cachedDuringFault: phase.database
      ? {
        reads: cachedDuringFault.length,
        failed: cachedDuringFault.filter((r) => r.status !== 200).length,
        p99Ms: Math.round(cachedMs[Math.floor(cachedMs.length * 0.99)] ?? 0),
      }
      : null,
    stale: probe
      ? {
        reads: probe.reads.length,
        staleReads: probe.reads.filter((r) => r.stale).length,
        lastStaleMs: lastStale === undefined ? null : Math.round(lastStale),
        afterBound: staleAfterBound,
        boundMs: staleBoundMs,
        setup: {
          reads: probe.setupReads.length,
          lastStaleMs: lastSetupStale === undefined ? null : Math.round(lastSetupStale),
          boundMs: cacheBoundMs,
        },
      }
      : null,
  };
}

function tally(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

/** After all phases: every instance's pool is idle again (no stranded borrow). */
export async function poolsIdle(
  gateway: SuiteGateway,
  token: string,
): Promise<{ label: string; active: number; waiting: number }[]> {
  await sleep(500);
  const out = [];
  for (const [label, p] of gateway.processes) {
    // A process that does not answer its stats at once gets two more tries a second apart: an
    // unanswered read is not a leaked connection, and the label keeps the last status seen.
    let pool: { active: number; waiting: number } | undefined;
    let status = 0;
    for (let attempt = 0; attempt < 3 && !pool; attempt++) {
      if (attempt > 0) await sleep(1000);
      const res = await send(`http://127.0.0.1:${p.port}`, `${p.name}/stats`, {
        method: "GET",
        token,
      }, { clientTimeoutMs: 5000 });
      status = res.status;
      pool = res.json?.pool as { active: number; waiting: number } | undefined;
    }
    out.push({
      label: pool ? label : `${label} (stats answered ${status || "nothing"})`,
      active: pool?.active ?? -1,
      waiting: pool?.waiting ?? -1,
    });
  }
  return out;
}
