/** A fixed login the seed creates in auth.users, for tests, docs and demos. */
export interface DemoUser {
  readonly id: string;
  readonly email: string;
  /** The app role carried in raw_app_meta_data.role (and so in the JWT's app_metadata). */
  readonly role: "admin" | "manager" | "finance" | "crew";
}

/**
 * The seed's demo users, with ids fixed forever so tests can mint JWTs for them.
 * manager manages several seeded projects, manager2 others; crew and crew2 are linked to
 * seeded candidates that have assignments, payments and claims.
 */
export const DEMO_USERS = {
  admin: { id: "00000000-0000-4000-a000-000000000001", email: "admin@crew.local", role: "admin" },
  manager: {
    id: "00000000-0000-4000-a000-000000000002",
    email: "manager@crew.local",
    role: "manager",
  },
  finance: {
    id: "00000000-0000-4000-a000-000000000003",
    email: "finance@crew.local",
    role: "finance",
  },
  crew: { id: "00000000-0000-4000-a000-000000000004", email: "crew@crew.local", role: "crew" },
  manager2: {
    id: "00000000-0000-4000-a000-000000000005",
    email: "manager2@crew.local",
    role: "manager",
  },
  crew2: { id: "00000000-0000-4000-a000-000000000006", email: "crew2@crew.local", role: "crew" },
} as const satisfies Record<string, DemoUser>;

/** Name of a demo user: admin, manager, finance, crew, manager2, crew2. */
export type DemoUserName = keyof typeof DEMO_USERS;
