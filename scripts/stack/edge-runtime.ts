/**
 * What the local function host copies from Supabase's hosted Edge Runtime: its Deno, its sandbox
 * and its limits. One place, so the gateway, the tests, the bench and the docs agree.
 *
 * The runtime's Deno is pinned in scripts/edge-runtime/package.json (npm's `deno` package, in a
 * folder of its own: two `deno` packages in one node_modules fight over `.bin/deno`). To follow
 * the runtime: read `DENO_VERSION` in supabase/edge-runtime's deno/Cargo.toml at its latest
 * release, set that version there, `bash scripts/edge-runtime/install.sh`, then
 * `npm run edge:lock` (the functions' lockfile in the format that Deno reads) and `npm test`
 * (docs/edge-runtime.md).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
const RUNTIME_DIR = `${ROOT}/scripts/edge-runtime`;

/** The Deno the hosted Edge Runtime is built on (v1.74.0: 2.1.4). */
export const EDGE_DENO_VERSION: string = JSON.parse(
  Deno.readTextFileSync(`${RUNTIME_DIR}/package.json`),
).dependencies.deno;

/** The functions' lockfile, written by the runtime's Deno (a v5 deno.lock is unreadable to it). */
export const EDGE_LOCKFILE = `${RUNTIME_DIR}/deno.lock`;

/** The hosted limits a worker runs under (supabase.com/docs/guides/functions/limits). */
export const EDGE_LIMITS = {
  memoryMb: 256,
  /** CPU per request; past it the worker is ended and the request answered 546. */
  cpuMs: 2_000,
  /** Wall clock of a worker: 150 s on the free plan, 400 s on paid ones. */
  wallClockS: 150,
  /**
   * A worker with no request in flight and nothing in `EdgeRuntime.waitUntil` for this long is
   * dropped early. Hosted Supabase publishes no figure; this is ours (docs/edge-runtime.md).
   */
  idleS: 30,
  /** From `beforeunload` until the worker is gone, for in-flight requests and waitUntil work. */
  graceMs: 3_000,
} as const;

let checked: string | undefined;

/**
 * Where the runtime's `deno` binary is, after checking (once per process: it is asked again at
 * every worker start) that it is the pinned version.
 */
export function edgeDeno(): string {
  if (checked) return checked;
  const binary = `${RUNTIME_DIR}/node_modules/deno/deno`;
  if (!existsSync(binary)) {
    throw new Error(
      `the Edge Runtime's Deno ${EDGE_DENO_VERSION} is not installed: ` +
        `bash scripts/edge-runtime/install.sh`,
    );
  }
  const { stdout } = new Deno.Command(binary, { args: ["--version"], stderr: "null" }).outputSync();
  const version = new TextDecoder().decode(stdout).match(/^deno (\S+)/)?.[1];
  if (version !== EDGE_DENO_VERSION) {
    throw new Error(
      `${binary} is Deno ${version}, not ${EDGE_DENO_VERSION}: bash scripts/edge-runtime/install.sh`,
    );
  }
  return checked = binary;
}

/** The environment the runtime's Deno needs on these machines (npm over the system's CAs). */
export const EDGE_DENO_ENV = { DENO_TLS_CA_STORE: "system" } as const;

/** Recycling settings of the host, from the functions' environment (docs/edge-runtime.md). */
export interface Recycling {
  /** 0: never retire on the wall clock. */
  wallClockS: number;
  /** 0: never drop an idle worker. */
  idleS: number;
}

/** `EDGE_RECYCLING=off` turns both off (the bench's comparison); else the limits, overridable. */
export function recyclingFrom(env: Record<string, string | undefined>): Recycling {
  if (env.EDGE_RECYCLING === "off") return { wallClockS: 0, idleS: 0 };
  const seconds = (name: string, fallback: number) => {
    const value = Number(env[name] || fallback);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be seconds ≥ 0`);
    return value;
  };
  return {
    wallClockS: seconds("EDGE_WALL_CLOCK_S", EDGE_LIMITS.wallClockS),
    idleS: seconds("EDGE_IDLE_S", EDGE_LIMITS.idleS),
  };
}

/**
 * The permissions of a hosted worker: network, environment, reading; writing only under its own
 * temporary folder; no subprocess, no FFI, no system information; a 256 MB heap. A function that
 * tries more gets Deno's `NotCapable` error here, as it fails there.
 */
export function sandboxFlags(tmpDir: string): string[] {
  return [
    "--allow-net",
    "--allow-env",
    "--allow-read",
    `--allow-write=${tmpDir}`,
    "--no-prompt",
    `--v8-flags=--max-old-space-size=${EDGE_LIMITS.memoryMb}`,
  ];
}
