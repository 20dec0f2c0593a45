/**
 * A stack the bench measures, as the harness sees it: its env (from an env file or our own), a
 * probe on its database (pg_stat_statements on), the key files drawn from its seed, an admin
 * token for the requests, and where its Redis commands and database CPU are read (usage.ts).
 */
import { mintUserJwt } from "../../scripts/stack/keys.ts";
import { DbProbe } from "./dbprobe.ts";
import { type KeyFiles, writeKeyFiles } from "./keys.ts";
import { UsageProbe } from "./usage.ts";

// The seed's fixed admin (scripts/seed/demo-users.ts): sees every row, so reads fill and hit the
// shared cache entries — the path most traffic takes.
export const ADMIN_ID = "00000000-0000-4000-a000-000000000001";

/** The `NAME=value` lines of a stack's env file. */
export function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of Deno.readTextFileSync(path).split("\n")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]] = match[2];
  }
  return env;
}

export interface Stack {
  seed: string;
  env: Record<string, string>;
  probe: DbProbe;
  keys: KeyFiles;
  adminToken: string;
  usage: UsageProbe;
}

/** Opens the stack seeded with `seed`; its key files go under `workDir`/`seed`. */
export async function openStack(
  seed: string,
  workDir: string,
  envFile?: string,
): Promise<Stack> {
  const env = envFile ? readEnvFile(envFile) : Deno.env.toObject();
  for (const name of ["DB_DIRECT_URL", "DB_POOLER_URL", "JWT_SECRET", "UPSTASH_REDIS_REST_URL"]) {
    if (!env[name]) throw new Error(`${name} is not set (${envFile ?? "environment"})`);
  }
  const probe = new DbProbe(env.DB_DIRECT_URL);
  const [{ installed }] = await probe.sql`
    select /* bench-harness */ count(*)::int as installed from pg_extension
     where extname = 'pg_stat_statements'`;
  if (!installed) await probe.sql`create extension if not exists pg_stat_statements`;
  const keys = await writeKeyFiles(probe.sql, `${workDir}/${seed}`);
  if (keys.counts.projects === 0 || keys.counts.candidates === 0) {
    throw new Error(`the ${seed} stack has no seeded projects/candidates: run the seed first`);
  }
  const adminToken = await mintUserJwt(ADMIN_ID, "admin", {
    secret: env.JWT_SECRET,
    expiresIn: 6 * 3600,
  });
  const usage = await UsageProbe.open(probe, env);
  return { seed, env, probe, keys, adminToken, usage };
}

/**
 * Pauses a pg_cron job of `stack` and returns how to resume it. The xlarge stack's reporting
 * refresh (10 M payments) takes ~25 s of a core every five minutes: left on, it would run
 * beside every scenario of the stack being measured, on a machine with two cores.
 */
export async function pauseCronJob(stack: Stack, job: string): Promise<() => Promise<void>> {
  const paused = await stack.probe.sql`
    update /* bench-harness */ cron.job set active = false
     where jobname = ${job} and active returning jobid`;
  const ids = paused.map((r) => Number(r.jobid));
  return async () => {
    if (ids.length === 0) return;
    await stack.probe.sql`
      update /* bench-harness */ cron.job set active = true where jobid = any(${ids})`;
  };
}
