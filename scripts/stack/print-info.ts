/**
 * Prints what a developer needs after `npm start`: URLs, keys, a ready token per demo role, and
 * one example call. Reads the stack env exported by scripts/start.sh.
 */
import { mintUserJwt } from "./keys.ts";
import { DEMO_USERS } from "../seed/demo-users.ts";
import { loadFunctionConfigs } from "./gateway-config.ts";

const env = (name: string) => Deno.env.get(name) ?? "";

const day = 24 * 3600;
const tokens = await Promise.all(
  (["admin", "manager", "finance", "crew"] as const).map(async (name) => {
    const { id, role } = DEMO_USERS[name];
    return [name, await mintUserJwt(id, role, { expiresIn: day })];
  }),
);
// The functions the gateway serves: supabase/config.toml's list, as `supabase functions deploy`.
const functions = (await loadFunctionConfigs("supabase/config.toml"))
  .filter((fn) => fn.enabled).map((fn) => fn.name);
const lines = [
  "",
  "crew-backend is running on the local stack",
  "",
  `  Functions   ${env("SUPABASE_URL")}/functions/v1/{${functions.join(",")}}`,
  `  Scheduler   http://127.0.0.1:${env("SCHEDULER_PORT")}/health   (runs the jobs worker)`,
  `  Prometheus  http://127.0.0.1:${env("PROMETHEUS_PORT")}   (scrapes /functions/v1/ops/metrics)`,
  `  Dashboard   http://127.0.0.1:${env("DASHBOARD_PORT")}/   (paste the ADMIN_TOKEN below)`,
  `  Metrics     token ${env("METRICS_TOKEN")}   (npm run report: slow queries in the terminal)`,
  `  Postgres    ${env("DB_DIRECT_URL")}   (direct)`,
  `  Pooler      ${env("DB_POOLER_URL")}   (pgbouncer, transaction mode)`,
  `  Redis       ${env("REDIS_URL")}`,
  `  Upstash     ${env("UPSTASH_REDIS_REST_URL")}   token ${env("UPSTASH_REDIS_REST_TOKEN")}`,
  "",
  `  anon key          ${env("SUPABASE_ANON_KEY")}`,
  `  service_role key  ${env("SUPABASE_SERVICE_ROLE_KEY")}`,
  `  JWT secret        ${env("JWT_SECRET")}`,
  "",
  "  Demo user tokens (valid 24 h), ready to paste into a shell:",
  ...tokens.map(([role, token]) => `    export ${role.toUpperCase()}_TOKEN=${token}`),
  "",
  "  Try:",
  `    curl -s "${env("SUPABASE_URL")}/functions/v1/projects?status=active&limit=2" \\`,
  '      -H "Authorization: Bearer $ADMIN_TOKEN"',
  "    node_modules/.bin/deno run -A examples/client.ts   # the same through supabase-js",
  `    curl -s "${env("SUPABASE_URL")}/functions/v1/jobs/queues" \\`,
  '      -H "Authorization: Bearer $ADMIN_TOKEN"   # the job queues',
  "",
  `  Env file: ${env("STACK_DIR")}/env        Ctrl-C stops everything.`,
  "  Below: one line per request people make. The metrics scrape, the scheduler's worker calls",
  "  and workers starting or retiring log at debug: `LOG_LEVEL=debug npm start` shows them.",
  "",
];
console.log(lines.join("\n"));
