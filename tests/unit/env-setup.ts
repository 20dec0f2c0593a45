/**
 * The unit tier runs without the stack (`deno test -A tests/unit`): modules that read the
 * config at import need a database URL and a token key, so give them harmless ones unless the
 * test runner set real ones. Imported first by every unit test that loads the app.
 */
// No imports: a module with dependencies might be evaluated after its siblings.
const defaults: Record<string, string> = {
  // Nothing listens on port 1: a unit test that touched the database would fail loudly.
  DB_POOLER_URL: "postgres://postgres:postgres@127.0.0.1:1/postgres",
  // Supabase's local default (scripts/stack/keys.ts), so locally minted tokens verify.
  JWT_SECRET: "super-secret-jwt-token-with-at-least-32-characters-long",
  LOG_REQUESTS: "0",
};
for (const [name, value] of Object.entries(defaults)) {
  if (!Deno.env.get(name)) Deno.env.set(name, value);
}
