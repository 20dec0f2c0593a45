/**
 * The client's types are what the functions serve: client/types/<fn>.gen.ts regenerated in
 * memory from each app's OpenAPI document (in-process, no stack) must equal the committed file,
 * and every route of the documents has a client method (less those the client README lists as
 * left out on purpose).
 */
import "./env-setup.ts";
import assert from "node:assert/strict";
import { CLIENT_FUNCTIONS, generateAll, servedDocument } from "../../scripts/client-types.ts";
import { createCrewClient } from "../../client/index.ts";

const root = new URL("../../", import.meta.url);

Deno.test("client types: the committed files are what the served documents generate", async () => {
  const generated = await generateAll();
  assert.equal(generated.size, CLIENT_FUNCTIONS.length);
  for (const [path, text] of generated) {
    const committed = await Deno.readTextFile(new URL(path, root)).catch(() => "(missing)");
    assert.ok(
      committed === text,
      `${path} differs from what the functions serve: regenerate with ` +
        "`deno run -A scripts/client-types.ts` and commit the result",
    );
  }
});

/** Served but deliberately not in the services (client/README.md says why). */
const LEFT_OUT = new Set([
  ...CLIENT_FUNCTIONS.map((name) => `GET /${name}/stats`),
  "POST /jobs/run",
]);

Deno.test("client: every route of the OpenAPI documents has a method", async () => {
  const served: string[] = [];
  for (const name of CLIENT_FUNCTIONS) {
    const doc = await servedDocument(name);
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const method of Object.keys(item ?? {})) served.push(`${method.toUpperCase()} ${path}`);
    }
  }
  const crew = createCrewClient({
    functions: { invoke: () => Promise.reject(new Error("not called")) },
  });
  const offered = new Set(crew.routes);
  assert.equal(offered.size, crew.routes.length, "no route bound twice");
  assert.deepEqual(served.filter((r) => !offered.has(r) && !LEFT_OUT.has(r)), [], "no method");
  assert.deepEqual(crew.routes.filter((r) => !served.includes(r)), [], "not served");
  assert.deepEqual([...LEFT_OUT].filter((r) => !served.includes(r)), [], "left out, not served");
});
