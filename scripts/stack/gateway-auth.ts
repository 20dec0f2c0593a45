/**
 * The gateway's `verify_jwt` check, as hosted Supabase does it before a function runs: HS256 with
 * the project's JWT secret, or the asymmetric signing keys of a JWKS when one is configured.
 * Verified tokens are remembered (bounded LRU, until their `exp`) so a client repeating its token,
 * which is every client, costs no signature check per request.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTVerifyGetKey,
} from "jose";
import { LRUCache } from "lru-cache";
import { AppError, unauthorized } from "../../shared/errors.ts";

export interface JwtVerifierOptions {
  /** HS256 secret (the legacy JWT secret that signs the anon and service_role keys). */
  secret: string;
  /** A JWKS JSON document, as in `SUPABASE_JWKS`. */
  jwks?: string;
  /** Where to fetch a JWKS from, if not given inline. */
  jwksUrl?: string;
  /** How many verified tokens to remember. */
  cacheSize?: number;
}

/** Checks an `Authorization` header value; resolves when valid, rejects with a 401 `AppError`. */
export type JwtVerifier = (authorization: string | null) => Promise<void>;

/** Builds the verifier once; per-request work is a cache lookup for a known token. */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const secret = new TextEncoder().encode(options.secret);
  const jwks: JWTVerifyGetKey | undefined = options.jwks
    ? createLocalJWKSet(JSON.parse(options.jwks))
    : options.jwksUrl
    ? createRemoteJWKSet(new URL(options.jwksUrl))
    : undefined;
  // Token -> expiry in ms; tokens without `exp` never expire by themselves.
  const verified = new LRUCache<string, number>({ max: options.cacheSize ?? 10_000 });

  return async (authorization) => {
    if (!authorization) throw unauthorized("Missing authorization header");
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) throw unauthorized("Authorization header must be 'Bearer <token>'");
    const token = match[1];

    const expiresAt = verified.get(token);
    if (expiresAt !== undefined) {
      if (expiresAt > Date.now()) return;
      verified.delete(token);
    }

    try {
      const alg = decodeProtectedHeader(token).alg;
      const key = alg === "HS256" ? secret : jwks;
      if (!key) throw unauthorized(`Unsupported JWT algorithm ${alg ?? "(none)"}`);
      const { payload } = typeof key === "function"
        ? await jwtVerify(token, key)
        : await jwtVerify(token, key, { algorithms: ["HS256"] });
      verified.set(token, payload.exp === undefined ? Infinity : payload.exp * 1000);
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (error instanceof errors.JWTExpired) throw unauthorized("JWT has expired");
      throw unauthorized("Invalid JWT");
    }
  };
}
