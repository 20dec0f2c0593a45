/**
 * The real supabase/config.toml: the functions it names exist, the four API functions demand a
 * JWT, and the Supabase CLI itself parses the file (no Docker or network needed for that).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "smol-toml";
import { loadFunctionConfigs } from "../../../scripts/stack/gateway-config.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CONFIG = join(ROOT, "supabase", "config.toml");
const SUPABASE_CLI = join(ROOT, "node_modules", ".bin", "supabase");
const API_FUNCTIONS = ["projects", "candidates", "payments", "claims", "jobs"];
// The keys the CLI documents for [functions.NAME]; it ignores unknown ones, so a typo such as
// `verify_jwtt` would silently fall back to the default.
const FUNCTION_KEYS = new Set([
  "enabled",
  "verify_jwt",
  "import_map",
  "entrypoint",
  "static_files",
]);

type Table = Record<string, unknown>;

function functionTables(): Record<string, Table> {
  const document = parse(Deno.readTextFileSync(CONFIG)) as Table;
  return (document.functions ?? {}) as Record<string, Table>;
}

/**
 * `supabase seed buckets --local` loads and schema-checks config.toml, then has nothing to do
 * when no storage buckets are configured, so it runs without Docker or network.
 */
async function cliParses(config: string): Promise<{ ok: boolean; output: string }> {
  const workdir = await Deno.makeTempDir({ prefix: "config-toml-" });
  try {
    await Deno.mkdir(join(workdir, "supabase"));
    await Deno.writeTextFile(join(workdir, "supabase", "config.toml"), config);
    const { code, stdout, stderr } = await new Deno.Command(SUPABASE_CLI, {
      args: ["--workdir", workdir, "seed", "buckets", "--local"],
      cwd: workdir,
      // The CLI reads SUPABASE_* variables as config overrides: keep the stack's env out of it.
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "",
        HOME: Deno.env.get("HOME") ?? workdir,
        DOCKER_HOST: "unix:///nonexistent/docker.sock",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return { ok: code === 0, output: decoder.decode(stdout) + decoder.decode(stderr) };
  } finally {
    await Deno.remove(workdir, { recursive: true });
  }
}

Deno.test("config.toml names the project and the local ports", () => {
  const document = parse(Deno.readTextFileSync(CONFIG)) as Table;
  assert.equal(document.project_id, "crew-backend");
  assert.equal((document.api as Table).port, 54321);
  assert.equal((document.db as Table).port, 54322);
});

Deno.test("the four API functions are enabled and verify JWTs", () => {
  const tables = functionTables();
  for (const name of API_FUNCTIONS) {
    const table = tables[name];
    assert.ok(table, `[functions.${name}] is missing`);
    assert.equal(table.verify_jwt, true, `${name}: verify_jwt must be spelled out as true`);
    assert.equal(table.enabled, true, `${name}: enabled`);
    assert.equal(table.entrypoint, `../functions/${name}/index.ts`);
    assert.equal(table.import_map, "../import_map.json");
  }
});

Deno.test("every [functions.NAME] uses known keys and points at files that exist", async () => {
  for (const [name, table] of Object.entries(functionTables())) {
    for (const key of Object.keys(table)) {
      assert.ok(FUNCTION_KEYS.has(key), `[functions.${name}] has unknown key ${key}`);
    }
  }
  const configs = await loadFunctionConfigs(CONFIG);
  assert.ok(configs.length >= API_FUNCTIONS.length);
  for (const fn of configs) {
    assert.ok(existsSync(fn.entrypoint), `${fn.name}: entrypoint ${fn.entrypoint} does not exist`);
    if (fn.importMap) {
      assert.ok(existsSync(fn.importMap), `${fn.name}: import_map ${fn.importMap} does not exist`);
    }
  }
  // Relative paths must be read from supabase/, as the CLI reads them.
  const projects = configs.find((fn) => fn.name === "projects");
  assert.equal(projects?.importMap, resolve(dirname(CONFIG), "../import_map.json"));
});

Deno.test("the Supabase CLI accepts config.toml and rejects a broken copy", async () => {
  const original = await Deno.readTextFile(CONFIG);
  const accepted = await cliParses(original);
  assert.ok(accepted.ok, `supabase CLI rejected config.toml:\n${accepted.output}`);

  // The same command must fail on a type error and on a syntax error, or the check above proves
  // nothing.
  const wrongType = original.replace(
    /(\[functions\.projects\][^[]*?)verify_jwt = true/,
    '$1verify_jwt = "yes"',
  );
  assert.notEqual(wrongType, original);
  const typeError = await cliParses(wrongType);
  assert.equal(typeError.ok, false);
  assert.match(typeError.output, /failed to parse supabase\/config\.toml/);
  assert.match(typeError.output, /verify_jwt/);

  const syntaxError = await cliParses(`${original}\n[functions.broken\n`);
  assert.equal(syntaxError.ok, false);
  assert.match(syntaxError.output, /Invalid TOML document/);
});
