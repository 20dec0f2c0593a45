/**
 * `npm run faults [-- --quick]`: one fault per phase under a mixed load through a gateway with
 * two instances per function, and per phase the properties the backend promises:
 *
 * - every acknowledged payment is in the database exactly once (counted by its reference, which
 *   is its Idempotency-Key), and every failed create, retried with the same key afterwards, ends
 *   with exactly one payment; every acknowledged claim exists;
 * - no request takes longer than the deadline + 1 s;
 * - no function process exits on its own, and no isolate's guard had to catch an escaped error;
 * - the API is fully back ≤ 2 s after the faulted part is (no failure among requests started
 *   later than that);
 * - after an L2 outage during which a project was changed and the writer's process killed, no
 *   reader sees the old value later than CACHE_STALE_BOUND_MS + the outbox's replay bound.
 *
 * Prints a table, writes JSON + Markdown next to the bench results, exits 1 when a property
 * fails. Run by scripts/faults.sh, which brings up the stack (or uses the running one).
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import { describeMachine } from "../lib/machine.ts";
import { ROOT } from "../lib/procs.ts";
import { faultSettings, log, needEnv, type Suite } from "./config.ts";
import { StackControl, SuiteGateway } from "./control.ts";
import { fixtures } from "./fixtures.ts";
import { poolsIdle, runPhase } from "./measure.ts";
import { faultPhases } from "./phases.ts";
import { type PhaseResult, toMarkdown, verdict } from "./report.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: { quick: { type: "boolean", default: false }, phases: { type: "string" } },
});
const quick = args.quick!;
const env = Deno.env.toObject();
const need = (name: string) => needEnv(env, name);
const STACK_DIR = need("STACK_DIR");
const settings = faultSettings(env, quick);

const stack = new StackControl(STACK_DIR, env);
const direct = postgres(need("DB_DIRECT_URL"), { max: 4, onnotice: () => {} });
const gatewayPort = Number(need("API_PORT"));
const gateway = new SuiteGateway(
  gatewayPort,
  2,
  { ...env, LOG_REQUESTS: "0" },
  `${STACK_DIR}/logs/faults-gateway.log`,
);
const base = `http://127.0.0.1:${gatewayPort}/functions/v1`;
const suite: Suite = { env, settings, stack, gateway, direct };

async function main(): Promise<number> {
  const started = performance.now();
  const [{ version }] = await direct`select version()`;
  const machine = await describeMachine(String(version).split(" on ")[0]);
  const wanted = args.phases?.split(",");
  const results: PhaseResult[] = [];
  let pools: Awaited<ReturnType<typeof poolsIdle>> = [];
  try {
    await gateway.start();
    log(`gateway on :${gatewayPort} with ${gateway.processes.size} function processes`);
    const fx = await fixtures(direct, base);
    for (const phase of faultPhases(suite).filter((p) => !wanted || wanted.includes(p.name))) {
      results.push(await runPhase(suite, phase, fx));
      const { ok, broken } = verdict(results.at(-1)!);
      log(`  ${ok ? "ok" : `FAILED: ${broken.join("; ")}`}`);
    }
    pools = await poolsIdle(gateway, fx.tokens.admin);
  } finally {
    await gateway.stop();
    await direct.end();
  }
  const report = {
    machine,
    quick,
    config: {
      instancesPerFunction: 2,
      requestTimeoutMs: settings.deadlineMs,
      cacheBoundMs: settings.cacheBoundMs,
      replayIntervalMs: settings.replayIntervalMs,
      staleBoundMs: settings.staleBoundMs,
      recoveryLimitMs: settings.recoveryLimitMs,
      timing: settings.timing,
    },
    phases: results,
    poolsIdle: pools,
    wallClockS: Math.round((performance.now() - started) / 100) / 10,
  };
  const md = toMarkdown(report);
  const outDir = `${ROOT}/bench/results${quick ? "/tmp" : ""}`;
  await Deno.mkdir(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
  for (const name of [`faults-${stamp}Z-${machine.gitSha}`, "faults-latest"]) {
    await Deno.writeTextFile(`${outDir}/${name}.json`, JSON.stringify(report, null, 2) + "\n");
    await Deno.writeTextFile(`${outDir}/${name}.md`, md);
  }
  console.log(md);
  // The summary names what failed: CI shows only the last lines of a run.
  const failing = [
    ...results.filter((r) => !verdict(r).ok).map((r) =>
      `${r.name} (${verdict(r).broken.join("; ")})`
    ),
    ...pools.filter((p) => p.active !== 0 || p.waiting !== 0).map((p) =>
      `pool of ${p.label} not idle (active ${p.active}, waiting ${p.waiting})`
    ),
  ];
  const bad = failing.length;
  log(
    `${
      bad === 0 ? "all properties hold" : `${bad} failing: ${failing.join(" | ")}`
    }; wrote ${outDir}/faults-latest.*`,
  );
  return bad === 0 ? 0 : 1;
}

Deno.exit(await main());
