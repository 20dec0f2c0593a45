/**
 * The sockets the pool's postgres.js clients talk through (its `socket` option).
 *
 * Why: postgres.js 3.4.x sends a small message from a `setImmediate` callback (`nextWrite`) and
 * sets its socket to null when the socket closes, trusting `clearImmediate` to cancel a write
 * still queued. On the Edge Runtime's Deno (2.1) that write sometimes runs anyway, and reading
 * `null.write` inside a timer is an exception nobody can catch: measured here, every pgbouncer
 * or Postgres restart under load threw a few (porsager/postgres#1154 and #1208, still open;
 * denoland/deno#34667). This socket tells postgres.js of its close one immediate later, so a
 * write queued before the close runs first and meets a destroyed socket — an `error` event,
 * which postgres.js turns into the query's rejection — instead of null.
 */
import net from "node:net";
import { setImmediate } from "node:timers";

type Listener = (...args: unknown[]) => void;

/**
 * A `socket` option for postgres.js whose `close` event reaches postgres.js one immediate late.
 * The socket is handed over while it connects, as postgres.js's own is: writes wait for the
 * connection, a refused one is an `error` then a `close` (the query fails at once), and
 * postgres.js's `connect_timeout` covers the whole handshake.
 */
export function deferredCloseSocket() {
  return (options: { host: string[]; port: number[] }): net.Socket => {
    const socket = net.connect({ host: options.host[0], port: options.port[0] });
    socket.once("connect", () => socket.setNoDelay(true));
    const on = socket.on.bind(socket);
    socket.on = ((event: string, listener: Listener) =>
      on(
        event,
        event === "close"
          ? (...args: unknown[]) => setImmediate(() => listener(...args))
          : listener,
      )) as typeof socket.on;
    return socket;
  };
}
