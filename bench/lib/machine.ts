/** Describes the machine and build a result came from, so numbers are never read out of context. */
import { ROOT } from "./procs.ts";

export interface Machine {
  date: string;
  gitSha: string;
  gitDirty: boolean;
  hostname: string;
  os: string;
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  deno: string;
  v8: string;
  wrk: string;
  postgres: string;
}

async function run(cmd: string, args: string[]): Promise<string> {
  try {
    const out = await new Deno.Command(cmd, { args, cwd: ROOT, stdout: "piped", stderr: "piped" })
      .output();
    // `wrk --version` prints its banner and exits 1: keep both streams whatever the status.
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    return (decode(out.stdout) + decode(out.stderr)).trim();
  } catch {
    return "";
  }
}

/** Collects the description; `postgresVersion` comes from the stack under test. */
export async function describeMachine(postgresVersion: string): Promise<Machine> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const cpuModel = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  const sha = await run("git", ["rev-parse", "--short=10", "HEAD"]);
  const status = await run("git", ["status", "--porcelain"]);
  const wrk = (await run("wrk", ["--version"])).split("\n").find((l) => l.startsWith("wrk "))
    ?.replace(/\s+Copyright.*/, "") ?? "wrk (version unknown)";
  return {
    date: new Date().toISOString(),
    gitSha: /^[0-9a-f]{7,40}$/.test(sha) ? sha : "nocommit",
    gitDirty: status.length > 0,
    hostname: Deno.hostname(),
    os: `${Deno.build.os} ${Deno.osRelease()} ${Deno.build.arch}`,
    cpuModel,
    cpus: navigator.hardwareConcurrency,
    memoryGiB: Math.round((Deno.systemMemoryInfo().total / 2 ** 30) * 10) / 10,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    wrk,
    postgres: postgresVersion,
  };
}
