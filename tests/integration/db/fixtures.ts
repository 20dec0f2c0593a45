/**
 * Shared setup for the tests/integration/db/*.test.ts files: URLs from the test runner's env, a direct
 * admin connection for DDL, and a TCP proxy that counts round trips. Each test file owns its own
 * tables in schema `dbtest`, so the files do not depend on the app's migrations or on each other.
 */
import postgres from "postgres";
import { createDb, type Db, type DbOptions } from "../../../shared/db/index.ts";

/** The pooler URL the functions use (pgbouncer, transaction mode). */
export function poolerUrl(): string {
  const url = Deno.env.get("DB_POOLER_URL");
  if (!url) throw new Error("DB_POOLER_URL is not set: run the tests through scripts/test.sh");
  return url;
}

/** The direct Postgres URL, for DDL and inspection only. */
export function directUrl(): string {
  const url = Deno.env.get("DB_DIRECT_URL");
  if (!url) throw new Error("DB_DIRECT_URL is not set: run the tests through scripts/test.sh");
  return url;
}

/** A pool through pgbouncer with test-sized defaults. */
export function testDb(options: Partial<DbOptions> = {}): Db {
  return createDb({ url: poolerUrl(), min: 1, max: 4, ...options });
}

/** Runs `work` on a short-lived direct connection as the superuser, then closes it. */
export async function withAdmin<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(directUrl(), { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Creates schema `dbtest` (once, race-free when test files run in parallel) and runs `ddl` in the
 * same transaction. The API roles get usage on the schema; grants on tables are up to `ddl`.
 */
export function setupSchema(ddl: string): Promise<void> {
  return withAdmin(async (sql) => {
    await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('dbtest schema'))`;
      await tx.unsafe(`
        create schema if not exists dbtest;
        grant usage on schema dbtest to anon, authenticated, service_role;
        ${ddl}`);
    });
  });
}

/**
 * A TCP proxy in front of `target` that counts client turns: each time the client sends after the
 * server last spoke is one round trip (pipelined messages in one turn count once).
 */
export function roundTripProxy(
  target: string,
): { url: string; turns: () => number; close: () => void } {
  const to = new URL(target);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  let turns = 0;
  const pump = async (from: Deno.Conn, into: Deno.Conn, onData: () => void) => {
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await from.read(buf);
        if (n === null) break;
        onData();
        for (let at = 0; at < n;) at += await into.write(buf.subarray(at, n));
      }
    } catch {
      // A closed peer ends the pump; the other direction notices on its own.
    }
    try {
      into.close();
    } catch {
      // Already closed.
    }
  };
  (async () => {
    for await (const client of listener) {
      const server = await Deno.connect({ hostname: to.hostname, port: Number(to.port) });
      conns.push(client, server);
      let serverSpokeLast = true;
      pump(client, server, () => {
        if (serverSpokeLast) turns++;
        serverSpokeLast = false;
      });
      pump(server, client, () => serverSpokeLast = true);
    }
  })().catch(() => undefined);
  const url = new URL(target);
  url.hostname = "127.0.0.1";
  url.port = String((listener.addr as Deno.NetAddr).port);
  return {
    url: url.toString(),
    turns: () => turns,
    close: () => {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // Already closed by the pump.
        }
      }
    },
  };
}

/** Random uuid for per-test identities. */
export const uuid = (): string => crypto.randomUUID();
