/**
 * The job queue's targets against pg-boss (bench/jobs/): enqueue and no-op drain throughput
 * at least pg-boss's (ours ÷ pg-boss ≥ 1×), and our enqueue → start p99 within 1 s. Each row
 * says how its figures were made (clients, batch, worker loops, the worker's polling).
 */
import { fmt } from "./analysis.ts";
import type { JobsLatency, JobsResult, JobsThroughput, Target } from "./types.ts";

const NOT_MEASURED = "not measured (bench/jobs/run.ts)";
const int = (v: number) => Math.round(v).toLocaleString("en-US");
const rounds = (t: JobsThroughput) =>
  t.rounds.length > 1
    ? `median of ${t.rounds.length} rounds (${t.rounds.map(int).join(" / ")})`
    : "1 round";

function throughputTarget(
  jobs: JobsResult | null,
  what: "enqueue" | "drain",
  name: string,
): Target {
  const pair = jobs?.[what];
  const ratio = pair && pair.pgBoss.jobsPerS > 0 ? pair.ours.jobsPerS / pair.pgBoss.jobsPerS : null;
  return {
    name,
    value: ratio === null ? "not measured" : `${fmt(ratio)}×`,
    numerator: pair
      ? `${int(pair.ours.jobsPerS)} jobs/s, ours, ${rounds(pair.ours)}: ${pair.ours.setup}`
      : NOT_MEASURED,
    denominator: pair
      ? `${int(pair.pgBoss.jobsPerS)} jobs/s, pg-boss ${jobs!.pgBossVersion}, ` +
        `${rounds(pair.pgBoss)}: ${pair.pgBoss.setup}`
      : NOT_MEASURED,
    goal: "≥ 1.00×",
    met: ratio === null ? null : ratio >= 1,
  };
}

const latencyText = (l: JobsLatency) =>
  `p99 ${fmt(l.p99Ms, 0)} ms (p50 ${fmt(l.p50Ms, 0)} ms, max ${fmt(l.maxMs, 0)} ms) over ` +
  `${int(l.jobs)} jobs at ${l.ratePerS}/s after a ${l.leadInS} s lead-in (its slowest start: ` +
  `${fmt(l.wakeUpMs, 0)} ms)`;

function latencyTarget(jobs: JobsResult | null): Target {
  const l = jobs?.latency;
  const measured = l && l.ours.jobs > 0 && Number.isFinite(l.ours.p99Ms);
  return {
    name: "job queue enqueue → start p99 ≤ 1 s (steady sends while the worker runs)",
    value: measured ? `${fmt(l.ours.p99Ms, 0)} ms` : "not measured",
    numerator: measured ? `ours: ${latencyText(l.ours)}; worker: ${l.ours.setup}` : NOT_MEASURED,
    denominator: l
      ? `none: an absolute bound. Beside it, pg-boss ${jobs!.pgBossVersion}: ` +
        `${latencyText(l.pgBoss)} (${l.pgBoss.setup}); ${latencyText(l.pgBossNotify)} ` +
        `(${l.pgBossNotify.setup})`
      : NOT_MEASURED,
    goal: "≤ 1000 ms",
    met: measured ? l.ours.p99Ms <= 1000 : null,
  };
}

export function jobsTargets(jobs: JobsResult | null): Target[] {
  return [
    throughputTarget(
      jobs,
      "enqueue",
      "job queue enqueue throughput ÷ pg-boss (single-job sends, same clients) ≥ 1×",
    ),
    throughputTarget(
      jobs,
      "drain",
      "job queue no-op drain throughput ÷ pg-boss (same jobs, batch, claim loops) ≥ 1×",
    ),
    latencyTarget(jobs),
  ];
}
