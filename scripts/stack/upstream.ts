/**
 * The gateway's client for GET and HEAD requests to a function process: HTTP/1.1 over keep-alive
 * loopback connections it pools itself.
 *
 * Why not `fetch`: measured on this 2-core box, a Deno proxy around `fetch` spends ~200 µs of CPU
 * per request (request/response objects, header guards, a resource per body) against ~60 µs for
 * writing the request head on a pooled `Deno.TcpConn` and reading the answer back — the gateway
 * capped every figure measured through it. Requests with a body keep going through `fetch`
 * (streamed uploads), and so do other methods: only a safe request may be sent again on a fresh
 * connection when a pooled one turns out closed. An answer this client cannot read fails the
 * request rather than being guessed at.
 *
 * The answer's body is read whole when it has a `Content-Length` (what Deno.serve sends for a
 * string or bytes body) and streamed as it arrives when it is chunked (a streamed body).
 */

const CRLF_CRLF = [13, 10, 13, 10];
const encoder = new TextEncoder();
const decoder = new TextDecoder();
// Hop-by-hop and per-connection headers: this client's business, never passed on.
const DROPPED = new Set(["connection", "keep-alive", "transfer-encoding", "content-length"]);

export interface UpstreamAnswer {
  status: number;
  headers: [string, string][];
  body: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array<ArrayBuffer>> | null;
}

/** Pooled connections to one function process (one port). */
export class Upstream {
  // Each idle connection keeps its reader, so its buffer is allocated once per connection.
  readonly #idle: ConnReader[] = [];

  constructor(readonly port: number, private readonly maxIdle = 128) {}

  /**
   * Sends a GET or HEAD; `target` is the path and query, `head` the request's header lines
   * (already filtered by the gateway, each ending in CRLF). A connection the process closed while idle is retried
   * once on a fresh one — nothing of the request was read then.
   */
  async send(method: string, target: string, head: string): Promise<UpstreamAnswer> {
    const bytes = encoder.encode(
      `${method} ${target} HTTP/1.1\r\nhost: 127.0.0.1:${this.port}\r\n${head}\r\n`,
    );
    const pooled = this.#idle.pop();
    if (pooled) {
      try {
        return await this.#exchange(pooled, bytes, method);
      } catch (error) {
        if (!(error instanceof StaleConnection)) throw error;
      }
    }
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: this.port });
    conn.setNoDelay(true);
    return await this.#exchange(new ConnReader(conn), bytes, method);
  }

  /** Closes the idle connections (the process is gone or the gateway stops). */
  close(): void {
    for (const reader of this.#idle.splice(0)) closeQuietly(reader.conn);
  }

  async #exchange(reader: ConnReader, request: Uint8Array, method: string) {
    const { conn } = reader;
    try {
      await writeAll(conn, request);
      const head = await reader.head();
      const answer = parseHead(head);
      const noBody = method === "HEAD" || answer.status === 204 || answer.status === 304 ||
        (answer.status >= 100 && answer.status < 200);
      if (noBody) {
        this.#release(reader);
        return { status: answer.status, headers: answer.headers, body: null };
      }
      if (answer.length !== undefined) {
        const body = await reader.exactly(answer.length);
        this.#release(reader);
        return { status: answer.status, headers: answer.headers, body };
      }
      if (answer.chunked) {
        return {
          status: answer.status,
          headers: answer.headers,
          body: chunkedStream(reader, () => this.#release(reader), () => closeQuietly(conn)),
        };
      }
      // Neither: the body runs to the end of the connection, which is then spent.
      const rest = await reader.rest();
      closeQuietly(conn);
      return { status: answer.status, headers: answer.headers, body: rest };
    } catch (error) {
      closeQuietly(conn);
      throw error;
    }
  }

  #release(reader: ConnReader) {
    // Bytes past the answer would belong to nothing we asked for: do not reuse such a connection.
    if (reader.buffered > 0 || this.#idle.length >= this.maxIdle) closeQuietly(reader.conn);
    else {
      reader.reset();
      this.#idle.push(reader);
    }
  }
}

/** The pooled connection had been closed by the process before any byte of the answer. */
class StaleConnection extends Error {}

