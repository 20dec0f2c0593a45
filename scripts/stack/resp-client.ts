/**
 * A small pipelining Redis client speaking RESP2 over a `node:net` socket, made for the Upstash bridge.
 *
 * Why not ioredis / node-redis: the bridge must hand back replies exactly as Redis sent them
 * (HGETALL and ZRANGE WITHSCORES as flat arrays, bulk strings as raw bytes so they can be
 * base64-encoded), and both clients reshape replies. Raw RESP2 over a few long-lived, pipelined
 * connections is also the cheapest path per request, which matters because the bridge sits on
 * the benchmark's hot path. `node:net` is used rather than `Deno.connect`: measured through the
 * bridge under wrk, its event-driven reads gave ~20% more requests/s than awaiting `conn.read`,
 * and corking the socket for one tick batches a burst of commands into one write (~4x ioredis's
 * throughput for 100 concurrent GETs; on par with it per HTTP request).
 */
import { createConnection, type Socket } from "node:net";

/** An error reply from Redis (`-ERR ...`), kept as a value so pipelines can carry it. */
export class RespError {
  constructor(readonly message: string) {}
}

/** A bulk string reply: the raw bytes, because values may be binary. */
export type RespBulk = Uint8Array;

/** Any RESP2 reply. Simple strings are JS strings; bulk strings are bytes. */
export type RespReply = string | number | null | RespBulk | RespError | RespReply[];

/** One command: name then arguments. Numbers are sent as their decimal text. */
export type RespCommand = readonly (string | number)[];

/** One `send`: it expects `left` more replies, collected in order. */
interface Waiter {
  left: number;
  replies: RespReply[];
  resolve(replies: RespReply[]): void;
  reject(error: Error): void;
}

const INCOMPLETE = Symbol("incomplete");
const CR = 13;
const textDecoder = new TextDecoder();

/** UTF-8 byte length without allocating, for the `$len` header of each argument. */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 2; // a surrogate pair is 4 bytes for 2 UTF-16 units
      i++;
    } else n += 2;
  }
  return n;
}

/** Serializes commands into one RESP string (a single write for a whole pipeline). */
export function encodeCommands(commands: readonly RespCommand[]): string {
  let out = "";
  for (const command of commands) {
    out += `*${command.length}\r\n`;
    for (const arg of command) {
      const s = typeof arg === "string" ? arg : String(arg);
      out += `$${utf8Length(s)}\r\n${s}\r\n`;
    }
  }
  return out;
}

/** Incremental RESP2 parser over a growable byte buffer. */
class ReplyReader {
  private buf = new Uint8Array(64 * 1024);
  private start = 0;
  private end = 0;
  private pos = 0;

  /** Appends a received chunk, compacting or growing the buffer as needed. */
  push(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start;
      const target = this.buf.length >= (live + chunk.length) * 2
        ? this.buf
        : new Uint8Array(Math.max(this.buf.length * 2, (live + chunk.length) * 2));
      target.set(this.buf.subarray(this.start, this.end));
      this.buf = target;
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** The next complete reply, or `INCOMPLETE` when more bytes are needed. */
  next(): RespReply | typeof INCOMPLETE {
    this.pos = this.start;
    const reply = this.parse();
    if (reply === INCOMPLETE) return INCOMPLETE;
    this.start = this.pos;
    if (this.start === this.end) this.start = this.end = 0;
    return reply;
  }

  private line(): string | typeof INCOMPLETE {
    const from = this.pos;
    for (let i = from; i + 1 < this.end; i++) {
      if (this.buf[i] === CR) {
        this.pos = i + 2;
        return textDecoder.decode(this.buf.subarray(from, i));
      }
    }
    return INCOMPLETE;
  }

  /** Reads a decimal header (`-1`, `42`) in place: decoding tiny strings costs more than this. */
  private int(): number | typeof INCOMPLETE {
    let i = this.pos;
    let sign = 1;
    if (this.buf[i] === 45) {
      sign = -1;
      i++;
    }
    let n = 0;
    for (; i < this.end; i++) {
      const c = this.buf[i];
      if (c === CR) {
        if (i + 1 >= this.end) return INCOMPLETE;
        this.pos = i + 2;
        return sign * n;
      }
      n = n * 10 + (c - 48);
    }
    return INCOMPLETE;
  }

  private parse(): RespReply | typeof INCOMPLETE {
    if (this.pos >= this.end) return INCOMPLETE;
    const type = this.buf[this.pos++];
    if (type === 43 || type === 45) { // '+' or '-'
      const text = this.line();
      if (text === INCOMPLETE) return INCOMPLETE;
      return type === 43 ? text : new RespError(text);
    }
    const head = this.int();
    if (head === INCOMPLETE) return INCOMPLETE;
    switch (type) {
      case 58: // ':'
        return head;
      case 36: { // '$'
        if (head < 0) return null;
        if (this.pos + head + 2 > this.end) return INCOMPLETE;
        const bytes = this.buf.slice(this.pos, this.pos + head);
        this.pos += head + 2;
        return bytes;
      }
      case 42: { // '*'
        if (head < 0) return null;
        const items: RespReply[] = new Array(head);
        for (let i = 0; i < head; i++) {
          const item = this.parse();
          if (item === INCOMPLETE) return INCOMPLETE;
          items[i] = item;
        }
        return items;
      }
      default:
        throw new Error(`unexpected RESP type byte ${type}`);
    }
  }
}

/** One TCP connection with in-order pipelining: replies are matched to waiters FIFO. */
class RespConnection {
  private socket: Socket | null = null;
  private waiters: Waiter[] = [];
  private head = 0;
  private corked = false;

