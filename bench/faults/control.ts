/**
 * What the fault suite breaks and mends: the stack's parts by their pid files (scripts/stack.sh
 * writes them), and a gateway of its own with two instances per function, whose output tells
 * which function process runs where and when one exits.
 */
import { ROOT } from "../lib/procs.ts";

const DENO = Deno.execPath();

async function readText(path: string): Promise<string> {
  return (await Deno.readTextFile(path)).trim();
}

async function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  const { code, stdout, stderr } = await new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, out: text.decode(stdout) + text.decode(stderr) };
}

function signal(pid: number, sig: Deno.Signal): boolean {
  try {
    Deno.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

async function alive(pid: number): Promise<boolean> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    return !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}

/** Resolves once something accepts on `port` (or throws after `ms`). */
export async function waitForPort(port: number, ms = 30_000): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`nothing listens on ${port} after ${ms} ms`);
}

/** The stack's parts, stopped and started the way a fault would. */
export class StackControl {
  constructor(readonly stackDir: string, readonly env: Record<string, string>) {}

  private port(name: string): number {
    return Number(this.env[name]);
  }

  async pidOf(part: "redis" | "bridge" | "pgbouncer"): Promise<number> {
    const file = part === "pgbouncer"
      ? await readText(`${this.stackDir}/pgbouncer.pidpath`)
      : `${this.stackDir}/${part}.pid`;
    return Number(await readText(file));
  }

