/**
 * What the fault suite's load and stale-read probe work on, drawn from the seeded database:
 * tokens, the projects the load reads and patches, the probe's own project, candidates, and
 * assignments for payments and claims.
 */
import type postgres from "postgres";
import { mintUserJwt } from "../../scripts/stack/keys.ts";
import { DEMO_USERS } from "../../scripts/seed/demo-users.ts";
import type { Fixtures } from "./load.ts";

/** The load's fixtures plus the project only the stale-read probe touches. */
export type ProbeFixtures = Fixtures & { probeId: string };

/** Reads the fixtures; `base` is the gateway's functions URL the load calls. */
export async function fixtures(direct: postgres.Sql, base: string): Promise<ProbeFixtures> {
  const pairs = await direct<{ project_id: string; candidate_id: string }[]>`
    select s.project_id, s.candidate_id from public.project_staff s
      join public.projects p on p.id = s.project_id
     where p.deleted_at is null and p.status <> 'cancelled'
     order by s.id limit 20`;
  // Reads go to projects no write of the load touches (payments and claims drop their
  // project's cached detail): "cached reads answer during a database fault" is about entries
  // that are in the cache.
  const written = [...new Set(pairs.map((p) => p.project_id))];
  const projects = await direct<{ id: string }[]>`
    select id from public.projects
     where deleted_at is null and status <> 'cancelled' and id <> all(${written}::uuid[])
     order by id limit 31`;
  const candidates = await direct<{ id: string }[]>`
    select id from public.candidates order by id limit 50`;
  if (projects.length < 31 || pairs.length < 5) throw new Error("seed the stack first");
  const ids = projects.map((p) => p.id);
  return {
    base,
    tokens: {
      admin: await mintUserJwt(DEMO_USERS.admin.id, "admin"),
      finance: await mintUserJwt(DEMO_USERS.finance.id, "finance"),
    },
    readIds: ids.slice(0, 20),
    patchIds: ids.slice(20, 30),
    probeId: ids[30],
    candidateIds: candidates.map((c) => c.id),
    pairs,
  };
}
