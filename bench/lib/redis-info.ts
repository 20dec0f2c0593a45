/**
 * `INFO <sections>` from a redis-server over one plain RESP connection: the harness needs a
 * handful of counters twice per scenario, so a client library (and the bridge, whose own count
 * it is checking) stays out of the way.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Every `name:value` line of the INFO sections asked for, e.g. `total_commands_processed`. */
export async function redisInfo(
  redisUrl: string,
  sections: string[],
): Promise<Record<string, string>> {
  const url = new URL(redisUrl);
  const conn = await Deno.connect({
    hostname: url.hostname,
    port: Number(url.port || 6379),
  });
  try {
    const args = ["INFO", ...sections];
    const command = `*${args.length}\r\n` +
      args.map((a) => `$${encoder.encode(a).length}\r\n${a}\r\n`).join("");
    await conn.write(encoder.encode(command));
    return parseInfo(await readBulk(conn));
  } finally {
    conn.close();
  }
}

/** Reads one bulk-string reply (`$<len>\r\n<bytes>\r\n`); an error reply throws. */
async function readBulk(conn: Deno.Conn): Promise<string> {
  let buffered = new Uint8Array(0);
  const chunk = new Uint8Array(64 * 1024);
  for (;;) {
    const text = decoder.decode(buffered);
    if (text.startsWith("-")) throw new Error(`redis: ${text.split("\r\n")[0].slice(1)}`);
    const header = text.indexOf("\r\n");
    if (header > 0) {
      const length = Number(text.slice(1, header));
      const headerBytes = header + 2;
      if (buffered.length >= headerBytes + length) {
        return decoder.decode(buffered.subarray(headerBytes, headerBytes + length));
      }
    }
    const n = await conn.read(chunk);
    if (n === null) throw new Error("redis closed the connection before INFO's reply ended");
    const next = new Uint8Array(buffered.length + n);
    next.set(buffered);
    next.set(chunk.subarray(0, n), buffered.length);
    buffered = next;
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
