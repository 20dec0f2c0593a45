/**
 * A client app's calls through the typed client (client/), with the real supabase-js, against
 * `npm start`:
 *   node_modules/.bin/deno run -A examples/client.ts
 * Reads the URL and anon key from $STACK_DIR/env (default .stack/dev: what `npm start` wrote) and
 * signs in as the demo admin with a minted token — a real app gets the user's token from
 * `supabase.auth`, and the client follows it.
 */
import { createClient } from "@supabase/supabase-js";
import { createCrewClient, CrewApiError } from "../client/index.ts";
import { mintUserJwt } from "../scripts/stack/keys.ts";
import { DEMO_USERS } from "../scripts/seed/demo-users.ts";

const env = Object.fromEntries(
  Deno.readTextFileSync(`${Deno.env.get("STACK_DIR") ?? ".stack/dev"}/env`)
    .split("\n").filter((line) => line.includes("=") && !line.startsWith("#"))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
);
const adminToken = await mintUserJwt(DEMO_USERS.admin.id, "admin", {
  secret: env.JWT_SECRET,
});
const supabase = createClient(env.SUPABASE_URL, env.SUPABASE_ANON_KEY, {
  global: { headers: { Authorization: `Bearer ${adminToken}` } },
});
const crew = createCrewClient(supabase);

// A page of active projects, then one project with its staff summary and financials.
const page = await crew.projects.list({ status: "active", limit: 2 });
console.log("projects:", page.data.map((p) => p.title));
const { project, financials } = await crew.projects.getById(page.data[0].id);
console.log(`${project.title}: financials`, financials);

// Every active project, page after page, fetched as the loop goes.
let active = 0;
for await (const _ of crew.projects.listAll({ status: "active", limit: 100 })) active++;
console.log("active projects:", active);

// A payment: the client sends an Idempotency-Key (made here, as none is given) and returns it;
// a repeat with the same key returns the first answer, never a second payment.
const staff = await crew.projects.staff.list(project.id);
if (!staff.data.length) throw new Error("that project has no staff yet: assign some first");
const body = {
  project_id: project.id,
  candidate_id: staff.data[0].candidate_id,
  amount: "150.00",
  payment_date: new Date().toISOString().slice(0, 10),
};
const first = await crew.payments.create(body);
const again = await crew.payments.create(body, { idempotencyKey: first.idempotencyKey });
for (const [attempt, r] of [first, again].entries()) {
  console.log(`attempt ${attempt + 1}:`, r.payment.id, r.payment.status, { replayed: r.replayed });
}

// Errors are one type, with the code to branch on and the request id to quote.
try {
  await crew.claims.approve(crypto.randomUUID());
} catch (e) {
  if (!(e instanceof CrewApiError)) throw e;
  console.log("approve a missing claim:", e.status, e.code, `(request ${e.requestId})`);
}
