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

Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, async (request) => {
  const path = decodeURIComponent(new URL(request.url).pathname);
  if (path === "/config.js") {
    return new Response(`window.CREW_CONFIG = ${JSON.stringify({ functionsUrl })};\n`, {
      headers: { "content-type": TYPES.js, "cache-control": "no-store" },
    });
  }
  const file = path === "/" ? "index.html" : path.slice(1);
  // No way out of dashboard/.
  if (file.split("/").some((part) => part === ".." || part.startsWith("."))) {
    return new Response("not found", { status: 404 });
  }
  try {
    const body = await Deno.readFile(new URL(file, root));
    const ext = file.split(".").pop() ?? "";
    return new Response(body, {
      headers: { "content-type": TYPES[ext] ?? "application/octet-stream" },
    });
  } catch {
    return new Response("not found", { status: 404 });
  }
});
