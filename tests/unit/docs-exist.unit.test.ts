/**
 * The docs name only what exists. Every file path, function and SQL object that README.md,
 * docs/*.md, client/README.md and bench/README.md put in code spans, and every file a comment in
 * the code points at, must be in the repository — so a rename or a removal fails here until the
 * prose follows it.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const SKIP = /(^|\/)(node_modules|\.stack|\.git|supabase\/\.temp)(\/|$)/;
/** Made by a command (`npm run client:build`, the bench): named before they exist. */
const GENERATED = /^(client\/dist|bench\/results\/tmp)\//;
const SELF = new URL(import.meta.url).pathname.slice(ROOT.length);

/** Every file (and folder, with a trailing "/") of the repository, relative to its root. */
async function listFiles(dir = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
    const rel = `${dir}${entry.name}`;
    if (SKIP.test(rel) || entry.isSymlink) continue;
    if (entry.isDirectory) found.push(`${rel}/`, ...await listFiles(`${rel}/`));
    else found.push(rel);
  }
  return found;
}
const files = await listFiles();
const fileSet = new Set(files);
const basenames = new Set(files.map((f) => f.replace(/\/$/, "").split("/").at(-1)!));

/** The text of the code the docs may name: TypeScript, JavaScript, SQL, shell, TOML. */
const CODE = /\.(ts|mjs|js|sql|sh|toml|json)$/;
const code = (await Promise.all(
  files.filter((f) => CODE.test(f) && f !== SELF && !f.startsWith("bench/results/"))
    .map((f) => Deno.readTextFile(`${ROOT}${f}`)),
)).join("\n");
const words = new Set(code.match(/[A-Za-z_][A-Za-z0-9_]*/g));

const DOCS = [
  "README.md",
  "client/README.md",
  "bench/README.md",
  ...files.filter((f) => /^docs\/[^/]+\.md$/.test(f)),
];

/** Top folders a doc path starts from (a path elsewhere is prose, e.g. a URL's path). */
const TOP = /^(shared|functions|scripts|tests|supabase|client|dashboard|docs|bench|examples)\//;
const EXTENSION = /^[\w-][\w.-]*\.(ts|mjs|sql|md|sh)$/;

/** What a span names, if it is something this test can check. */
function problemsOf(span: string): string | undefined {
  const text = span.trim().replace(/[,.;:]+$/, "");
  // A function or constant: camelCase (`cachedForCaller`, `asUser(…)`) or a SCREAMING constant.
  const symbol = /^([a-z][a-z0-9]*[A-Z][A-Za-z0-9]*|[A-Z][A-Z0-9]*_[A-Z0-9_]+)(\(.*\))?$/.exec(
    text,
  );
  if (symbol) return words.has(symbol[1]) ? undefined : `no symbol ${symbol[1]}`;
  // A SQL object: schema.name or schema.name() in a schema of ours.
  const sql = /^(public|private|queue|ops|audit|reporting)\.([a-z_][a-z0-9_]*)$/.exec(
    text.replace(/\(\)$/, ""),
  );
  if (sql) return words.has(sql[2]) ? undefined : `no SQL object ${sql[1]}.${sql[2]}`;
  if (/[<>*{}$()]|\s/.test(text)) return undefined; // a pattern or a command, not a name
  // A path from the repository's root (a folder ends in "/").
  if (TOP.test(text)) {
    if (GENERATED.test(text)) return undefined;
    const path = text.replace(/#.*$/, "").replace(/:\d+(-\d+)?$/, "");
    if (fileSet.has(path) || fileSet.has(`${path}/`)) return undefined;
    return `no file or folder ${path}`;
  }
  // A bare file name (`l2-call.ts`): some file has it.
  if (EXTENSION.test(text)) {
    return basenames.has(text) ? undefined : `no file named ${text}`;
  }
  return undefined;
}

/** Code spans of a markdown text, fenced blocks left out (they are examples, checked below). */
function spansOf(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, "");
  return [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
}

Deno.test("docs: every path, function and SQL object a doc names exists", async () => {
  const problems: string[] = [];
  for (const doc of DOCS) {
    const text = await Deno.readTextFile(`${ROOT}${doc}`);
    for (const span of new Set(spansOf(text))) {
      const problem = problemsOf(span);
      if (problem) problems.push(`${doc}: \`${span}\`: ${problem}`);
    }
  }
  assert.deepEqual(problems, []);
});

Deno.test("docs: every file a code comment points at exists", async () => {
  const problems: string[] = [];
  for (const file of files.filter((f) => /^(shared|functions|scripts|client)\/.*\.ts$/.test(f))) {
    const text = await Deno.readTextFile(`${ROOT}${file}`);
    for (const [line, n] of text.split("\n").map((l, i) => [l, i + 1] as const)) {
      const comment = /^\s*(\*|\/\/|\/\*\*)(.*)$/.exec(line)?.[2];
      if (!comment) continue;
      for (const [name] of comment.matchAll(/[\w./-]+\.(ts|sql|md)\b/g)) {
        // URLs, relative imports, extensions (`.gen.ts`) and placeholders (`functions/NAME/…`).
        if (/^https?:|^\.|\/[A-Z]+\//.test(name)) continue;
        const known = name.includes("/")
          ? TOP.test(name) ? fileSet.has(name) : files.some((f) => f.endsWith(`/${name}`))
          : basenames.has(name);
        if (!known) problems.push(`${file}:${n}: ${name}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

Deno.test("docs: the checks above can fail", () => {
  assert.match(problemsOf("shared/db-pool.ts") ?? "", /no file/);
  assert.match(problemsOf("db-arrays.ts") ?? "", /no file/);
  assert.match(problemsOf("cachedForCallerr") ?? "", /no symbol/);
  assert.match(problemsOf("queue.wants_workerr()") ?? "", /no SQL object/);
  assert.equal(problemsOf("shared/cache/l2.ts"), undefined);
  assert.equal(problemsOf("cachedForCaller(caller, …)"), undefined);
});
