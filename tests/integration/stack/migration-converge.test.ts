/**
 * The migrations converge: a database built from the consolidated migration as it was at
 * BASELINE (then brought up to date by pushing today's supabase/migrations onto it) has exactly
 * the schema of a fresh database built from today's files. This is what a rewrite of an already
 * applied migration (which `db push` never re-runs, it goes by file name) must preserve:
 * hosted projects keep the old file's result forever.
 *
 * Two throwaway databases in the stack's cluster, compared by `pg_dump --schema-only` (which
 * also covers policies, triggers and privileges). pg_cron can only live in database `postgres`,
 * so both skip their cron jobs with the same warning.
 */
import assert from "node:assert/strict";
import { env } from "../../helpers/client.ts";

/** The commit whose consolidated migration hosted projects were built from. */
const BASELINE = "4225dc0";
const CONSOLIDATED = "supabase/migrations/20250929_consolidated_schema.sql";

const root = new URL("../../..", import.meta.url).pathname;
const supabase = `${root}node_modules/.bin/supabase`;

interface Result {
  code: number;
  text: string;
  stdout: string;
}

async function run(cmd: string, args: string[], options: Deno.CommandOptions = {}) {
  const out = await new Deno.Command(cmd, { ...options, args, stdout: "piped", stderr: "piped" })
    .output();
  const stdout = new TextDecoder().decode(out.stdout);
  const result: Result = {
    code: out.code,
    stdout,
    text: stdout + new TextDecoder().decode(out.stderr),
  };
  return result;
}

async function must(cmd: string, args: string[], options: Deno.CommandOptions = {}) {
  const result = await run(cmd, args, options);
  assert.equal(result.code, 0, `${cmd} ${args.join(" ")} failed:\n${result.text}`);
  return result;
}

/** First difference of two texts with a few lines of context from each side. */
function diffExcerpt(a: string, b: string, context = 6): string {
  const x = a.split("\n");
  const y = b.split("\n");
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  const from = Math.max(0, i - context);
  const show = (lines: string[], sign: string) =>
    lines.slice(from, i + context).map((l, k) => `${sign}${from + k + 1}: ${l}`).join("\n");
  return `first difference at line ${i + 1} (${x.length} vs ${y.length} lines)\n` +
    `--- baseline + re-push\n${show(x, "-")}\n+++ fresh\n${show(y, "+")}`;
}

Deno.test("today's migrations converge with a database built from the baseline file", async () => {
  const url = new URL(env("DB_DIRECT_URL"));
  const server = { host: url.hostname, port: url.port || "5432" };
  const user = decodeURIComponent(url.username || "postgres");
  const password = decodeURIComponent(url.password || "postgres");
  const pgEnv = { PGPASSWORD: password };
  const dbUrl = (db: string) =>
    `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${server.host}:` +
    `${server.port}/${db}?sslmode=disable`;
  const conn = ["-h", server.host, "-p", server.port, "-U", user];
  const psql = (db: string, ...args: string[]) =>
    must("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", ...conn, "-d", db, ...args], { env: pgEnv });
  const push = (cwd: string, db: string) =>
    must(supabase, ["db", "push", "--yes", "--db-url", dbUrl(db)], { cwd });
  const dump = async (db: string) => {
    const args = ["--schema-only", "--no-owner", "--exclude-schema=supabase_migrations", ...conn];
    const out = await must("pg_dump", [...args, db], { env: pgEnv });
    // pg_dump >= 15.14 fences the script with a random \restrict key.
    return out.stdout.split("\n").filter((l) => !/^\\(un)?restrict /.test(l)).join("\n");
  };
  const recorded = "select version from supabase_migrations.schema_migrations order by version";
  const versions = async (db: string) => (await psql(db, "-At", "-c", recorded)).stdout.trim();

  const baseline = await run("git", ["show", `${BASELINE}:${CONSOLIDATED}`], { cwd: root });
  assert.equal(
    baseline.code,
    0,
    `git show ${BASELINE} failed (a shallow clone? the test needs that commit):\n${baseline.text}`,
  );

  const suffix = crypto.randomUUID().replaceAll("-", "").slice(0, 10);
  const oldDb = `converge_old_${suffix}`;
  const newDb = `converge_new_${suffix}`;
  const tmp = await Deno.makeTempDir({ prefix: "migration-converge-" });
  try {
    for (const db of [oldDb, newDb]) {
      await psql("postgres", "-c", `create database ${db}`);
      // Roles are cluster-wide and already exist; bootstrap.sql checks before creating them.
      await psql(db, "-f", `${root}scripts/stack/bootstrap.sql`);
    }

    // OLD: the baseline file alone, from a project folder holding only it ...
    await Deno.mkdir(`${tmp}/supabase/migrations`, { recursive: true });
    await Deno.copyFile(`${root}supabase/config.toml`, `${tmp}/supabase/config.toml`);
    await Deno.writeTextFile(`${tmp}/${CONSOLIDATED}`, baseline.stdout);
    await push(tmp, oldDb);
    // ... then today's migrations onto it: the rewritten consolidated file is not re-run.
    const repush = await push(root, oldDb);
    assert.doesNotMatch(repush.text, /Applying migration 20250929_/, repush.text);

    // NEW: today's migrations onto an empty database.
    await push(root, newDb);

    const [oldSchema, newSchema] = [await dump(oldDb), await dump(newDb)];
    assert.match(newSchema, /CREATE TABLE public\.payments /, "the dump holds the schema");
    assert.ok(oldSchema === newSchema, diffExcerpt(oldSchema, newSchema));
    assert.equal(await versions(oldDb), await versions(newDb), "same migrations recorded");

    // A second push onto NEW has nothing to do.
    const again = await push(root, newDb);
    assert.match(again.text, /up to date/, again.text);
    assert.doesNotMatch(again.text, /Applying migration/, again.text);
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    for (const db of [oldDb, newDb]) {
      const drop = `drop database if exists ${db} with (force)`;
      await run("psql", ["-X", "-q", ...conn, "-d", "postgres", "-c", drop], { env: pgEnv });
    }
  }
});
