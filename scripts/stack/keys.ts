/**
 * Local JWT keys, shaped like the ones `supabase start` prints: an anon key, a service_role key,
 * and user tokens carrying `sub`, `role` and `app_metadata.role` (admin, manager, finance, crew).
 *
 * CLI: `deno run -A scripts/stack/keys.ts env` prints `SUPABASE_ANON_KEY=...` and
 * `SUPABASE_SERVICE_ROLE_KEY=...` for the secret in `JWT_SECRET`.
 */
import { SignJWT } from "jose";

/** Supabase's local default; override with `JWT_SECRET` (at least 32 characters). */
export const DEFAULT_JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";

export interface MintOptions {
  secret?: string;
  /** Postgres role the token asks for: `anon`, `authenticated` or `service_role`. */
  role?: string;
  /** The user id (`auth.uid()`). */
  sub?: string;
  /** The app role in `app_metadata.role`: admin, manager, finance, crew. */
  appRole?: string;
  email?: string;
  /** Lifetime in seconds; negative values mint an already expired token. */
  expiresIn?: number;
  /** Extra claims merged in last. */
  claims?: Record<string, unknown>;
}

/** Signs an HS256 JWT the way Supabase Auth would for these claims. */
export async function mintJwt(options: MintOptions = {}): Promise<string> {
  const secret = options.secret ?? Deno.env.get("JWT_SECRET") ?? DEFAULT_JWT_SECRET;
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: "supabase-demo",
    role: options.role ?? "authenticated",
    ...(options.sub ? { sub: options.sub, aud: "authenticated" } : {}),
    ...(options.email ? { email: options.email } : {}),
    ...(options.appRole ? { app_metadata: { role: options.appRole } } : {}),
    ...options.claims,
  };
  return await new SignJWT(payload)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .sign(new TextEncoder().encode(secret));
}

/** A user token for tests and demos. */
export function mintUserJwt(
  sub: string,
  appRole: string,
  options: Omit<MintOptions, "sub" | "appRole"> = {},
): Promise<string> {
  return mintJwt({ ...options, sub, appRole, role: "authenticated" });
}

if (import.meta.main) {
  const [command] = Deno.args;
  if (command !== "env") {
    console.error("usage: keys.ts env");
    Deno.exit(2);
  }
  // Ten years, like the keys `supabase start` prints: they identify the project, not a user.
  const tenYears = 10 * 365 * 24 * 3600;
  console.log(`SUPABASE_ANON_KEY=${await mintJwt({ role: "anon", expiresIn: tenYears })}`);
  console.log(
    `SUPABASE_SERVICE_ROLE_KEY=${await mintJwt({ role: "service_role", expiresIn: tenYears })}`,
  );
}