  constructor(private readonly hostname: string, private readonly port: number) {}

  /** Sends commands back to back and resolves with their replies in order. */
  send(commands: readonly RespCommand[]): Promise<RespReply[]> {
    const replies = new Promise<RespReply[]>((resolve, reject) =>
      this.waiters.push({ left: commands.length, replies: [], resolve, reject })
    );
    const socket = this.socket ?? this.open();
    if (!this.corked) {
      // Commands sent in the same tick leave in one write (what pipelining buys under load).
      this.corked = true;
      socket.cork();
      queueMicrotask(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    socket.write(encodeCommands(commands));
    return replies;
  }

  close(): void {
    this.fail(new Error("redis connection closed"));
  }

  private open(): Socket {
    const reader = new ReplyReader();
    const socket = createConnection({ host: this.hostname, port: this.port });
    socket.setNoDelay(true);
    socket.on("data", (chunk: Uint8Array) => {
      reader.push(chunk);
      for (
        let reply = this.nextReply(reader, socket);
        reply !== INCOMPLETE;
        reply = this.nextReply(reader, socket)
      ) {
        const waiter = this.waiters[this.head];
        if (!waiter) continue; // a reply nobody waits for (after a reset): drop it
        waiter.replies.push(reply);
        if (--waiter.left > 0) continue;
        this.head++;
        if (this.head > 1024 && this.head * 2 > this.waiters.length) {
          this.waiters = this.waiters.slice(this.head);
          this.head = 0;
        }
        waiter.resolve(waiter.replies);
      }
    });
    const onDown = (error?: Error) => {
      if (this.socket === socket) this.fail(error ?? new Error("redis closed the connection"));
    };
    socket.on("error", onDown);
    socket.on("close", () => onDown());
    this.socket = socket;
    return socket;
  }

  /** The next parsed reply; a malformed stream cannot be resynchronised, so it drops the socket. */
  private nextReply(reader: ReplyReader, socket: Socket): RespReply | typeof INCOMPLETE {
    try {
      return reader.next();
    } catch (error) {
      if (this.socket === socket) this.fail(error as Error);
      return INCOMPLETE;
    }
  }

  /** Drops the connection and rejects everything pending; the next send reconnects. */
  private fail(error: Error): void {
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    const waiters = this.waiters.slice(this.head);
    this.waiters = [];
    this.head = 0;
    for (const w of waiters) w.reject(error);
  }
}

/** A fixed set of pipelined connections, used round robin. */
export class RespPool {
  private readonly connections: RespConnection[];
  private next = 0;

  /** `url` is `redis://host:port` (no auth: the local redis binds to loopback only). */
  constructor(url: string, size = 2) {
    const parsed = new URL(url);
    const port = Number(parsed.port || 6379);
    this.connections = Array.from(
      { length: Math.max(1, size) },
      () => new RespConnection(parsed.hostname, port),
    );
  }

  /**
   * Runs commands back to back on ONE connection, so a MULTI ... EXEC group stays together
   * and in order.
   */
  send(commands: readonly RespCommand[]): Promise<RespReply[]> {
    const conn = this.connections[this.next];
    this.next = (this.next + 1) % this.connections.length;
    return conn.send(commands);
  }

  close(): void {
    for (const c of this.connections) c.close();
  }
}
