/**
 * Prints every function's routes as a Markdown table, read from the OpenAPI documents the
 * functions serve (the same zod schemas that validate), so the README's table cannot drift.
 * `deno run -A scripts/routes.ts` — needs no stack.
 */
const FUNCTIONS = ["projects", "candidates", "payments", "claims"];

// The apps read these at import; nothing connects until a request arrives.
Deno.env.set("DB_POOLER_URL", Deno.env.get("DB_POOLER_URL") ?? "postgres://localhost/unused");
Deno.env.set("JWT_SECRET", Deno.env.get("JWT_SECRET") ?? "unused-unused-unused-unused-unused");

interface Operation {
  summary?: string;
  description?: string;
}

console.log("| Function | Method | Path | Roles | What |");
console.log("| --- | --- | --- | --- | --- |");
for (const name of FUNCTIONS) {
  const { app } = await import(`../functions/${name}/app.ts`);
  const doc = await (await app.request(`/${name}/openapi.json`)).json();
  const rows: string[] = [
    `| ${name} | GET | \`/${name}/health\` | anyone | liveness |`,
    `| ${name} | GET | \`/${name}/openapi.json\` | anyone | this function's OpenAPI 3.1 document |`,
  ];
  for (const [path, methods] of Object.entries(doc.paths as Record<string, object>)) {
    for (const [method, op] of Object.entries(methods as Record<string, Operation>)) {
      const roles = op.description?.match(/Roles: (.*)$/m)?.[1] ?? "";
      rows.push(
        `| ${name} | ${method.toUpperCase()} | \`${path}\` | ${roles} | ${op.summary ?? ""} |`,
      );
    }
  }
  console.log(rows.join("\n"));
}
Deno.exit(0);
