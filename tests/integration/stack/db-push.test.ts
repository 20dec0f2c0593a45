/**
 * `supabase db push --db-url` against the running stack's Postgres: the stack applied the
 * migrations on `up`, so a second push must apply nothing and record nothing new.
 */
import assert from "node:assert/strict";
import { closeDb, db, env } from "../../helpers/client.ts";

const supabase = new URL("../../../node_modules/.bin/supabase", import.meta.url).pathname;
const root = new URL("../../..", import.meta.url).pathname;

Deno.test("a second `supabase db push` applies nothing", async () => {
  const recorded = () =>
    db()`select count(*)::int as n from supabase_migrations.schema_migrations`.then((r) => r[0].n);
  const before = await recorded();
  assert.ok(before >= 1, "the stack's push recorded the consolidated migration");
  const dbUrl = env("DB_DIRECT_URL").replace(/^postgres:/, "postgresql:") + "?sslmode=disable";
  const out = await new Deno.Command(supabase, {
    args: ["db", "push", "--yes", "--db-url", dbUrl],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  // The CLI calls a 127.0.0.1 database "local", a hosted one "remote".
  assert.match(text, /database is up to date/);
  assert.doesNotMatch(text, /Applying migration/);
  assert.equal(await recorded(), before, "no new migration version recorded");
  await closeDb();
});
