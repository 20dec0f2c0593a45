/**
 * The processes the bench starts itself — ceiling servers and its own gateways (one per cache
 * mode, each with its own function processes) — with their output in a log file, stopped by pid.
 */
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
const DENO = Deno.execPath();

export interface Service {
  name: string;
  url: string;
  port: number;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
  stop(): Promise<void>;
}

/** A port the OS just handed out (released again for the child to bind). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Spawns `deno run -A <script> ...args` with `env` (added to ours) and waits until `readyPath`
 * on its port answers 200, or until it exits (throws with the log's tail).
 */
export async function startDeno(options: {
  name: string;
  script: string;
  args: (port: number) => string[];
  env: Record<string, string>;
  logDir: string;
  readyPath?: string;
  /** Extra readiness check on the parsed body, e.g. "every function is up". */
  isReady?: (body: unknown) => boolean;
  timeoutMs?: number;
}): Promise<Service> {
  const port = freePort();
  await Deno.mkdir(options.logDir, { recursive: true });
  const logPath = `${options.logDir}/${options.name}.log`;
  const log = await Deno.open(logPath, { create: true, write: true, truncate: true });
  const child = new Deno.Command(DENO, {
    args: ["run", "-A", "--config", `${ROOT}/deno.json`, options.script, ...options.args(port)],
    cwd: ROOT,
    env: { ...Deno.env.toObject(), ...options.env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Both streams into one file; the pipes close when the process exits.
  const pumps = Promise.all(
    [child.stdout, child.stderr].map((stream) =>
      stream.pipeTo(new WritableStream({ write: (chunk) => void log.writeSync(chunk) }))
        .catch(() => {})
    ),
  );
  let exited = false;
  const status = child.status.finally(() => exited = true);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const stop = async () => {
    if (!exited) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const killer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* exited in time */ }
      }, 8_000);
      await status;
      clearTimeout(killer);
    }
    await pumps;
    log.close();
  };
  while (true) {
    if (exited) {
      await stop();
      const tail = (await Deno.readTextFile(logPath)).slice(-3000);
      throw new Error(`${options.name} exited before it was ready (log ${logPath}):\n${tail}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.name} not ready in time (log ${logPath})`);
    }
    try {
      const response = await fetch(`${url}${options.readyPath ?? "/"}`);
      const body = await response.text();
      if (response.ok && (!options.isReady || options.isReady(JSON.parse(body)))) break;
    } catch { /* not listening yet */ }
    await new Promise((done) => setTimeout(done, 200));
  }
  return { name: options.name, url, port, stop };
}

/**
 * A gateway of our own over `configPath` (default bench/config.toml), its functions running with
 * `env` (the stack env plus cache flags). The gateway itself waits (up to 60 s) for its functions
 * before it listens; `notReady` lists those still down then — their requests will fail and show
 * as errors.
 */
export async function startGateway(
  name: string,
  env: Record<string, string>,
  logDir: string,
  configPath = `${ROOT}/bench/config.toml`,
): Promise<Service & { notReady: string[] }> {
  const service = await startDeno({
    name: `gateway-${name}`,
    script: `${ROOT}/scripts/stack/gateway.ts`,
    args: (port) => ["--config", configPath, "--port", String(port)],
    env: { FUNCTION_INSTANCES: "1", ...env },
    logDir,
    readyPath: "/health",
    timeoutMs: 180_000,
  });
  const health = await (await fetch(`${service.url}/health`)).json() as {
    functions?: Record<string, { instances: number; ready: number }>;
  };
  const notReady = Object.entries(health.functions ?? {})
    .filter(([, f]) => f.ready < f.instances).map(([fn]) => fn);
  return { ...service, notReady };
}
