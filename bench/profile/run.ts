/**
 * `npm run profile`: where a request's time goes, for the bench's targets. Starts one process —
 * the projects function (cached or with the cache off), the bare hello, or the local gateway in
 * front of the bench's hello — with `--cpu-prof`, puts wrk's c=50 load on it straight, and writes
 * to bench/results/profiles/:
 * the CPU time per request of that process (from /proc: all its threads, user + system), its
 * syscalls per request (strace, when installed) and the V8 profile's top frames.
 *
 *   deno run -A bench/profile/run.ts --env-file .stack/dev/env
 *                                   [--what cached|uncached|hello|gateway]
 *                                   [--seconds 10] [--out bench/results/profiles]
 *
 * Needs a running, seeded stack (`npm start`, or the bench's). Never run it beside a benchmark.
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import { mintUserJwt } from "../../scripts/stack/keys.ts";
import { loadFunctionConfigs } from "../../scripts/stack/gateway-config.ts";
import { writeHostModule } from "../../scripts/stack/function-pool.ts";
import { readEnvFile } from "../lib/stack.ts";
import { summarize } from "./summarize.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    "env-file": { type: "string", default: ".stack/dev/env" },
    what: { type: "string", default: "cached" },
    seconds: { type: "string", default: "10" },
    out: { type: "string", default: "bench/results/profiles" },
  },
});
const ROOT = new URL("../../", import.meta.url).pathname;
const ADMIN_ID = "00000000-0000-4000-a000-000000000001";
const what = args.what!;
if (!["cached", "uncached", "hello", "gateway"].includes(what)) {
  throw new Error(`unknown --what ${what}`);
}

/** CPU seconds (user + system, every thread) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nothing listens on ${port}`);
}

async function run(cmd: string, cmdArgs: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args: cmdArgs, stdout: "piped", stderr: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
}

/** The projects function as the gateway runs it (the host first), on this Deno for --cpu-prof. */
async function projectsHostModule(): Promise<string> {
  const fns = await loadFunctionConfigs(`${ROOT}supabase/config.toml`);
  return await writeHostModule(fns.find((fn) => fn.name === "projects")!, profDir);
}

const env = readEnvFile(args["env-file"]!);
const seconds = Number(args.seconds);
const outDir = `${ROOT}${args.out}`;
const profDir = await Deno.makeTempDir({ prefix: "cpu-prof-" });
await Deno.mkdir(outDir, { recursive: true });

const sql = postgres(env.DB_DIRECT_URL, { max: 1, prepare: false, onnotice: () => {} });
const [{ id }] = await sql`select id::text as id from public.projects order by id limit 1`;
await sql.end();
const token = await mintUserJwt(ADMIN_ID, "admin", { secret: env.JWT_SECRET, expiresIn: 3600 });
const port = 40_000 + Math.floor(Math.random() * 5000);
const target = what === "hello"
  ? ["bench/ceilings/hello.ts", "--port", String(port)]
  : what === "gateway"
  ? ["scripts/stack/gateway.ts", "--config", "bench/config.toml", "--port", String(port)]
  : [await projectsHostModule()];
const child = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    "--cpu-prof",
    `--cpu-prof-dir=${profDir}`,
    "--config",
    "deno.json",
    ...target,
  ],
  cwd: ROOT,
  // EDGE_HOST_PORT: the function host's port (scripts/stack/edge-host.ts; no recycling here).
  env: {
    ...env,
    LOG_REQUESTS: "0",
    CACHE_DISABLED: what === "uncached" ? "1" : "",
    EDGE_HOST_PORT: String(port),
  },
  stdin: "piped",
  stdout: "null",
  stderr: "inherit",
}).spawn();
await waitForPort(port);
const url = what === "hello"
  ? `http://127.0.0.1:${port}/`
  : what === "gateway"
  ? `http://127.0.0.1:${port}/functions/v1/hello`
  : `http://127.0.0.1:${port}/projects/${id}`;
const auth = ["-H", `Authorization: Bearer ${token}`];
for (let i = 0; i < 3; i++) {
  await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).body?.cancel();
}
await run("wrk", ["-t2", "-c50", "-d2s", ...auth, url]); // warm-up

const before = cpuSeconds(child.pid);
const wrkOut = await run("wrk", ["-t2", "-c50", `-d${seconds}s`, "--latency", ...auth, url]);
const cpu = cpuSeconds(child.pid) - before;
const requests = Number(/(\d+) requests in/.exec(wrkOut)?.[1] ?? 0);
const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(wrkOut)?.[1] ?? 0);
// Syscalls over 2 s of a second, shorter run (strace slows what it watches, so not the one above).
const traced = run("wrk", ["-t2", "-c50", "-d3s", ...auth, url]);
await new Promise((r) => setTimeout(r, 500));
const strace = await run("timeout", ["2", "strace", "-c", "-f", "-p", String(child.pid)])
  .catch(() => "strace not available");
const tracedRequests = Number(/(\d+) requests in/.exec(await traced)?.[1] ?? 0);

// EOF on stdin ends the function host (Deno.exit), which writes the profile; the others stop on
// SIGINT (the gateway stops its functions first).
await child.stdin.close().catch(() => {});
if (what === "hello" || what === "gateway") child.kill("SIGINT");
await child.status;
const [file] = [...Deno.readDirSync(profDir)].map((e) => `${profDir}/${e.name}`);
const summary = file
  ? summarize(JSON.parse(await Deno.readTextFile(file)))
  : { samples: 0, self: [], inclusive: [] };

const table = (rows: { name: string; percent: number }[]) =>
  rows.map((r) => `| ${r.percent} | \`${r.name}\` |`).join("\n");
const md = `# Profile: ${what} (${new Date().toISOString()})

wrk -t2 -c50 -d${seconds}s straight at \`${url.replace(id, "{id}")}\`: ${Math.round(rps)} req/s;
the process used ${cpu.toFixed(2)} CPU s, **${((cpu / Math.max(requests, 1)) * 1e6).toFixed(1)} µs
per request** (all threads, user + system; the kernel's loopback TCP work is in it).

## Syscalls (strace -c over 2 s of a 3 s run of ${tracedRequests} requests)

\`\`\`
${
  strace.split("\n").filter((l) => !/Process \d+ (attached|detached)/.test(l)).slice(0, 14).join(
    "\n",
  )
}
\`\`\`

## V8 profile (${summary.samples} samples; \`(idle)\` = not in JavaScript: Rust and kernel)

| self % | function |
|--:|---|
${table(summary.self)}

| inclusive % | function |
|--:|---|
${table(summary.inclusive)}
`;
const outFile = `${outDir}/${what}.md`;
await Deno.writeTextFile(outFile, md);
console.log(md);
console.error(`wrote ${outFile}`);
await Deno.remove(profDir, { recursive: true });
