/**
 * `INFO <sections>` from a redis-server over one plain RESP connection (the stack's own client,
 * scripts/stack/resp-client.ts): the harness needs a handful of counters twice per scenario, and
 * the bridge, whose own count it is checking, stays out of the way.
 */
import { RespError, RespPool } from "../../scripts/stack/resp-client.ts";

/** Every `name:value` line of the INFO sections asked for, e.g. `total_commands_processed`. */
export async function redisInfo(
  redisUrl: string,
  sections: string[],
): Promise<Record<string, string>> {
  const redis = new RespPool(redisUrl, 1);
  try {
    const [reply] = await redis.send([["INFO", ...sections]]);
    if (reply instanceof RespError) throw new Error(`redis: ${reply.message}`);
    if (!(reply instanceof Uint8Array)) throw new Error("redis: INFO answered no bulk string");
    return parseInfo(new TextDecoder().decode(reply));
  } finally {
    redis.close();
  }
}

/** `# Stats\r\ntotal_commands_processed:12\r\n...` → `{ total_commands_processed: "12" }`. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    if (!line || line.startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon > 0) out[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return out;
}
