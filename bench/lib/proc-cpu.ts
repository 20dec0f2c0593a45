/**
 * CPU time of the database's processes from /proc, for the cost model's compute size: Postgres
 * (the postmaster and every backend and worker it forked) and, apart, pgbouncer — on hosted
 * Supabase the pooler (Supavisor) runs outside the compute size, Postgres inside it.
 *
 * A backend that exits mid-window takes its counters with it, but the postmaster, once it has
 * reaped it, holds them in its cutime/cstime: counting those too keeps the sum monotonic.
 * Ticks are the kernel's USER_HZ, 100 on Linux (10 ms).
 */
import type { DbProbe } from "./dbprobe.ts";

const TICK_MS = 10;

interface Stat {
  ppid: number;
  /** utime + stime */
  own: number;
  /** cutime + cstime: children waited for */
  reaped: number;
}

/** Fields of /proc/<pid>/stat after the `(comm)`, which may itself hold spaces. */
function readStat(pid: number): Stat | null {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // f[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
    return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), reaped: +f[13] + +f[14] };
  } catch {
    return null;
  }
}

function pids(): number[] {
  const out: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (/^\d+$/.test(entry.name)) out.push(Number(entry.name));
  }
  return out;
}

/** CPU ms of `root` and its direct children (Postgres forks every process from the postmaster). */
export function treeCpuMs(root: number): number | null {
  const top = readStat(root);
  if (!top) return null;
  let ticks = top.own + top.reaped;
  for (const pid of pids()) {
    if (pid === root) continue;
    const s = readStat(pid);
    if (s?.ppid === root) ticks += s.own;
  }
  return ticks * TICK_MS;
}

/** CPU ms of one process and the children it reaped. */
export function processCpuMs(pid: number): number | null {
  const s = readStat(pid);
  return s ? (s.own + s.reaped) * TICK_MS : null;
}

/** The processes to read, found once per stack; either is undefined where it is not local. */
export interface DbProcesses {
  postmaster?: number;
  pgbouncer?: number;
}

/**
 * The postmaster is the parent of our own backend (so no data-dir file, which only the postgres
 * user may read, is needed); pgbouncer's pid file is where scripts/stack.sh records it
 * (`$STACK_DIR/pgbouncer.pidpath`).
 */
export async function findDbProcesses(
  probe: DbProbe,
  env: Record<string, string>,
): Promise<DbProcesses> {
  const out: DbProcesses = {};
  try {
    const [{ pid }] = await probe.sql`select /* bench-harness */ pg_backend_pid() as pid`;
    const parent = readStat(Number(pid))?.ppid;
    const cmd = parent ? Deno.readTextFileSync(`/proc/${parent}/cmdline`) : "";
    if (parent && cmd.includes("postgres")) out.postmaster = parent;
  } catch { /* Postgres is not on this machine */ }
  try {
    const pidFile = Deno.readTextFileSync(`${env.STACK_DIR}/pgbouncer.pidpath`).trim();
    const pid = Number(Deno.readTextFileSync(pidFile).trim());
    if (pid > 0 && readStat(pid)) out.pgbouncer = pid;
  } catch { /* no pgbouncer of scripts/stack.sh */ }
  return out;
}

export interface DbCpuSample {
  postgresMs: number | null;
  poolerMs: number | null;
}

export function sampleDbCpu(p: DbProcesses): DbCpuSample {
  return {
    postgresMs: p.postmaster ? treeCpuMs(p.postmaster) : null,
    poolerMs: p.pgbouncer ? processCpuMs(p.pgbouncer) : null,
  };
}

/** `{ ms, perReqMs }` over a window, or null where either end was not read. */
export function cpuDelta(before: number | null, after: number | null, requests: number) {
  if (before === null || after === null || requests <= 0) return null;
  const ms = after - before;
  return { ms, perReqMs: ms / requests };
}
