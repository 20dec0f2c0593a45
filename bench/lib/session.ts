/**
 * One harness run: its config, its work and log folders, what it measured (scenarios, harness
 * failures, notes), its progress lines, and the two things every scenario goes through —
 * `measure` (one scenario, a failure recorded rather than thrown) and `withGateway` (a gateway of
 * our own per cache mode, so each mode's function processes get their own env). Its workers
 * recycle as hosted ones do unless the caller says otherwise (`Recycling`).
 */
import { ROOT, type Service, startGateway } from "./procs.ts";
import { runScenario, type ScenarioSpec } from "./scenario.ts";
import type { Stack } from "./stack.ts";
import type { CacheMode, Results, ScenarioResult } from "./types.ts";

/** Durations, wrk's settings, the mix and the sweep: the report's `config`, less what main adds. */
export type BenchConfig = Pick<
  Results["config"],
  | "durationS"
  | "warmupS"
  | "soakS"
  | "thinkS"
  | "thinkMs"
  | "timeoutS"
  | "threads"
  | "zipfS"
  | "writePct"
  | "sweep"
>;

/** The config of a quick or a full run. */
export function benchConfig(quick: boolean): BenchConfig {
  return {
    durationS: quick ? 2 : 10,
    warmupS: quick ? 1 : 2,
    soakS: quick ? 3 : 30,
    // 1000 users pausing 1-3 s send ~500 req/s: 30 s is ~15 requests per user.
    thinkS: quick ? 5 : 30,
    thinkMs: [1000, 3000],
    timeoutS: 5,
    threads: 2,
    zipfS: 1.0,
    writePct: 5,
    sweep: quick ? [10, 50, 200, 1000] : [10, 50, 200, 1000],
  };
}

/** A scenario as the workloads describe it; the session adds wrk's settings and the stack's. */
export type MeasureSpec =
  & Omit<ScenarioSpec, "threads" | "timeoutS" | "adminToken" | "probe" | "durationS" | "warmupS">
  & { durationS?: number; warmupS?: number };

export class Session {
  readonly started = performance.now();
  readonly runStamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);
  // Per run: the test runner's quick run may overlap a full run, and key files drawn from one
  // stack must never feed another.
  readonly runDir = `${ROOT}/bench/results/tmp/runs/${this.runStamp}-${Deno.pid}`;
  readonly workDir = `${this.runDir}/work`;
  readonly logDir = `${this.runDir}/logs`;
  readonly scenarios: ScenarioResult[] = [];
  readonly failures: string[] = [];
  readonly notes: string[] = [];
  /** Scenarios (and the reports) started so far: numbers the progress lines and claim files. */
  step = 0;

  constructor(readonly quick: boolean, readonly config: BenchConfig) {}

  progress(line: string) {
    const s = Math.round((performance.now() - this.started) / 1000);
    const clock = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
    console.error(`[bench ${clock}] ${line}`);
  }

  /** Runs one scenario and records it; returns it, or undefined when it failed (recorded). */
  async measure(spec: MeasureSpec, stack: Stack): Promise<ScenarioResult | undefined> {
    const { config } = this;
    this.step++;
    const step = this.step;
    this.progress(`${step} ${spec.id} …`);
    try {
      const result = await runScenario({
        threads: config.threads,
        timeoutS: config.timeoutS,
        durationS: config.durationS,
        warmupS: config.warmupS,
        adminToken: stack.adminToken,
        probe: stack.probe,
        usage: stack.usage,
        ...spec,
      });
      this.scenarios.push(result);
      this.progress(
        `${step} ${spec.id}: ${Math.round(result.rps)} req/s, p50 ${result.latencyMs.p50} ms, ` +
          `p99 ${result.latencyMs.p99} ms, errors ${result.errors.total}` +
          (result.db ? `, ${result.db.queriesPerReq.toFixed(3)} queries/req` : "") +
          (result.cache?.hitRate != null ? `, hit ${result.cache.hitRate.toFixed(1)} %` : ""),
      );
      return result;
    } catch (error) {
      this.failures.push(`${spec.id}: ${error instanceof Error ? error.message : error}`);
      this.progress(`${step} ${spec.id}: HARNESS FAILURE ${error}`);
      return undefined;
    }
  }

  /** Runs `work` on a gateway of our own; undefined when the gateway did not start (recorded). */
  async withGateway<T>(
    stack: Stack,
    mode: CacheMode,
    work: (gw: Service) => Promise<T>,
    recycling: Recycling = HOSTED,
  ): Promise<T | undefined> {
    const { logDir } = this;
    const name = `${stack.seed}-${mode}${recycling.name ? `-${recycling.name}` : ""}`;
    this.progress(`starting gateway ${name} (cache ${mode}, ${recycling.label})`);
    let gateway: Service & { notReady: string[] };
    try {
      gateway = await startGateway(name, gatewayEnv(stack, mode, recycling), logDir);
    } catch (error) {
      this.failures.push(`gateway ${name}: ${error}`);
      this.progress(`gateway ${name} did not start: ${error}`);
      return undefined;
    }
    if (gateway.notReady.length) {
      this.notes.push(
        `Gateway ${name}: ${gateway.notReady.join(", ")} not running at start ` +
          `(see ${logDir}/gateway-${name}.log); their requests count as errors.`,
      );
    }
    try {
      return await work(gateway);
    } finally {
      await gateway.stop();
    }
  }
}

/**
 * How a bench gateway's workers recycle (scripts/stack/edge-runtime.ts `recyclingFrom`): its
 * EDGE_* variables, a label for the report and a suffix for the gateway's log name.
 */
export interface Recycling {
  name: string;
  label: string;
  env: Record<string, string>;
}

/** As hosted: the runtime's wall clock and idle drop (set empty: an exported EDGE_* stays out). */
export const HOSTED: Recycling = {
  name: "",
  label: "recycling as hosted",
  env: { EDGE_RECYCLING: "", EDGE_WALL_CLOCK_S: "", EDGE_IDLE_S: "" },
};

/** For the rows sent straight to a worker's port, which a retired worker takes with it. */
export const RECYCLING_OFF: Recycling = {
  name: "norecycle",
  label: "EDGE_RECYCLING=off",
  env: { ...HOSTED.env, EDGE_RECYCLING: "off" },
};

/** The env of a bench gateway's functions in cache mode `mode` (the stack's, request logs off). */
export function gatewayEnv(
  stack: Stack,
  mode: CacheMode,
  recycling: Recycling = HOSTED,
): Record<string, string> {
  return {
    ...stack.env,
    // One JSON line per request piped into a log file would be measured as handler cost; the
    // hosted runtime ships logs out of band.
    // BENCH_LOG_REQUESTS=1 turns them back on to see which requests failed.
    LOG_REQUESTS: Deno.env.get("BENCH_LOG_REQUESTS") ?? "0",
    CACHE_DISABLED: mode === "off" ? "1" : "",
    CACHE_L1_DISABLED: mode === "l2" ? "1" : "",
    ...recycling.env,
  };
}
