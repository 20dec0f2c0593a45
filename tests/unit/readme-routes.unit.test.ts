/**
 * The README's API table is the one scripts/routes.ts prints from the OpenAPI documents (and
 * the files that define the routes): a route added, moved or re-described without regenerating
 * the table fails here.
 */
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url).pathname;

/** Table rows as trimmed cells, whatever the column padding. */
const rowsOf = (markdown: string) =>
  markdown.split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| ---") && !l.startsWith("| Function "))
    .map((l) => l.split("|").slice(1, -1).map((c) => c.trim()).join(" | "));

Deno.test("README: the API table matches what scripts/routes.ts generates", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", "scripts/routes.ts"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const generated = rowsOf(new TextDecoder().decode(out.stdout));
  assert.ok(generated.length > 40, "every function's routes are listed");
  const readme = await Deno.readTextFile(`${root}README.md`);
  const start = readme.indexOf("| Function ");
  const table = readme.slice(start, readme.indexOf("\n\n", start));
  assert.deepEqual(rowsOf(table), generated, "regenerate with `deno run -A scripts/routes.ts`");
});
