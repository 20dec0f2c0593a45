/**
 * The caller as services see it: a signed-in user with an app role, and the claims `asUser`
 * hands to Postgres. Routes build it after `route({ roles })` has refused anyone else.
 */
import type { AppRole, AuthUser } from "./auth.ts";
import { AppError } from "./errors.ts";
import type { Claims } from "./db.ts";

export interface Caller {
  id: string;
  appRole: AppRole;
  /** The verified JWT claims with `role: "authenticated"` (what `asUser` assumes). */
  claims: Claims;
}

/** Narrows a verified user to a `Caller`; anything else reaching a service is a programming error. */
export function toCaller(user: AuthUser): Caller {
  if (!user.id || !user.appRole || user.role !== "authenticated") {
    throw new AppError(500, "internal_error", "toCaller needs an authenticated user");
  }
  return { id: user.id, appRole: user.appRole, claims: { ...user.claims, role: "authenticated" } };
}

/**
 * The rights a caller's database reads run under, for single-flight (`getOrSet`'s `scope`):
 * admin and finance each see everything their role sees, so one load serves every caller of
 * the role; managers and crew see rows tied to them, so their loads are theirs alone.
 */
export function loaderScope(caller: { appRole: AppRole | null; id: string | null }): string {
  return caller.appRole === "admin" || caller.appRole === "finance"
    ? caller.appRole
    : `${caller.appRole}:${caller.id}`;
}
