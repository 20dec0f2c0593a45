/**
 * Upstash REST bridge: speaks the Upstash Redis REST protocol (as `@upstash/redis` 1.39 uses it)
 * in front of a real redis-server, so the local stack exercises the same client as production.
 *
 * - `POST /` body `["set","k","v","ex",60]` → `{result}` | `{error}` (400)
 * - `POST /pipeline` body `[[...],[...]]` → `[{result}|{error}, ...]`
 * - `POST /multi-exec` same shape, run inside MULTI/EXEC
 * - `GET|POST /get/key` path-style commands (a POST body becomes the last argument)
 * - `authorization: Bearer <token>` required (401 otherwise)
 * - `Upstash-Encoding: base64`: every string result is base64-encoded except the status "OK".
 * - `GET /_bridge/usage` → `{requests, commands}` so far, counted as Upstash bills them (see
 *   `BridgeUsage`); not part of Upstash's protocol: the benchmark's cost model reads it.
 *
 * Run: `deno run -A scripts/stack/upstash-bridge.ts` with env REDIS_URL, REDIS_REST_PORT,
 * UPSTASH_REDIS_REST_TOKEN. Values are never logged: they may hold personal data.
 */
import { Buffer } from "node:buffer";
import { type RespCommand, RespError, RespPool, type RespReply } from "./resp-client.ts";

export interface BridgeOptions {
  /** `redis://127.0.0.1:PORT` */
  redisUrl: string;
  /** Listen port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** The bearer token clients must send. */
  token: string;
  /** Pipelined connections to redis (default 2). */
  connections?: number;
}

export interface Bridge {
  /** `http://127.0.0.1:PORT` — what `UPSTASH_REDIS_REST_URL` should be. */
  url: string;
  port: number;
  close(): Promise<void>;
}

type Json = string | number | null | Json[];
type Outcome = { result: Json } | { error: string };

const utf8 = new TextDecoder();
const JSON_HEADERS = { "content-type": "application/json" };

/** Turns a reply into JSON, base64-encoding strings when the client asked for it. */
function toJson(reply: RespReply, base64: boolean): Json {
  if (reply instanceof Uint8Array) {
    return base64
      ? Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength).toString("base64")
      : utf8.decode(reply);
  }
  if (typeof reply === "string") {
    return base64 && reply !== "OK" ? Buffer.from(reply).toString("base64") : reply;
  }
  if (Array.isArray(reply)) return reply.map((r) => toJson(r, base64));
  if (reply instanceof RespError) return reply.message;
  return reply;
}

function outcome(reply: RespReply, base64: boolean): Outcome {
  return reply instanceof RespError ? { error: reply.message } : { result: toJson(reply, base64) };
}

function reply(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });
}

/** Validates one command from the request body; numbers and booleans travel as text. */
function toCommand(value: unknown): RespCommand {
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError("ERR command must be a non-empty array");
  }
  return value.map((arg) => {
    if (typeof arg === "string") return arg;
    if (typeof arg === "number" || typeof arg === "boolean") return String(arg);
    if (arg === null) return "";
    return JSON.stringify(arg);
  });
}

function toCommands(value: unknown): RespCommand[] {
  if (!Array.isArray(value)) throw new TypeError("ERR body must be an array of commands");
  return value.map(toCommand);
}

/** Shebang flags the local redis-server (7.0) knows; Upstash also accepts e.g. allow-key-locking. */
const KNOWN_SCRIPT_FLAGS = new Set([
  "no-writes",
  "allow-oom",
  "allow-stale",
  "no-cluster",
  "allow-cross-slot-keys",
]);

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
const sha1 = async (text: string) =>
  hex(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)));

/**
 * Lets scripts written for Upstash run on the local redis-server: shebang flags it does not know
 * (`#!lua flags=allow-key-locking`, used by @upstash/ratelimit) are dropped, and since that
 * changes the script's SHA1, EVALSHA of the original SHA is sent as the adapted one and SCRIPT
 * LOAD answers with the original — to the client, the scripts are what it sent.
 */
class ScriptAdapter {
  private readonly shas = new Map<string, string>();

  private async adapt(script: string): Promise<string> {
    const m = /^#!lua flags=([^\n]*)\n/.exec(script);
    if (!m) return script;
    const flags = m[1].split(",").map((f) => f.trim()).filter((f) => KNOWN_SCRIPT_FLAGS.has(f));
    const adapted = `#!lua${flags.length ? ` flags=${flags.join(",")}` : ""}\n` +
      script.slice(m[0].length);
    if (adapted !== script) this.shas.set(await sha1(script), await sha1(adapted));
    return adapted;
  }

  /** The commands as redis-server should get them. */
  async inbound(commands: RespCommand[]): Promise<RespCommand[]> {
    return await Promise.all(commands.map(async (c) => {
      const name = String(c[0]).toLowerCase();
      if ((name === "eval" || name === "eval_ro") && typeof c[1] === "string") {
        return [c[0], await this.adapt(c[1]), ...c.slice(2)];
      }
      if ((name === "evalsha" || name === "evalsha_ro") && typeof c[1] === "string") {
        return [c[0], this.shas.get(c[1].toLowerCase()) ?? c[1], ...c.slice(2)];
      }
      if (name === "script" && String(c[1]).toLowerCase() === "load" && typeof c[2] === "string") {
        return [c[0], c[1], await this.adapt(c[2])];
      }
      return c;
    }));
  }

