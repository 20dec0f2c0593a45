/**
 * Bounds on a request body, checked before anything reads or parses it: at most
 * `MAX_BODY_BYTES` (413 `payload_too_large`, whether the client declared a length or streamed
 * without one), and JSON nested at most `MAX_JSON_DEPTH` deep (400 `bad_request`) — deeper
 * nesting has no use here and a recursive walk of it would exhaust the stack. The body is read
 * once, here, and handed to Hono's body cache, so the validators and `refuseUnsafeText` parse the
 * same text without reading the stream again.
 */
import type { MiddlewareHandler } from "hono";
import { AppError, badRequest } from "../errors.ts";
import type { AppEnv } from "./env.ts";

/** The largest body any route accepts: a 5,000-row candidate import is about 1 MB. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** The deepest JSON any route accepts (the deepest schema nests 3 levels). */
export const MAX_JSON_DEPTH = 32;

const tooLarge = () =>
  new AppError("payload_too_large", `The body is larger than ${MAX_BODY_BYTES} bytes`, {
    details: { max_bytes: MAX_BODY_BYTES },
  });

/**
 * What a refused upload may still send before the 413 goes out. A server that answers while
 * the client is still uploading, then closes, leaves many clients (Deno's fetch, the gateway's
 * proxy) with a reset connection instead of the answer — measured on the Edge Runtime's Deno,
 * which closes at once. So the rest is read and dropped first, within these bounds (nginx's
 * "lingering close"); past them the connection closes as before.
 */
const LINGER_BYTES = 8 * MAX_BODY_BYTES;
const LINGER_MS = 2_000;

/** Reads and drops the rest of a refused body, within the linger bounds. */
async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  const until = performance.now() + LINGER_MS;
  let dropped = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((done) => timer = setTimeout(() => done("late"), LINGER_MS));
  try {
    while (dropped <= LINGER_BYTES && performance.now() < until) {
      const next = await Promise.race([reader.read(), late]);
      if (next === "late" || next.done) break;
      dropped += next.value.byteLength;
    }
  } catch {
    /* the client went away: nothing left to drop */
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
}

/** Reads a body stream to text, giving up (413) as soon as it passes `max` bytes. */
async function readLimited(body: ReadableStream<Uint8Array>, max: number): Promise<string> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await discardRest(reader);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** The deepest nesting of `[` / `{` in a JSON text, outside strings (no parse needed). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++; // backslash: skip the escaped character
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 91 || ch === 123) deepest = Math.max(deepest, ++depth);
    else if (ch === 93 || ch === 125) depth--;
  }
  return deepest;
}

export const limitBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const body = c.req.raw.body;
  if (body) {
    if (Number(c.req.header("content-length")) > MAX_BODY_BYTES) {
      await discardRest(body.getReader());
      throw tooLarge();
    }
    const text = await readLimited(body, MAX_BODY_BYTES);
    if (c.req.header("content-type")?.includes("json") && jsonDepth(text) > MAX_JSON_DEPTH) {
      throw badRequest(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
    // Hono keeps each body as a promise of it (its `BodyCache` type says the plain value, but
    // `c.req.json()` calls `.then` on what it finds), so the promise is what goes in.
    Object.assign(c.req.bodyCache, { text: Promise.resolve(text) });
  }
  await next();
};
