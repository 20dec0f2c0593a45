/**
 * Serves the ops dashboard (dashboard/) on the local stack — hosted Edge Functions answer HTML
 * as text/plain, so the page is static and deploys to any static host or a Storage bucket. It
 * reads the ops endpoints only; `/config.js` tells it where they are (the stack's gateway).
 *
 *   deno run -A scripts/stack/dashboard.ts --port 54392
 */
const port = Number(Deno.args[Deno.args.indexOf("--port") + 1] || Deno.env.get("DASHBOARD_PORT"));
const root = new URL("../../dashboard/", import.meta.url);
const functionsUrl = `${Deno.env.get("SUPABASE_URL") ?? "http://127.0.0.1:54321"}/functions/v1`;

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json",
  svg: "image/svg+xml",
  png: "image/png",
};

/**
 * The files it may serve: what dashboard/ holds at start, by relative path. A request names one of
 * them or gets 404 — no path from a URL ever reaches the file system (`/%2Fetc%2Fpasswd` decoded
 * to an absolute path once did).
 */
function listFiles(dir: URL, prefix = ""): Map<string, URL> {
  const files = new Map<string, URL>();
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.name.startsWith(".")) continue;
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) {
      for (const [name, sub] of listFiles(url, `${prefix}${entry.name}/`)) files.set(name, sub);
    } else if (entry.isFile) files.set(prefix + entry.name, url);
  }
  return files;
}
const FILES = listFiles(root);

Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, async (request) => {
  const path = new URL(request.url).pathname;
  if (path === "/config.js") {
    return new Response(`window.CREW_CONFIG = ${JSON.stringify({ functionsUrl })};\n`, {
      headers: { "content-type": TYPES.js, "cache-control": "no-store" },
    });
  }
  const name = path === "/" ? "index.html" : path.slice(1);
  const file = FILES.get(name);
  if (!file) return new Response("not found", { status: 404 });
  try {
    const body = await Deno.readFile(file);
    const ext = name.split(".").pop() ?? "";
    return new Response(body, {
      headers: { "content-type": TYPES[ext] ?? "application/octet-stream" },
    });
  } catch {
    return new Response("not found", { status: 404 });
  }
});
