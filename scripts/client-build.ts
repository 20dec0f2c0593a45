/**
 * Builds the publishable client package: compiles client/*.ts with the TypeScript compiler into
 * ES2022 modules plus `.d.ts` files (relative `.ts` imports rewritten to `.js`), so Node and
 * bundlers get plain JavaScript and editors get the types.
 *   `deno run -A scripts/client-build.ts [--out DIR]`   (default client/dist; `npm run client:build`)
 * Then `cd client && npm pack` (or publish) ships dist/, README.md and package.json.
 */
import ts from "typescript";

const root = new URL("../", import.meta.url).pathname;

/** Compiler options of the build: web-standard globals only (DOM lib, no Deno or Node types). */
const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ES2022,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
  types: [],
  strict: true,
  declaration: true,
  allowImportingTsExtensions: true,
  rewriteRelativeImportExtensions: true,
  verbatimModuleSyntax: true,
  skipLibCheck: true,
  newLine: ts.NewLineKind.LineFeed,
  rootDir: `${root}client`,
};

/** A quoted relative specifier ending in `.ts` (`"./transport.ts"`, `'../paging.ts'`). */
const RELATIVE_TS = /(["'])(\.\.?\/[^"'\n]+?)\.ts\1/g;

/** Compiles the client into `outDir`; throws with the compiler's messages on any error. */
export async function buildClient(outDir: string): Promise<string[]> {
  await Deno.remove(outDir, { recursive: true }).catch(() => {});
  const program = ts.createProgram([`${root}client/index.ts`], { ...OPTIONS, outDir });
  const written: string[] = [];
  const result = program.emit(undefined, (file, text) => {
    Deno.mkdirSync(file.slice(0, file.lastIndexOf("/")), { recursive: true });
    // The compiler rewrites `./x.ts` in JavaScript only; declarations must name `./x.js` too.
    if (file.endsWith(".d.ts")) text = text.replace(RELATIVE_TS, "$1$2.js$1");
    Deno.writeTextFileSync(file, text);
    written.push(file);
  });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length) {
    throw new Error(ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => root,
      getNewLine: () => "\n",
    }));
  }
  return written.sort();
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--out");
  const outDir = at >= 0 ? Deno.args[at + 1] : `${root}client/dist`;
  const files = await buildClient(outDir.startsWith("/") ? outDir : `${Deno.cwd()}/${outDir}`);
  console.log(`built ${files.length} files into ${outDir}`);
}
