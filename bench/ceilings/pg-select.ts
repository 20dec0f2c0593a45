/**
 * Ceiling: the least work a DB-backed GET can do here — one `select ... where id = $1` through
 * pgbouncer (transaction mode) with postgres.js `prepare: false`, as the functions connect, but no
 * transaction, no RLS, no cache, no validation. GET /<anything>/<uuid> → the row as JSON.
 * Direct: `deno run -A bench/ceilings/pg-select.ts --port N` (env DB_POOLER_URL, DB_POOL_MAX);
 * behind the gateway through bench/functions/pgselect.
 */
import postgres from "postgres";
import { parseArgs } from "node:util";

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Builds the handler with one module-level pool (the functions' pool size by default). */
export function createPgSelectHandler(
  url = Deno.env.get("DB_POOLER_URL"),
  max = Number(Deno.env.get("DB_POOL_MAX") ?? 10),
): (request: Request) => Promise<Response> {
  if (!url) throw new Error("DB_POOLER_URL is not set");
  const sql = postgres(url, { max, prepare: false, onnotice: () => {} });
  return async (request) => {
    const id = UUID.exec(new URL(request.url).pathname)?.[0];
    if (!id) return Response.json({ error: "no id" }, { status: 400 });
    const rows = await sql`
      select id, title, status, start_date, end_date, crew_needed, budget, manager_id
        from public.projects where id = ${id}`;
    if (rows.length === 0) return Response.json({ error: "not found" }, { status: 404 });
    return Response.json(rows[0]);
  };
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { port: { type: "string" } } });
  Deno.serve(
    { hostname: "127.0.0.1", port: Number(values.port ?? 8001), onListen: () => {} },
    createPgSelectHandler(),
  );
}
