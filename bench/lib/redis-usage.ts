/**
 * What a window of the run cost in Redis, for the cost model: the commands as Upstash bills
 * them — counted by the Upstash bridge, which every function's client talks to (see
 * `BridgeUsage` in scripts/stack/upstash-bridge.ts) — next to redis-server's own count, which
 * also counts each `redis.call` inside a script and so runs several times higher with the cache
 * on, and the RESP bytes in and out (a stand-in for Upstash's REST bandwidth).
 */
import { type BridgeUsage, USAGE_PATH } from "../../scripts/stack/upstash-bridge.ts";
import { redisInfo } from "./redis-info.ts";
import type { RedisUsage } from "./types.ts";

export interface RedisSnapshot {
  /** null when the bridge has no usage route (a bridge started from an older checkout). */
  bridge: BridgeUsage | null;
  serverCommands: number;
  netBytes: number;
  /** redis-server's used_memory_dataset: the data a plan's size limit is about. */
  datasetBytes: number;
}

/** Where to read: the stack env's `REDIS_URL` and the bridge's URL and token. */
export interface RedisEndpoints {
  redisUrl: string;
  bridgeUrl: string;
  bridgeToken: string;
}

export function redisEndpoints(env: Record<string, string>): RedisEndpoints | null {
  const redisUrl = env.REDIS_URL;
  const bridgeUrl = env.UPSTASH_REDIS_REST_URL;
  const bridgeToken = env.UPSTASH_REDIS_REST_TOKEN;
  return redisUrl && bridgeUrl && bridgeToken ? { redisUrl, bridgeUrl, bridgeToken } : null;
}

async function bridgeUsage(e: RedisEndpoints): Promise<BridgeUsage | null> {
  try {
    const response = await fetch(`${e.bridgeUrl}${USAGE_PATH}`, {
      headers: { authorization: `Bearer ${e.bridgeToken}` },
      signal: AbortSignal.timeout(5_000),
    });
    const body = await response.json() as Partial<BridgeUsage> & { error?: unknown };
    return response.ok && typeof body.commands === "number" && typeof body.requests === "number"
      ? { requests: body.requests, commands: body.commands }
      : null;
  } catch {
    return null;
  }
}

/** Both counts now; null when Redis cannot be read (the window then reads "not measured"). */
export async function redisSnapshot(e: RedisEndpoints): Promise<RedisSnapshot | null> {
  try {
    const [bridge, info] = await Promise.all([
      bridgeUsage(e),
      redisInfo(e.redisUrl, ["stats", "memory"]),
    ]);
    const num = (name: string) => Number(info[name] ?? NaN);
    const serverCommands = num("total_commands_processed");
    if (!Number.isFinite(serverCommands)) return null;
    return {
      bridge,
      serverCommands,
      netBytes: num("total_net_input_bytes") + num("total_net_output_bytes"),
      datasetBytes: num("used_memory_dataset"),
    };
  } catch {
    return null;
  }
}

/**
 * The window between two snapshots, per wrk request. Without the bridge's count, Redis's own
 * stands in (`source: "redis"`), less the harness's own INFO call: an overcount wherever
 * scripts run, which the report says.
 */
export function redisDelta(
  before: RedisSnapshot | null,
  after: RedisSnapshot | null,
  requests: number,
): RedisUsage | null {
  if (!before || !after || requests <= 0) return null;
  const serverCommands = after.serverCommands - before.serverCommands - 1;
  const fromBridge = before.bridge && after.bridge;
  const commands = fromBridge ? after.bridge!.commands - before.bridge!.commands : serverCommands;
  return {
    commands,
    perReq: commands / requests,
    source: fromBridge ? "bridge" : "redis",
    serverCommands,
    netBytes: after.netBytes - before.netBytes,
  };
}
