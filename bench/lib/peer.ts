/**
 * Runs the in-process peer (bench/peers/l1-vs-bentocache.ts) as a process of its own, with a
 * clean env (no stack, no Redis: the cache is L1 only) while no load runs, and reads the
 * `BENCH_PEER` line it prints.
 */
import { ROOT } from "./procs.ts";
import type { Session } from "./session.ts";
import type { PeerResult } from "./types.ts";

export async function runPeer(session: Session): Promise<PeerResult | null> {
  session.step++;
  session.progress(`${session.step} peer: L1 getOrSet hit vs bentocache memory tier`);
  const keep = ["PATH", "HOME", "DENO_DIR", "TMPDIR"];
  const env = Object.fromEntries(
    keep.flatMap((name) => Deno.env.get(name) ? [[name, Deno.env.get(name)!]] : []),
  );
  const args = session.quick ? ["--ops", "20000", "--rounds", "3"] : ["--ops", "200000"];
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        `${ROOT}/deno.json`,
        `${ROOT}/bench/peers/l1-vs-bentocache.ts`,
        ...args,
      ],
      cwd: ROOT,
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const line = stdout.split("\n").find((l) => l.startsWith("BENCH_PEER "));
    if (!output.success || !line) {
      throw new Error(
        `exit ${output.code}: ${new TextDecoder().decode(output.stderr).slice(-2000)}${stdout}`,
      );
    }
    const peer = JSON.parse(line.slice("BENCH_PEER ".length)) as PeerResult;
    session.progress(
      `${session.step} peer: L1 ${Math.round(peer.ours.opsPerS)} ops/s, bentocache ` +
        `${Math.round(peer.bentocache.opsPerS)} ops/s`,
    );
    return peer;
  } catch (error) {
    session.failures.push(
      `peer l1-vs-bentocache: ${error instanceof Error ? error.message : error}`,
    );
    return null;
  }
}
