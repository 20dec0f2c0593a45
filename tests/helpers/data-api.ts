/**
 * Supabase's Data API door, as PostgREST runs a request (the local stack has no PostgREST): the
 * JWT is verified with the project's secret, the connection logs in as `authenticator`, and each
 * request is ONE transaction — `set_config('request.jwt.claims', <claims>, true)`, `set local role
 * <the token's role>`, the statement — committed, or rolled back for a probe. A role that is not
 * granted to `authenticator` cannot be assumed, exactly as on hosted Supabase.
 */
import postgres from "postgres";
import { jwtVerify } from "jose";
import { sqlLiteral } from "../../shared/db/tx.ts";
import { env } from "./client.ts";

/** What a statement sent through the door did. */
export type DoorResult =
  | { ok: true; rows: postgres.Row[]; count: number }
  | { ok: false; code: string; message: string };

export interface DataApi {
  /** Runs `statement` (plain SQL, no parameters) as the token's role; rolls back unless `commit`. */
  run(token: string, statement: string, options?: { commit?: boolean }): Promise<DoorResult>;
  end(): Promise<void>;
}

/** The token's verified claims (HS256, the stack's JWT secret), as PostgREST checks them. */
export async function verifiedClaims(token: string): Promise<Record<string, unknown>> {
  const { payload } = await jwtVerify(token, new TextEncoder().encode(env("JWT_SECRET")), {
    algorithms: ["HS256"],
  });
  return payload as Record<string, unknown>;
}

/** Opens `connections` logins as `authenticator` on the direct database port. */
export function openDataApi(connections = 1): DataApi {
  const url = new URL(env("DB_DIRECT_URL"));
  url.username = "authenticator";
  url.password = Deno.env.get("AUTHENTICATOR_PASSWORD") ?? "postgres";
  const sql = postgres(url.toString(), { max: connections, prepare: false, onnotice: () => {} });

  return {
    async run(token, statement, options = {}) {
      const claims = await verifiedClaims(token);
      const role = String(claims.role ?? "anon");
      const reserved = await sql.reserve();
      try {
        // One simple-protocol message, like PostgREST's transaction; the last result is the
        // statement's. An error aborts the rest of the message and leaves the transaction open.
        const results = await reserved.unsafe(
          `begin; select set_config('request.jwt.claims', ${
            sqlLiteral(JSON.stringify(claims))
          }, true); set local role "${role.replaceAll('"', '""')}"; ${statement}`,
        ) as unknown as postgres.RowList<postgres.Row[]>[];
        const last = results[results.length - 1];
        await reserved.unsafe(options.commit ? "commit" : "rollback");
        return { ok: true, rows: [...last], count: last.count ?? last.length };
      } catch (error) {
        await reserved.unsafe("rollback").catch(() => {});
        const e = error as { code?: string; message?: string };
        return { ok: false, code: e.code ?? "?", message: e.message ?? String(error) };
      } finally {
        reserved.release();
      }
    },
    end: () => sql.end(),
  };
}
