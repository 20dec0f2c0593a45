/**
 * A deploy dry run on the Edge Runtime's Deno: each function of supabase/config.toml resolves
 * from its entrypoint as `supabase functions deploy` bundles it — only `npm:`, `node:` and
 * relative imports (no `jsr:`, no remote URL, no file outside the repo), one copy of every npm
 * package — and serves correctly with no lockfile at all, as a deploy without one would resolve.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startGateway } from "../../../scripts/stack/gateway.ts";
import { loadFunctionConfigs, resolutionFlags } from "../../../scripts/stack/gateway-config.ts";
import { EDGE_DENO_ENV, edgeDeno } from "../../../scripts/stack/edge-runtime.ts";
import { tokenFor } from "../../helpers/client.ts";
import { configPath } from "./fixtures/gateway.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url)).replace(/\/$/, "");

interface Info {
  modules: {
    specifier: string;
    kind?: string;
    error?: string;
    dependencies?: {
      specifier: string;
      code?: { specifier: string };
      type?: { specifier: string };
    }[];
  }[];
  npmPackages: Record<string, { name: string; version: string }>;
}

/** `deno info --json` of `entrypoint` on the runtime's Deno, resolved with no lockfile. */
async function graph(flags: string[], entrypoint: string): Promise<Info> {
  const { code, stdout, stderr } = await new Deno.Command(edgeDeno(), {
    args: ["info", "--json", "--no-lock", ...flags, entrypoint],
    env: EDGE_DENO_ENV,
    cwd: ROOT,
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}

const functions = (await loadFunctionConfigs(`${ROOT}/supabase/config.toml`))
  .filter((fn) => fn.enabled);

Deno.test("every function of config.toml is listed with an entrypoint in functions/", () => {
  assert.deepEqual(
    functions.map((fn) => fn.name).sort(),
    ["candidates", "claims", "jobs", "ops", "payments", "projects"],
  );
});

for (const fn of functions) {
  Deno.test(`deploy dry run: ${fn.name} resolves from its entrypoint with npm: and relative imports only`, async () => {
    const info = await graph(resolutionFlags(fn), fn.entrypoint);
    const problems: string[] = [];
    for (const module of info.modules) {
      if (module.error) problems.push(`${module.specifier}: ${module.error}`);
      const { specifier } = module;
      if (specifier.startsWith("file://")) {
        const path = fileURLToPath(specifier);
        if (!path.startsWith(`${ROOT}/functions/`) && !path.startsWith(`${ROOT}/shared/`)) {
          problems.push(`${specifier}: outside functions/ and shared/`);
        }
      } else if (!/^(npm|node):/.test(specifier) && module.kind !== "npm") {
        problems.push(`${specifier}: neither npm: nor a file of the repo`);
      }
      for (const dependency of module.dependencies ?? []) {
        // What the source says: relative, npm:/node:, or a bare name the import map sends to npm.
        const raw = dependency.specifier;
        // A type-only import has `type` in place of `code`.
        const resolved = dependency.code?.specifier ?? dependency.type?.specifier ?? "";
        const fine = /^\.\.?\//.test(raw) || /^(npm|node):/.test(raw) ||
          (/^[@a-z]/.test(raw) && resolved.startsWith("npm:"));
        if (!fine) problems.push(`${module.specifier} imports ${raw} (→ ${resolved})`);
      }
    }
    assert.deepEqual(problems, []);

    // One copy of every package: two versions of one (hono, say) break instanceof and the
    // router's internals (a 500 on every request).
    const versions = new Map<string, Set<string>>();
    for (const { name, version } of Object.values(info.npmPackages)) {
      versions.set(name, (versions.get(name) ?? new Set()).add(version));
    }
    const twice = [...versions].filter(([, set]) => set.size > 1)
      .map(([name, set]) => `${name}: ${[...set].join(", ")}`);
    assert.deepEqual(twice, []);
    assert.ok(versions.has("hono") && versions.has("postgres"), "the graph reached npm");
  });
}

Deno.test("with no lockfile, the functions still serve (one Hono, resolved afresh)", async () => {
  const gateway = await startGateway({
    configPath: configPath("projects.toml"),
    port: 0,
    recycling: { wallClockS: 0, idleS: 0 },
    env: { ...Deno.env.toObject(), LOG_REQUESTS: "0", EDGE_LOCK: "off" },
    log: () => {},
  });
  try {
    const headers = { authorization: `Bearer ${await tokenFor("admin")}` };
    const list = await fetch(`${gateway.url}/functions/v1/projects?limit=1`, { headers });
    assert.equal(list.status, 200);
    assert.equal((await list.json()).data.length, 1);
    // The error path too: it reads the matched route (the symptom of two Hono copies).
    const missing = await fetch(`${gateway.url}/functions/v1/projects/${crypto.randomUUID()}`, {
      headers,
    });
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, "not_found");
  } finally {
    await gateway.close();
  }
});
