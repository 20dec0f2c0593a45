/**
 * The OS processes behind one function: N instances, each its own `deno` process (its own module
 * state, like separate isolates on hosted Supabase), started through function-host.ts, restarted
 * with backoff when they die, and picked round-robin.
 */
import { fileURLToPath } from "node:url";
import { type FunctionConfig, resolutionFlags } from "./gateway-config.ts";

const HOST_SCRIPT = fileURLToPath(new URL("./function-host.ts", import.meta.url));
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;
// An instance that stayed up this long was healthy: its next crash starts the backoff afresh.
const STABLE_AFTER_MS = 10_000;
const STOP_GRACE_MS = 3_000;

export interface PoolOptions {
  fn: FunctionConfig;
  instances: number;
  /** The functions' whole environment (the host adds FUNCTION_INSTANCE). */
  env: Record<string, string>;
  log: (line: string) => void;
}

/** One running process of a function; `port` is valid while `ready`. */
export interface Instance {
  readonly index: number;
  readonly port: number;
  readonly ready: boolean;
}

/** `deno` flags for running `fn` through the host: resolution, then the host and its args. */
export function hostArgs(fn: FunctionConfig): string[] {
  return ["run", "-A", "--no-prompt", ...resolutionFlags(fn), HOST_SCRIPT, fn.entrypoint];
}

/** Caches what the host and the entrypoints import, in one process, before any instance starts:
 * many first runs at once would each fetch the same packages and race to write deno.lock. */
export async function precache(fns: FunctionConfig[], log: (line: string) => void): Promise<void> {
  const groups = new Map<string, string[]>();
  for (const fn of fns) {
    const key = JSON.stringify(resolutionFlags(fn));
    groups.set(key, [...groups.get(key) ?? [], fn.entrypoint]);
  }
  for (const [flags, entrypoints] of groups) {
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: ["cache", ...JSON.parse(flags), HOST_SCRIPT, ...entrypoints],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (code !== 0) log(`gateway: caching ${entrypoints.join(", ")} failed (exit ${code})`);
  }
}

/** Keeps `options.instances` processes of one function alive until `close()`. */
export class FunctionPool {
  readonly instances: InstanceProcess[];
  #next = 0;
  #closing = new AbortController();

  constructor(options: PoolOptions) {
    this.instances = Array.from(
      { length: options.instances },
      (_, index) => new InstanceProcess(options, index, this.#closing.signal),
    );
  }

  /** Resolves once every instance answers on its port, or false after `timeoutMs`. */
  async ready(timeoutMs: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((done) => timer = setTimeout(() => done(false), timeoutMs));
    const all = Promise.all(this.instances.map((instance) => instance.firstReady)).then(() => true);
    try {
      return await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The next ready instance in round-robin order, or undefined when none is up. */
  pick(): Instance | undefined {
    const count = this.instances.length;
    for (let tries = 0; tries < count; tries++) {
      const instance = this.instances[this.#next++ % count];
      if (instance.ready) return instance;
    }
    return undefined;
  }

  /** Stops every instance (SIGTERM, then SIGKILL after a grace period). */
  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.all(this.instances.map((instance) => instance.stop()));
  }
}

class InstanceProcess implements Instance {
  readonly index: number;
  port = 0;
  ready = false;
  /** Settles the first time this instance answers (never rejects). */
  readonly firstReady: Promise<void>;
  #markFirstReady!: () => void;
  #child?: Deno.ChildProcess;
  #loop: Promise<void>;
  #options: PoolOptions;
  #closing: AbortSignal;

  constructor(options: PoolOptions, index: number, closing: AbortSignal) {
    this.index = index;
    this.#options = options;
    this.#closing = closing;
    this.firstReady = new Promise((done) => this.#markFirstReady = done);
    this.#loop = this.#superviseLoop();
  }

  get #label(): string {
    return `${this.#options.fn.name}#${this.index}`;
  }

  async #superviseLoop(): Promise<void> {
    const { fn, env, log } = this.#options;
    let backoff = FIRST_BACKOFF_MS;
    while (!this.#closing.aborted) {
      const port = freePort();
      const child = new Deno.Command(Deno.execPath(), {
        args: [...hostArgs(fn), String(port)],
        env: { ...env, FUNCTION_INSTANCE: String(this.index) },
        clearEnv: true,
        // Held open and never written: its EOF tells the host the gateway is gone.
        stdin: "piped",
        stdout: "inherit",
        stderr: "inherit",
      }).spawn();
      this.#child = child;
      const startedAt = Date.now();
      let exited = false;
      const status = child.status.finally(() => exited = true);

      if (await waitForPort(port, () => exited || this.#closing.aborted)) {
        this.port = port;
        this.ready = true;
        log(`gateway: function ${this.#label} started (pid ${child.pid}, 127.0.0.1:${port})`);
        this.#markFirstReady();
      }
      const { code, signal } = await status;
      this.ready = false;
      portsInUse.delete(port);
      if (this.#closing.aborted) {
        log(`gateway: function ${this.#label} stopped`);
        return;
      }
      if (Date.now() - startedAt > STABLE_AFTER_MS) backoff = FIRST_BACKOFF_MS;
      log(
        `gateway: function ${this.#label} exited (${signal ?? `code ${code}`}); ` +
          `restarting in ${backoff} ms`,
      );
      await sleep(backoff, this.#closing);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child) {
      try {
        child.kill("SIGTERM");
      } catch { /* already exited */ }
      const killer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* exited in time */ }
      }, STOP_GRACE_MS);
      await child.status;
      clearTimeout(killer);
      await child.stdin.close().catch(() => {});
    }
    await this.#loop;
  }
}

// Ports handed to children of this gateway, so two instances starting together never share one.
const portsInUse = new Set<number>();

/** A port the OS just handed out and released; the child binds it right after. */
function freePort(): number {
  for (;;) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { port } = listener.addr as Deno.NetAddr;
    listener.close();
    if (!portsInUse.has(port)) {
      portsInUse.add(port);
      return port;
    }
  }
}

/** Polls until something accepts on `port`; false if `gaveUp()` turns true first. */
async function waitForPort(port: number, gaveUp: () => boolean): Promise<boolean> {
  while (!gaveUp()) {
    try {
      const connection = await Deno.connect({ hostname: "127.0.0.1", port });
      connection.close();
      return true;
    } catch {
      await new Promise((done) => setTimeout(done, 50));
    }
  }
  return false;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(finish, ms);
    signal.addEventListener("abort", finish, { once: true });
    function finish() {
      clearTimeout(timer);
      signal.removeEventListener("abort", finish);
      done();
    }
  });
}
