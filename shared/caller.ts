/**
 * The caller as services see it: a signed-in user with an app role, and the claims `asUser`
 * hands to Postgres. `handle()` builds it after `route({ roles })` has refused anyone else.
 */
import type { AppRole, AuthUser } from "./auth.ts";
import { AppError } from "./errors.ts";
import type { Claims } from "./db/index.ts";

export interface Caller {
  id: string;
  appRole: AppRole;
  /** The verified JWT claims with `role: "authenticated"` (what `asUser` assumes). */
  claims: Claims;
}

/** Narrows a verified user to a `Caller`; anything else reaching a service is a programming error. */
export function toCaller(user: AuthUser): Caller {
  if (!user.id || !user.appRole || user.role !== "authenticated") {
    throw new AppError("internal_error", "toCaller needs an authenticated user");
  }
  return { id: user.id, appRole: user.appRole, claims: { ...user.claims, role: "authenticated" } };
}

/**
 * Admin and finance see every row of projects, payments and claims (the RLS policies say so),
 * so they may share cached answers and, where RLS would block an index, take the service path.
 */
export function seesEverything(caller: Pick<Caller, "appRole">): boolean {
  return caller.appRole === "admin" || caller.appRole === "finance";
}
