/**
 * Prints every function's routes as a Markdown table, read from the OpenAPI documents the
 * functions serve (the same zod schemas that validate), so the README's table cannot drift; the
 * File column is the file whose code defined the route (recorded by `route()`).
 * `deno run -A scripts/routes.ts` — needs no stack.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";

const FUNCTIONS = ["projects", "candidates", "payments", "claims", "jobs", "ops"];

// The apps read the config at import; nothing connects until a request arrives.
Deno.env.set("DB_POOLER_URL", Deno.env.get("DB_POOLER_URL") ?? "postgres://localhost/unused");
Deno.env.set("JWT_SECRET", Deno.env.get("JWT_SECRET") ?? "unused-unused-unused-unused-unused");
Deno.env.set("LOG_REQUESTS", "0");
// Imported only now: the HTTP layer reads the config when it loads.
const { routeSource } = await import("../shared/http/route.ts");

interface Operation {
  summary?: string;
  description?: string;
}

/** `get /{id}` → the file that defined it, from the app's OpenAPI registry. */
function sourcesOf(app: OpenAPIHono): Map<string, string> {
  const files = new Map<string, string>();
  for (const d of app.openAPIRegistry.definitions) {
    if (d.type !== "route") continue;
    files.set(`${d.route.method} ${d.route.path}`, routeSource(d.route) ?? "");
  }
  return files;
}

console.log("| Function | Method | Path | Roles | What | File |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const name of FUNCTIONS) {
  const { app } = await import(`../functions/${name}/app.ts`);
  const doc = await (await app.request(`/${name}/openapi.json`)).json();
  const files = sourcesOf(app);
  const rows: string[] = [
    `| ${name} | GET | \`/${name}/health\` | anyone | liveness | shared/http/app.ts |`,
    `| ${name} | GET | \`/${name}/openapi.json\` | anyone | this function's OpenAPI 3.1 document | shared/http/app.ts |`,
  ];
  for (const [path, methods] of Object.entries(doc.paths as Record<string, object>)) {
    for (const [method, op] of Object.entries(methods as Record<string, Operation>)) {
      const roles = op.description?.match(/Roles: (.*)$/m)?.[1] ?? "";
      const local = path.slice(`/${name}`.length) || "/";
      const file = files.get(`${method} ${local}`) ?? "";
      rows.push(
        `| ${name} | ${method.toUpperCase()} | \`${path}\` | ${roles} | ${
          op.summary ?? ""
        } | ${file} |`,
      );
    }
  }
  console.log(rows.join("\n"));
}
Deno.exit(0);
