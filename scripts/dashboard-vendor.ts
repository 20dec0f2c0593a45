/**
 * Copies uPlot's browser build from node_modules/uplot (the version package.json pins) into
 * dashboard/vendor/, where it is committed so the dashboard is a static folder with no build
 * step. Each file gets a header that keeps `deno fmt` and `deno lint` off minified code.
 * `--check` only compares (exit 1 when vendor/ is not what the pinned package gives).
 *
 *   deno run -A scripts/dashboard-vendor.ts [--check]
 */
const root = new URL("../", import.meta.url);
const from = new URL("node_modules/uplot/dist/", root);
const to = new URL("dashboard/vendor/", root);

const FILES: Record<string, string> = {
  "uPlot.iife.min.js": "// deno-fmt-ignore-file\n// deno-lint-ignore-file\n",
  "uPlot.min.css": "/* deno-fmt-ignore-file */\n",
};

/** What dashboard/vendor/<name> must hold. */
async function wanted(name: string): Promise<string> {
  return FILES[name] + await Deno.readTextFile(new URL(name, from));
}

if (import.meta.main) {
  const check = Deno.args.includes("--check");
  const { version } = JSON.parse(
    await Deno.readTextFile(new URL("node_modules/uplot/package.json", root)),
  );
  let stale = 0;
  for (const name of Object.keys(FILES)) {
    const want = await wanted(name);
    const have = await Deno.readTextFile(new URL(name, to)).catch(() => "");
    if (have === want) continue;
    if (check) {
      console.error(`dashboard/vendor/${name} is not uPlot ${version}'s`);
      stale++;
    } else {
      await Deno.mkdir(to, { recursive: true });
      await Deno.writeTextFile(new URL(name, to), want);
      console.log(`dashboard/vendor/${name} ← uplot ${version}`);
    }
  }
  if (stale) Deno.exit(1);
}
