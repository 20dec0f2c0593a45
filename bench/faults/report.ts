/** The fault suite's verdicts and its Markdown table. */

export interface PhaseResult {
  name: string;
  fault: string;
  requests: number;
  /** Network errors, client timeouts and 5xx during the whole phase (the fault included). */
  failed: number;
  statuses: Record<string, number>;
  ackedPayments: number;
  /** Acknowledged payments (and claims) not in the database. */
  lost: number;
  /** Payments present more than once for one Idempotency-Key. */
  duplicates: number;
  /** Creates that failed during the fault and were retried with the same key. */
  retried: number;
  /** Retried creates that did not end with exactly one payment. */
  retriedNotOne: number;
  pastDeadline: number;
  maxLatencyMs: number;
  /** Function processes that exited on their own, plus errors their guard had to catch. */
  crashes: number;
  /** From "the faulted part is back" to the start of the last request that still failed. */
  recoveryMs: number;
  /** Database faults: the cached project reads made while it lasted. */
  cachedDuringFault: { reads: number; failed: number; p99Ms: number } | null;
  stale: {
    reads: number;
    staleReads: number;
    lastStaleMs: number | null;
    afterBound: number;
    boundMs: number;
    /** The set-up write, made with Redis up: reads, and the last stale one (ms after the ack). */
    setup?: { reads: number; lastStaleMs: number | null; boundMs: number };
  } | null;
}

const RECOVERY_LIMIT_MS = 2000;

/** Which properties a phase broke. */
export function verdict(r: PhaseResult): { ok: boolean; broken: string[] } {
  const broken: string[] = [];
  if (r.lost) broken.push(`${r.lost} lost`);
  if (r.duplicates) broken.push(`${r.duplicates} duplicated`);
  if (r.retriedNotOne) broken.push(`${r.retriedNotOne} retried creates not exactly once`);
  if (r.pastDeadline) broken.push(`${r.pastDeadline} past the deadline + 1 s`);
  if (r.crashes) broken.push(`${r.crashes} process crashes / escaped errors`);
  if (r.recoveryMs > RECOVERY_LIMIT_MS) broken.push(`recovery ${r.recoveryMs} ms`);
  if (r.stale?.afterBound) broken.push(`${r.stale.afterBound} stale reads past the bound`);
  if (r.stale && r.stale.reads === 0) broken.push("the stale-read probe read nothing");
  if (r.cachedDuringFault?.failed) {
    broken.push(`${r.cachedDuringFault.failed} cached reads failed during the fault`);
  }
  if (r.cachedDuringFault && r.cachedDuringFault.reads === 0) {
    broken.push("no cached read was made during the fault");
  }
  return { ok: broken.length === 0, broken };
}

interface Report {
  machine: { date: string; gitSha: string; cpus: number; cpuModel: string; deno: string };
  quick: boolean;
  config: {
    requestTimeoutMs: number;
    staleBoundMs: number;
    cacheBoundMs: number;
    replayIntervalMs: number;
  };
  phases: PhaseResult[];
  poolsIdle: { label: string; active: number; waiting: number }[];
  wallClockS: number;
}

/** The table the README quotes. */
export function toMarkdown(report: Report): string {
  const c = report.config;
  const lines = [
    `# Fault suite${report.quick ? " (quick)" : ""} — ${report.machine.date}`,
    "",
    `${report.machine.cpus} × ${report.machine.cpuModel}, Deno ${report.machine.deno}, commit ` +
    `${report.machine.gitSha}; 2 processes per function behind the local gateway; deadline ` +
    `${c.requestTimeoutMs} ms; stale bound ${c.staleBoundMs} ms (the cache's bound ${c.cacheBoundMs} ms + replay ` +
    `${2 * c.replayIntervalMs + 1000} ms); ${report.wallClockS} s in all.`,
    "",
    "| phase | fault | requests | failed during fault | acked payments | lost | duplicates | " +
    "failed creates → exactly one after retry | past deadline + 1 s | max latency | crashes | " +
    "recovery | stale reads after bound | cached reads during a database fault | result |",
    "|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|---|---|",
  ];
  for (const r of report.phases) {
    const v = verdict(r);
    const setup = r.stale?.setup;
    const stale = r.stale
      ? `${r.stale.afterBound} (of ${r.stale.reads}; last stale at ${
        r.stale.lastStaleMs ?? "–"
      } ms${
        setup
          ? `; Redis up: last stale at ${
            setup.lastStaleMs ?? "–"
          } ms of ${setup.reads}, bound ${setup.boundMs} ms`
          : ""
      })`
      : "n/a";
    const cached = r.cachedDuringFault
      ? `${
        r.cachedDuringFault.reads - r.cachedDuringFault.failed
      } of ${r.cachedDuringFault.reads} ok, p99 ${r.cachedDuringFault.p99Ms} ms`
      : "n/a";
    lines.push(
      `| ${r.name} | ${r.fault} | ${r.requests} | ${r.failed} | ${r.ackedPayments} | ${r.lost} | ` +
        `${r.duplicates} | ${r.retried - r.retriedNotOne} of ${r.retried} | ${r.pastDeadline} | ` +
        `${r.maxLatencyMs} ms | ${r.crashes} | ${r.recoveryMs} ms | ${stale} | ${cached} | ` +
        `${v.ok ? "ok" : `**FAILED**: ${v.broken.join(", ")}`} |`,
    );
  }
  const busy = report.poolsIdle.filter((p) => p.active !== 0 || p.waiting !== 0);
  lines.push(
    "",
    busy.length
      ? `**Pools not idle afterwards**: ${
        busy.map((p) => `${p.label} active ${p.active} waiting ${p.waiting}`).join(", ")
      }`
      : `Afterwards every function process's pool was idle (active 0, waiting 0; ${report.poolsIdle.length} processes).`,
    "",
    "Statuses per phase: " +
      report.phases.map((r) => `${r.name} ${JSON.stringify(r.statuses)}`).join("; "),
    "",
  );
  return lines.join("\n");
}