function parseHead(head: string) {
  const lines = head.split("\r\n");
  const status = Number(lines[0].slice(9, 12));
  if (!lines[0].startsWith("HTTP/1.") || !Number.isInteger(status)) {
    throw new Error(`unreadable status line from the function: ${lines[0].slice(0, 40)}`);
  }
  const headers: [string, string][] = [];
  let length: number | undefined;
  let chunked = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-length") length = Number(value);
    else if (name === "transfer-encoding") chunked = value.toLowerCase().includes("chunked");
    if (!DROPPED.has(name)) headers.push([name, value]);
  }
  if (length !== undefined && !(Number.isSafeInteger(length) && length >= 0)) {
    throw new Error("invalid content-length from the function");
  }
  return { status, headers, length: chunked ? undefined : length, chunked };
}

/** Buffered reads on one connection. */
class ConnReader {
  #buf = new Uint8Array(4096);
  #start = 0;
  #end = 0;
  /** Bytes read for the current answer. */
  #read = 0;

  constructor(readonly conn: Deno.TcpConn) {}

  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Before the connection's next request. */
  reset(): void {
    this.#read = 0;
  }

  /** The header block (without the blank line). */
  async head(): Promise<string> {
    for (;;) {
      const at = indexOf(this.#buf, CRLF_CRLF, this.#start, this.#end);
      if (at >= 0) {
        const text = decoder.decode(this.#buf.subarray(this.#start, at));
        this.#start = at + 4;
        return text;
      }
      if (this.#end - this.#start > 64 * 1024) throw new Error("response head too large");
      if (!await this.#fill()) {
        if (this.#read === 0) throw new StaleConnection("closed before answering");
        throw new Error("the function closed the connection mid-answer");
      }
    }
  }

  /** One CRLF-terminated line (chunk sizes, trailers). */
  async line(): Promise<string> {
    for (;;) {
      const at = indexOf(this.#buf, [13, 10], this.#start, this.#end);
      if (at >= 0) {
        const text = decoder.decode(this.#buf.subarray(this.#start, at));
        this.#start = at + 2;
        return text;
      }
      if (!await this.#fill()) throw new Error("the function closed the connection mid-answer");
    }
  }

  async exactly(n: number): Promise<Uint8Array<ArrayBuffer>> {
    const out = new Uint8Array(n);
    let got = Math.min(n, this.buffered);
    out.set(this.#buf.subarray(this.#start, this.#start + got));
    this.#start += got;
    while (got < n) {
      const r = await this.conn.read(out.subarray(got));
      if (r === null) throw new Error("the function closed the connection mid-body");
      got += r;
    }
    return out;
  }

  async rest(): Promise<Uint8Array<ArrayBuffer>> {
    const parts: Uint8Array[] = [this.#buf.slice(this.#start, this.#end)];
    this.#start = this.#end;
    for (;;) {
      const chunk = new Uint8Array(64 * 1024);
      const r = await this.conn.read(chunk);
      if (r === null) break;
      parts.push(chunk.subarray(0, r));
    }
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) out.set(p, (at += p.length) - p.length);
    return out;
  }

  async #fill(): Promise<boolean> {
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#end === this.#buf.length) {
      const bigger = new Uint8Array(this.#buf.length * 2);
      bigger.set(this.#buf.subarray(this.#start, this.#end));
      this.#end -= this.#start;
      this.#start = 0;
      this.#buf = bigger;
    }
    const r = await this.conn.read(this.#buf.subarray(this.#end));
    if (r === null) return false;
    this.#end += r;
    this.#read += r;
    return true;
  }
}

/** A chunked body as a stream; `done` once the last chunk and trailers are read. */
function chunkedStream(
  reader: ConnReader,
  done: () => void,
  broken: () => void,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    async pull(controller) {
      try {
        const size = parseInt((await reader.line()).split(";")[0], 16);
        if (!Number.isFinite(size) || size < 0) throw new Error("bad chunk size from the function");
        if (size === 0) {
          while ((await reader.line()) !== "") { /* trailers: dropped */ }
          controller.close();
          done();
          return;
        }
        controller.enqueue(await reader.exactly(size));
        if ((await reader.line()) !== "") throw new Error("bad chunk end from the function");
      } catch (error) {
        broken();
        controller.error(error);
      }
    },
    cancel: broken,
  });
}

function indexOf(buf: Uint8Array, needle: number[], from: number, to: number): number {
  outer: for (let i = from; i <= to - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (buf[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    try {
      written += await conn.write(bytes.subarray(written));
    } catch (error) {
      if (written === 0) throw new StaleConnection(String(error));
      throw error;
    }
  }
}

function closeQuietly(conn: Deno.TcpConn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}
