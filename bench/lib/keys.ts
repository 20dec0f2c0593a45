/**
 * Key files for the wrk scripts, drawn from the seeded database. Rank order is md5(id): stable
 * from run to run on the same seed and unrelated to creation order, so the Zipf-hot keys are an
 * arbitrary sample rather than, say, the newest projects.
 */
import type postgres from "postgres";

export interface KeyFiles {
  /** Live project ids. */
  projects: string;
  /** Candidate ids. */
  candidates: string;
  /** `project_id,candidate_id` of assignments (payments need a real pair). */
  assignments: string;
  /** Query strings of filtered project lists (status × month window). */
  projectLists: string;
  counts: Record<string, number>;
}

const LIMIT = 200_000;

/** Writes the key files into `dir` and returns their paths and sizes. */
export async function writeKeyFiles(sql: postgres.Sql, dir: string): Promise<KeyFiles> {
  await Deno.mkdir(dir, { recursive: true });
  const projects = await sql`
    select /* bench-harness */ id from public.projects where deleted_at is null
     order by md5(id::text) limit ${LIMIT}`;
  const candidates = await sql`
    select /* bench-harness */ id from public.candidates order by md5(id::text) limit ${LIMIT}`;
  const assignments = await sql`
    select /* bench-harness */ s.project_id, s.candidate_id from public.project_staff s
      join public.projects p on p.id = s.project_id and p.deleted_at is null
     order by md5(s.id::text) limit 20000`;
  const statuses = ["active", "planning", "completed", "cancelled"];
  const lists: string[] = [];
  const today = new Date();
  for (let m = 0; m < 24; m++) {
    const from = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - m, 1));
    const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 0));
    for (const status of statuses) {
      lists.push(`status=${status}&from=${iso(from)}&to=${iso(to)}&limit=20`);
    }
  }
  const files: KeyFiles = {
    projects: `${dir}/projects.txt`,
    candidates: `${dir}/candidates.txt`,
    assignments: `${dir}/assignments.txt`,
    projectLists: `${dir}/project-lists.txt`,
    counts: {
      projects: projects.length,
      candidates: candidates.length,
      assignments: assignments.length,
      projectLists: lists.length,
    },
  };
  await Deno.writeTextFile(files.projects, projects.map((r) => r.id).join("\n") + "\n");
  await Deno.writeTextFile(files.candidates, candidates.map((r) => r.id).join("\n") + "\n");
  await Deno.writeTextFile(
    files.assignments,
    assignments.map((r) => `${r.project_id},${r.candidate_id}`).join("\n") + "\n",
  );
  await Deno.writeTextFile(files.projectLists, lists.join("\n") + "\n");
  return files;
}

/**
 * Submitted claims not yet decided, for one mix run: each is approved at most once, and a fresh
 * file per run skips the ones earlier runs approved.
 */
export async function writeClaimKeys(sql: postgres.Sql, path: string, limit: number) {
  const rows = await sql`
    select /* bench-harness */ id from public.expense_claims where status = 'submitted'
     order by md5(id::text) limit ${limit}`;
  await Deno.writeTextFile(path, rows.map((r) => r.id).join("\n") + "\n");
  return rows.length;
}

function iso(date: Date): string {
  return date.toISOString().slice(0, 10);
}
