/**
 * Runs the job-queue benchmark (bench/jobs/run.ts: our queue beside pg-boss) as a process of its
 * own with the stack's env, after the peer and before any HTTP load, and reads its result file.
 * Its progress lines are passed on; a failed check (a job lost, drained twice or left behind) or
 * a broken phase is a harness failure. BENCH_SKIP_JOBS=1 leaves it out.
 *
 * The stack's own scheduler (scripts/stack.sh starts one with every stack) is stopped for the
 * run and started again after: through the stack's gateway, when one is up (npm test's stack),
 * its jobs function would drain the very probe jobs being counted.
 */
import { ROOT } from "./procs.ts";
import type { Session } from "./session.ts";
import type { Stack } from "./stack.ts";
import type { JobsResult } from "./types.ts";

export async function runJobs(session: Session, stack: Stack): Promise<JobsResult | null> {
  if (Deno.env.get("BENCH_SKIP_JOBS") === "1") {
    session.notes.push("Job queue vs pg-boss: skipped (BENCH_SKIP_JOBS=1).");
    return null;
  }
  session.step++;
  const step = session.step;
  session.progress(`${step} jobs: our queue vs pg-boss (enqueue, drain, start latency)`);
  const out = `${session.workDir}/jobs-${step}.json`;
  const keep = ["PATH", "HOME", "DENO_DIR", "TMPDIR", "BENCH_JOBS_WORKER"];
  const env = {
    ...Object.fromEntries(
      keep.flatMap((name) => Deno.env.get(name) ? [[name, Deno.env.get(name)!]] : []),
    ),
    ...stack.env,
  };
  await Deno.mkdir(session.logDir, { recursive: true });
  const resumeScheduler = await pauseStackScheduler(session, stack);
  const logPath = `${session.logDir}/jobs.log`;
  const log = await Deno.open(logPath, { create: true, write: true, truncate: true });
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        `${ROOT}/deno.json`,
        `${ROOT}/bench/jobs/run.ts`,
        ...(session.quick ? ["--quick"] : []),
        "--out",
        out,
        "--log-dir",
        session.logDir,
      ],
      cwd: ROOT,
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // stdout (the BENCH_JOBS line, anything the worker logs) to the log; stderr's progress lines
    // to ours as well, so a slow phase is visible while it runs.
    const stdout = child.stdout.pipeTo(
      new WritableStream({ write: (chunk) => void log.writeSync(chunk) }),
    );
    const stderr = (async () => {
      let rest = "";
      for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
        log.writeSync(new TextEncoder().encode(text));
        const lines = (rest + text).split("\n");
        rest = lines.pop()!;
        for (const line of lines) if (line.trim()) session.progress(`${step} ${line}`);
      }
    })();
    const status = await child.status;
    await Promise.all([stdout, stderr]);
    const result = await Deno.readTextFile(out).then((t) => JSON.parse(t) as JobsResult)
      .catch(() => null);
    if (!result) throw new Error(`exit ${status.code}, no result (log ${logPath})`);
    const failed = result.checks.filter((c) => !c.ok);
    for (const c of failed) session.failures.push(`jobs check ${c.name}: ${c.detail}`);
    if (!status.success && !failed.length) {
      session.failures.push(`jobs: exit ${status.code} (log ${logPath})`);
    }
    return result;
  } catch (error) {
    session.failures.push(`jobs vs pg-boss: ${error instanceof Error ? error.message : error}`);
    return null;
  } finally {
    log.close();
    await resumeScheduler();
  }
}

/** `scripts/stack.sh <args>` for `stack` (its env names its dir and ports); true on success. */
async function stackSh(stack: Stack, args: string[]): Promise<{ ok: boolean; out: string }> {
  const output = await new Deno.Command("bash", {
    args: [`${ROOT}/scripts/stack.sh`, ...args],
    cwd: ROOT,
    env: { ...stack.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { ok: output.success, out: decode(output.stdout) + decode(output.stderr) };
}

/** Stops the stack's scheduler if it runs; returns how to start it again. */
async function pauseStackScheduler(session: Session, stack: Stack): Promise<() => Promise<void>> {
  if (!stack.env.STACK_DIR) return async () => {};
  const status = await stackSh(stack, ["status"]);
  if (!/^scheduler: running/m.test(status.out)) return async () => {};
  const stopped = await stackSh(stack, ["stop-scheduler"]);
  if (!stopped.ok) {
    session.failures.push(`jobs: could not stop the stack's scheduler: ${stopped.out.slice(-500)}`);
    return async () => {};
  }
  session.notes.push(
    "Job queue vs pg-boss: the stack's own scheduler was stopped for that scenario and started " +
      "again after (it would have drained the probe jobs being counted).",
  );
  return async () => {
    const started = await stackSh(stack, ["start", "scheduler"]);
    if (!started.ok) {
      session.failures.push(
        `jobs: the stack's scheduler did not start again: ${started.out.slice(-500)}`,
      );
    }
  };
}