  /** SIGKILL, as a crash would; resolves once the process is gone. */
  async kill(part: "redis" | "bridge" | "pgbouncer"): Promise<void> {
    const pid = await this.pidOf(part);
    signal(pid, "SIGKILL");
    for (let i = 0; i < 500 && await alive(pid); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Starts a part again through scripts/stack.sh; resolves when its port accepts. */
  async start(part: "redis" | "bridge" | "pgbouncer" | "postgres"): Promise<void> {
    const { code, out } = await run("bash", ["scripts/stack.sh", "start", part]);
    if (code !== 0) throw new Error(`stack.sh start ${part} failed: ${out}`);
    const port = {
      redis: "REDIS_PORT",
      bridge: "REDIS_REST_PORT",
      pgbouncer: "POOLER_PORT",
      postgres: "DB_PORT",
    }[part];
    await waitForPort(this.port(port));
  }

  private async pgdata(): Promise<string> {
    return await readText(`${this.stackDir}/pgdata.path`);
  }

  /** The postmaster and every backend, auxiliary process and worker it forked. */
  async postgresPids(): Promise<number[]> {
    const postmaster = Number(
      (await readText(`${await this.pgdata()}/postmaster.pid`))
        .split("\n")[0],
    );
    const { out } = await run("pgrep", ["-P", String(postmaster)]);
    return [postmaster, ...out.split("\n").filter(Boolean).map(Number)];
  }

  /** SIGSTOP to all of Postgres: connections hang, nothing answers, nothing fails. */
  async stallPostgres(): Promise<number[]> {
    const pids = await this.postgresPids();
    for (const pid of pids) signal(pid, "SIGSTOP");
    return pids;
  }

  resumePostgres(pids: number[]): void {
    for (const pid of pids) signal(pid, "SIGCONT");
  }

  /** `pg_ctl stop -m immediate`: every backend dies at once, as in a crash. */
  async stopPostgres(): Promise<void> {
    const pgctl = "/usr/lib/postgresql/15/bin/pg_ctl";
    const args = ["-D", await this.pgdata(), "-m", "immediate", "-w", "stop"];
    const asPg = Deno.uid() === 0 ? ["runuser", "-u", "postgres", "--", pgctl] : [pgctl];
    const { code, out } = await run(asPg[0], [...asPg.slice(1), ...args]);
    if (code !== 0) throw new Error(`pg_ctl stop failed: ${out}`);
  }
}

/** One function process, as the gateway reported it. */
export interface FunctionProcess {
  name: string;
  index: number;
  pid: number;
  port: number;
}

/**
 * The suite's own gateway (instances per function as asked), with its output parsed: which
 * process serves which function, and every exit — `intended` when the suite killed it.
 */
export class SuiteGateway {
  /** The live function processes by label (`projects#0`); a retired worker leaves the map. */
  readonly processes = new Map<string, FunctionProcess>();
  /** Workers the runtime retired during the run (not crashes: their slot starts a successor). */
  retirements = 0;
  readonly exits: { label: string; pid: number; intended: boolean; at: number }[] = [];
  /** Lines where an isolate's last-resort guard caught an escaped rejection or exception. */
  readonly escaped: string[] = [];
  private readonly killed = new Set<number>();
  private readonly started = new Map<string, (p: FunctionProcess) => void>();
  private child!: Deno.ChildProcess;
  private log!: Deno.FsFile;

  constructor(
    private readonly port: number,
    private readonly instances: number,
    private readonly env: Record<string, string>,
    private readonly logPath: string,
  ) {}

  async start(): Promise<void> {
    this.log = await Deno.open(this.logPath, { create: true, write: true, truncate: true });
    this.child = new Deno.Command(DENO, {
      args: [
        "run",
        "-A",
        "--config",
        `${ROOT}/deno.json`,
        `${ROOT}/scripts/stack/gateway.ts`,
        "--port",
        String(this.port),
        "--instances",
        String(this.instances),
      ],
      cwd: ROOT,
      env: this.env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    for (const stream of [this.child.stdout, this.child.stderr]) {
      this.pump(stream).catch(() => undefined);
    }
    await waitForPort(this.port, 120_000);
  }

  private async pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    let buffered = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      this.log.writeSync(new TextEncoder().encode(chunk));
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        this.line(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    }
  }

  private line(line: string): void {
    const started = /function (\S+)#(\d+) started \(pid (\d+), 127\.0\.0\.1:(\d+)\)/.exec(line);
    if (started) {
      const p = {
        name: started[1],
        index: Number(started[2]),
        pid: Number(started[3]),
        port: Number(started[4]),
      };
      const label = `${p.name}#${p.index}`;
      this.processes.set(label, p);
      this.started.get(label)?.(p);
      this.started.delete(label);
      return;
    }
    // A worker the runtime retired (wall clock, idle drop) took its port and its pool with it; a
    // request starts a successor, whose "started" line puts the slot back.
    const retired = /function (\S+#\d+) retired/.exec(line);
    if (retired) {
      this.processes.delete(retired[1]);
      this.retirements++;
      return;
    }
    const exited = /function (\S+#\d+) exited/.exec(line);
    if (exited) {
      const pid = this.processes.get(exited[1])?.pid ?? 0;
      this.exits.push({
        label: exited[1],
        pid,
        intended: this.killed.has(pid),
        at: performance.now(),
      });
      return;
    }
    if (/"event":"(unhandled_rejection|uncaught_exception)"/.test(line)) this.escaped.push(line);
  }

  /** The processes of one function, in instance order. */
  of(name: string): FunctionProcess[] {
    return [...this.processes.values()].filter((p) => p.name === name)
      .sort((a, b) => a.index - b.index);
  }

  /** SIGKILLs one function process; resolves with the replacement once the gateway started it. */
  kill(p: FunctionProcess): Promise<FunctionProcess> {
    const label = `${p.name}#${p.index}`;
    const replaced = new Promise<FunctionProcess>((done) => this.started.set(label, done));
    this.killed.add(p.pid);
    signal(p.pid, "SIGKILL");
    return replaced;
  }

  /** Exits nobody asked for. */
  crashes(since = 0): number {
    return this.exits.filter((e) => !e.intended && e.at >= since).length;
  }

  async stop(): Promise<void> {
    signal(this.child.pid, "SIGTERM");
    const timer = setTimeout(() => signal(this.child.pid, "SIGKILL"), 5_000);
    await this.child.status;
    clearTimeout(timer);
    this.log.close();
  }
}
