/**
 * The publishable client works outside Deno: scripts/client-build.ts compiles it into a package
 * laid out as npm would install it (`node_modules/@crew/client`), a consumer written against
 * the published `.d.ts` type-checks under Node's module resolution, and runs under Node with a
 * fake supabase-like invoker. Needs `node` on PATH (the machine has Node 20); no network.
 */
import assert from "node:assert/strict";
import ts from "typescript";
import { buildClient } from "../../scripts/client-build.ts";

const root = new URL("../../", import.meta.url).pathname;

const hasNode = await new Deno.Command("node", { args: ["--version"], stdout: "null" })
  .output().then((o) => o.success, () => false);

/** A consumer of the package as an app would write it (TypeScript, Node ESM). */
const CONSUMER = `
import { createCrewClient, CrewApiError, type FunctionsInvoker, type Project } from "@crew/client";

const calls: string[] = [];
const invoker: FunctionsInvoker = {
  functions: {
    async invoke(name, options) {
      calls.push(options.method + " " + name + " " + (options.headers?.["idempotency-key"] ?? ""));
      if (name.startsWith("projects?")) {
        return { data: { data: [{ id: "p1" }], next_cursor: null }, error: null };
      }
      if (name === "payments") {
        return {
          data: { id: "pay-1" },
          error: null,
          response: new Response(null, { status: 201, headers: { "idempotent-replayed": "true" } }),
        };
      }
      const response = new Response(
        JSON.stringify({ error: { code: "not_found", message: "Project not found" }, request_id: "r1" }),
        { status: 404, headers: { "content-type": "application/json" } },
      );
      return { data: null, error: { name: "FunctionsHttpError", context: response }, response };
    },
  },
};

const crew = createCrewClient(invoker);
const ids: string[] = [];
for await (const project of crew.projects.listAll({ status: "active" })) {
  const typed: Project["id"] = project.id;
  ids.push(typed);
}
const created = await crew.payments.create({
  project_id: "p1", candidate_id: "c1", amount: "1.00", payment_date: "2026-11-26",
});
let notFound: CrewApiError | undefined;
try {
  await crew.projects.getById("nope");
} catch (e) {
  if (e instanceof CrewApiError) notFound = e;
}
console.log(JSON.stringify({
  ids,
  replayed: created.replayed,
  keyed: calls[1] === "POST payments " + created.idempotencyKey,
  error: notFound && [notFound.status, notFound.code, notFound.requestId],
  routes: crew.routes.includes("GET /projects/{id}") && crew.routes.length > 50,
}));
`;

Deno.test({
  name: "client package: builds, type-checks as a Node consumer, runs under Node",
  ignore: !hasNode,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "crew-client-" });
    try {
      const pkg = `${dir}/node_modules/@crew/client`;
      const built = await buildClient(`${pkg}/dist`);
      assert.ok(built.some((f) => f.endsWith("/dist/index.js")), "index.js");
      assert.ok(built.some((f) => f.endsWith("/dist/index.d.ts")), "index.d.ts");
      await Deno.copyFile(`${root}client/package.json`, `${pkg}/package.json`);
      for (const file of built.filter((f) => f.endsWith(".js") || f.endsWith(".d.ts"))) {
        const text = await Deno.readTextFile(file);
        assert.doesNotMatch(text, /from "\.\.?\/[^"]+\.ts"/, `${file}: a .ts import left`);
        assert.doesNotMatch(text, /\bDeno\.\w/, `${file}: a Deno API`);
      }
      await Deno.writeTextFile(`${dir}/package.json`, '{ "type": "module" }');
      await Deno.writeTextFile(`${dir}/app.ts`, CONSUMER);

      const program = ts.createProgram([`${dir}/app.ts`], {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
        types: [],
        strict: true,
        // The package's own .d.ts are checked too: no skipLibCheck.
        outDir: dir,
      });
      const emitted = program.emit();
      const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
      assert.deepEqual(
        diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")),
        [],
        "the consumer type-checks against the published types",
      );

      const run = await new Deno.Command("node", { args: ["app.js"], cwd: dir }).output();
      const stderr = new TextDecoder().decode(run.stderr);
      assert.equal(run.code, 0, stderr);
      assert.deepEqual(JSON.parse(new TextDecoder().decode(run.stdout)), {
        ids: ["p1"],
        replayed: true,
        keyed: true,
        error: [404, "not_found", "r1"],
        routes: true,
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
