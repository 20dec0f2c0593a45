/**
 * A client app's calls, with the real supabase-js, against `npm start`:
 *   node_modules/.bin/deno run -A examples/client.ts
 * Reads the URL and anon key from $STACK_DIR/env (default .stack/dev: what `npm start` wrote) and
 * signs in as the
 * demo admin with a minted token — a real app gets the user's token from `supabase.auth`.
 */
import { createClient } from "@supabase/supabase-js";
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

// A page of active projects, then one project with its staff summary and financials.
const { data: page, error } = await supabase.functions.invoke("projects?status=active&limit=2", {
  method: "GET",
});
if (error) throw error;
console.log("projects:", page.data.map((p: { title: string }) => p.title));
const { data: detail } = await supabase.functions.invoke(`projects/${page.data[0].id}`, {
  method: "GET",
});
console.log("financials:", detail.financials);

// A payment: the Idempotency-Key makes a retry return the first answer, never a second payment.
const { data: staff } = await supabase.functions.invoke(`projects/${page.data[0].id}/staff`, {
  method: "GET",
});
if (!staff.data.length) throw new Error("that project has no staff yet: assign some first");
const key = `example-${crypto.randomUUID()}`;
for (let attempt = 1; attempt <= 2; attempt++) {
  const { data: payment, response } = await supabase.functions.invoke("payments", {
    method: "POST",
    headers: { "Idempotency-Key": key },
    body: {
      project_id: page.data[0].id,
      candidate_id: staff.data[0].candidate_id,
      amount: "150.00",
      payment_date: new Date().toISOString().slice(0, 10),
    },
  });
  console.log(`attempt ${attempt}:`, response?.status, payment.id, payment.status);
}
