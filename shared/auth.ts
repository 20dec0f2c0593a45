/**
 * Who is calling. Every function verifies the caller's JWT itself (a deployed function may run
 * with verify_jwt off), then routes declare which app roles may call them. Postgres checks again
 * through RLS: the verified claims are what `asUser` hands to the database.
 *
 * Keys: HS256 with `JWT_SECRET` (legacy / local), or the project's JWKS (`SUPABASE_JWKS` JSON, as
 * hosted projects provide, or `JWKS_URL`) for the asymmetric signing keys.
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import { LRUCache } from "lru-cache";
import { type AuthConfig, config } from "./config.ts";
import { forbidden, unauthorized, unavailable } from "./errors.ts";
import { log } from "./log.ts";

export const APP_ROLES = ["admin", "manager", "finance", "crew"] as const;
export type AppRole = typeof APP_ROLES[number];

/** The claims Postgres sees as `request.jwt.claims`. */
export interface Claims extends JWTPayload {
  role?: string;
  app_metadata?: { role?: string; [key: string]: unknown };
}

/**
 * Tokens besides JWTs that a route may take (`route({ token })`), by name: the configured secret
 * (unset: no such token is accepted). `metrics`: what a Prometheus scraper is configured with.
 */
export type MachineToken = "metrics";

const MACHINE_TOKENS = new Map<MachineToken, () => string | undefined>([
  ["metrics", () => config.metrics.token],
]);

/** A verified caller. `appRole` is null for the anon key and for users without an app role. */
export interface AuthUser {
  id: string | null;
  role: "anon" | "authenticated" | "service_role";
  appRole: AppRole | null;
  claims: Claims;
  /** Set when the caller sent a machine token rather than a JWT: only routes taking it admit it. */
  machine?: MachineToken;
}

type Verify = (token: string) => Promise<JWTPayload>;

/**
 * The verifier, built once from the config (which has already refused a missing or malformed
 * key at start-up): HS256 tokens against `JWT_SECRET`, asymmetric ones against the project's
 * JWKS (`SUPABASE_JWKS`, or fetched from `JWKS_URL`). Both kinds may be live at once while a
 * project rotates from the legacy secret to signing keys.
 */
function verifierOf(auth: AuthConfig): Verify {
  const secret = auth.jwtSecret ? new TextEncoder().encode(auth.jwtSecret) : undefined;
  const set = auth.jwks
    ? createLocalJWKSet(auth.jwks)
    : auth.jwksUrl
    ? createRemoteJWKSet(auth.jwksUrl)
    : undefined;
  const algorithms = [...(secret ? ["HS256"] : []), ...(set ? ["RS256", "ES256", "EdDSA"] : [])];
  return async (token) =>
    (await jwtVerify(token, async (header, jws) => {
      if (header.alg === "HS256") {
        if (secret) return secret;
      } else if (set) return await set(header, jws);
      throw new errors.JOSEAlgNotAllowed(`"${header.alg}" tokens are not accepted here`);
    }, { algorithms })).payload;
}

const verifyKey = verifierOf(config.auth);

// A token is verified once per isolate and then served from memory until it expires: the same
// client sends the same token on every call, and HMAC/ECDSA work is the largest fixed cost of a
// cached read.
const verified = new LRUCache<string, AuthUser>({ max: 10_000, ttl: 3_600_000 });

function toUser(payload: Claims): AuthUser {
  const role = payload.role === "service_role" || payload.role === "anon"
    ? payload.role
    : "authenticated";
  const appRole = payload.app_metadata?.role;
  return {
    id: typeof payload.sub === "string" ? payload.sub : null,
    role,
    appRole: role === "authenticated" && APP_ROLES.includes(appRole as AppRole)
      ? appRole as AppRole
      : null,
    claims: payload,
  };
}

const encoder = new TextEncoder();

/** Constant-time comparison, so a token cannot be guessed a byte at a time from timings. */
function sameToken(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** The machine token `token` is, if any (every configured one compared, in constant time). */
function machineTokenOf(token: string): MachineToken | undefined {
  let found: MachineToken | undefined;
  for (const [name, secret] of MACHINE_TOKENS) {
    const expected = secret();
    if (expected && sameToken(token, expected)) found = name;
  }
  return found;
}

const tokenOf = (authorization: string | null | undefined) =>
  authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];

/** The user of a token this isolate has verified and that has not expired; else undefined. */
export function knownUser(authorization: string | null | undefined): AuthUser | undefined {
  const token = tokenOf(authorization);
  return token ? verified.get(token) : undefined;
}

/** Verifies a bearer token; throws 401 on a missing, malformed, forged or expired one. */
export async function authenticate(authorization: string | undefined): Promise<AuthUser> {
  const token = tokenOf(authorization);
  if (!token) throw unauthorized();
  const known = verified.get(token);
  if (known) return known;
  const machine = machineTokenOf(token);
  if (machine) return { id: null, role: "anon", appRole: null, claims: {}, machine };
  let payload: Claims;
  try {
    payload = await verifyKey(token) as Claims;
  } catch (error) {
    // A token that fails verification is the caller's problem; anything else (the JWKS endpoint
    // unreachable) is ours, and must not pass for a bad token.
    if (error instanceof errors.JOSEError && !(error instanceof errors.JWKSTimeout)) {
      throw unauthorized("Invalid or expired access token");
    }
    log.error("jwt_keys_unavailable", { error: String(error) });
    throw unavailable("The token could not be checked; retry shortly", 1, error);
  }
  const user = toUser(payload);
  const ttlMs = typeof payload.exp === "number" ? payload.exp * 1000 - Date.now() : 60_000;
  if (ttlMs > 0) verified.set(token, user, { ttl: Math.min(ttlMs, 3_600_000) });
  return user;
}

/** Whether `user` is a signed-in user with one of `roles` (`assertRole` without the error). */
export function mayCall(user: AuthUser, roles: readonly AppRole[]): boolean {
  return user.role === "authenticated" && !!user.id && !!user.appRole &&
    roles.includes(user.appRole);
}

/** Throws 401 for callers without a user session and 403 for app roles not in `roles`. */
export function assertRole(user: AuthUser, roles: readonly AppRole[]): asserts user is AuthUser & {
  id: string;
  appRole: AppRole;
} {
  if (user.role !== "authenticated" || !user.id) throw unauthorized("A signed-in user is required");
  if (!user.appRole || !roles.includes(user.appRole)) {
    throw forbidden(`This action needs one of the roles: ${roles.join(", ")}`);
  }
}

/**
 * Whether `user` is a machine caller a route taking `accepted` admits (then no role applies);
 * false for JWT callers. A machine token on a route that does not take it is a 401, as a
 * missing JWT is.
 */
export function admitsMachine(user: AuthUser, accepted: MachineToken | undefined): boolean {
  if (!user.machine) return false;
  if (user.machine !== accepted) throw unauthorized("A signed-in user is required");
  return true;
}