  /** SCRIPT LOAD replies carry the SHA1 of the script the client sent. */
  outbound(commands: RespCommand[], replies: RespReply[]): RespReply[] {
    return replies.map((r, i) => {
      const c = commands[i];
      if (String(c[0]).toLowerCase() !== "script" || String(c[1]).toLowerCase() !== "load") {
        return r;
      }
      for (const [original, adapted] of this.shas) {
        if (r instanceof Uint8Array && new TextDecoder().decode(r) === adapted) {
          return new TextEncoder().encode(original);
        }
      }
      return r;
    });
  }
}

/**
 * What clients asked of the bridge, counted as Upstash bills: each command of a request, of a
 * pipeline and of a transaction (not the MULTI/EXEC the bridge wraps a transaction in), and a
 * script (EVAL/EVALSHA) as ONE command. redis-server's own count cannot stand in for it: its
 * `total_commands_processed` and `commandstats` also count every redis.call inside a script.
 */
export interface BridgeUsage {
  requests: number;
  commands: number;
}

export const USAGE_PATH = "/_bridge/usage";

/** Path after the origin, without the query string, e.g. `/pipeline`. */
function pathOf(url: string): string {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  if (slash < 0) return "/";
  const q = url.indexOf("?", slash);
  return q < 0 ? url.slice(slash) : url.slice(slash, q);
}

/** Builds the request handler; exported so tests or a gateway can mount it in-process. */
export function createBridgeHandler(
  pool: RespPool,
  token: string,
): (req: Request) => Promise<Response> {
  const expected = `Bearer ${token}`;
  const scripts = new ScriptAdapter();
  const usage: BridgeUsage = { requests: 0, commands: 0 };
  const send = async (commands: RespCommand[]) =>
    scripts.outbound(commands, await pool.send(await scripts.inbound(commands)));
  const counted = (commands: RespCommand[]) => {
    usage.requests++;
    usage.commands += commands.length;
    return commands;
  };
  return async (req) => {
    if (req.headers.get("authorization") !== expected) {
      return reply({ error: "Unauthorized" }, 401);
    }
    const base64 = req.headers.get("upstash-encoding")?.toLowerCase() === "base64";
    const path = pathOf(req.url);
    if (path === USAGE_PATH && req.method === "GET") return reply(usage);
    try {
      if (path === "/pipeline") {
        const commands = counted(toCommands(await req.json()));
        const replies = await send(commands);
        return reply(replies.map((r) => outcome(r, base64)));
      }
      if (path === "/multi-exec") {
        return await multiExec(send, counted(toCommands(await req.json())), base64);
      }
      let command: RespCommand;
      if (path === "/" || path === "") {
        command = toCommand(await req.json());
      } else {
        const parts = path.slice(1).split("/").filter((p) => p !== "").map(decodeURIComponent);
        const body = req.method === "POST" ? await req.text() : "";
        command = body === "" ? parts : [...parts, body];
      }
      const [r] = await send(counted([command]));
      const out = outcome(r, base64);
      return reply(out, "error" in out ? 400 : 200);
    } catch (error) {
      if (error instanceof SyntaxError || error instanceof TypeError) {
        return reply(
          { error: error instanceof TypeError ? error.message : "ERR invalid JSON" },
          400,
        );
      }
      // Connection trouble with redis: report it without echoing any request data.
      return reply({ error: "ERR redis unavailable" }, 503);
    }
  };
}

async function multiExec(
  send: (commands: RespCommand[]) => Promise<RespReply[]>,
  commands: RespCommand[],
  base64: boolean,
): Promise<Response> {
  const replies = await send([["multi"], ...commands, ["exec"]]);
  const exec = replies[replies.length - 1];
  if (exec instanceof RespError || exec === null) {
    // EXECABORT: say which queued command was rejected, as Redis only says "previous errors".
    const queued = replies.slice(1, -1).find((r) => r instanceof RespError);
    const message = queued instanceof RespError ? queued.message : "EXECABORT transaction aborted";
    return reply(
      { error: exec instanceof RespError ? `${exec.message} ${message}` : message },
      400,
    );
  }
  return reply((exec as RespReply[]).map((r) => outcome(r, base64)));
}

/** Starts a bridge on 127.0.0.1. */
export function startBridge(options: BridgeOptions): Promise<Bridge> {
  const pool = new RespPool(options.redisUrl, options.connections ?? 2);
  const handler = createBridgeHandler(pool, options.token);
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: options.port,
      onListen: ({ port }) => {
        resolve({
          url: `http://127.0.0.1:${port}`,
          port,
          close: async () => {
            await server.shutdown();
            pool.close();
          },
        });
      },
    }, handler);
  });
}

if (import.meta.main) {
  const redisUrl = Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:54379";
  const port = Number(Deno.env.get("REDIS_REST_PORT") ?? 54380);
  const token = Deno.env.get("UPSTASH_REDIS_REST_TOKEN");
  if (!token) {
    console.error("upstash-bridge: UPSTASH_REDIS_REST_TOKEN is required");
    Deno.exit(1);
  }
  const connections = Number(Deno.env.get("REDIS_BRIDGE_CONNECTIONS") ?? 2);
  const bridge = await startBridge({ redisUrl, port, token, connections });
  console.log(`upstash-bridge listening on ${bridge.url} -> ${new URL(redisUrl).host}`);
  const stop = () => bridge.close().then(() => Deno.exit(0));
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
