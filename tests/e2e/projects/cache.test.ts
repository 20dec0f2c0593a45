/**
 * End-to-end cache behaviour of the projects function: repeated reads are hits, a hit never
 * reaches a caller RLS would refuse, a write is read back at once, and a payment written through
 * the payments function shows in the project's live financials within the documented bound
 * (the L1 TTL, 5 s by default: another isolate may serve its L1 copy that long).
 */
import assert from "node:assert/strict";
import { closeDb, DEMO, invoke, invokeUntil } from "../../helpers/client.ts";
import { activeCandidates, assertError, candidateOf, createProject } from "./fixtures.ts";

const t = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name: `projects cache: ${name}`, fn, sanitizeOps: false, sanitizeResources: false });

type Json = Record<string, unknown>;
type Detail = { project: Json; staff_summary: Json | null; financials: Json | null };

/** Reads until `ok` holds or the documented cross-isolate bound passes. */
const readUntil = (
  user: "admin" | "finance" | "manager" | "crew",
  path: string,
  ok: (r: { status: number; data: Detail }) => boolean,
) => invokeUntil<Detail>(user, path, ok);

t("the second read of a project is a cache hit", async () => {
  const p = await createProject("manager");
  // Drop the written-through entry so the first read loads.
  await invoke("manager", `projects/${p.id}`, { method: "PATCH", body: { venue: "Hall A" } });
  const first = await invoke<Detail>("manager", `projects/${p.id}`);
  assert.equal(first.status, 200);
  assert.equal(first.headers.get("x-cache"), "loader");
  const second = await invoke<Detail>("manager", `projects/${p.id}`);
  assert.ok(["l1", "l2"].includes(second.headers.get("x-cache")!), second.headers.get("x-cache")!);
  assert.deepEqual(second.data, first.data);
  // admin and finance share the entry the owning manager filled.
  const admin = await invoke<Detail>("admin", `projects/${p.id}`);
  assert.ok(["l1", "l2"].includes(admin.headers.get("x-cache")!));
  assert.deepEqual(admin.data, first.data);
});

t("a cached project is never served to a manager or crew RLS would refuse", async () => {
  const p = await createProject("admin", { manager_id: DEMO.manager });
  const warm = await invoke<Detail>("admin", `projects/${p.id}`);
  assert.equal(warm.status, 200);
  const again = await invoke<Detail>("admin", `projects/${p.id}`);
  assert.ok(["l1", "l2"].includes(again.headers.get("x-cache")!));
  const other = await invoke("manager2", `projects/${p.id}`);
  assertError(other, 404, "not_found");
  assert.ok(!JSON.stringify(other.data).includes(p.title as string));
  assertError(await invoke("crew", `projects/${p.id}`), 404, "not_found");
});

t("a write is read back at once by the same client", async () => {
  const p = await createProject("manager");
  await invoke("manager", `projects/${p.id}`); // cached
  await invoke("manager", `projects/${p.id}`);
  const patched = await invoke<Json>("manager", `projects/${p.id}`, {
    method: "PATCH",
    body: { title: `${p.title} renamed`, crew_needed: 42 },
  });
  assert.equal(patched.status, 200);
  const read = await invoke<Detail>("manager", `projects/${p.id}`);
  assert.equal(read.data.project.title, `${p.title} renamed`);
  assert.equal(read.data.project.crew_needed, 42);
  assert.equal(read.headers.get("etag"), `"${patched.data.updated_at}"`);
  const list = await invoke<{ data: Json[] }>(
    "manager",
    `projects?q=${encodeURIComponent(`${p.title} renamed`)}`,
  );
  assert.deepEqual(list.data.data.map((x) => x.id), [p.id]);
});

t("removing a crew member's assignment revokes their cached view", async () => {
  const p = await createProject("manager");
  const candidate = await candidateOf("crew");
  const made = await invoke<{ created: Json[] }>("manager", `projects/${p.id}/staff`, {
    method: "POST",
    body: { candidates: [{ candidate_id: candidate }] },
  });
  assert.equal(made.status, 201, JSON.stringify(made.data));
  assert.equal((await invoke("crew", `projects/${p.id}`)).status, 200);
  assert.equal((await invoke("crew", `projects/${p.id}`)).status, 200); // now cached
  const staffId = made.data.created[0].id;
  const removed = await invoke("manager", `projects/${p.id}/staff/${staffId}`, {
    method: "DELETE",
  });
  assert.equal(removed.status, 204);
  const after = await readUntil("crew", `projects/${p.id}`, (r) => r.status === 404);
  assert.equal(after.status, 404);
});

t("a payment written through the payments function shows in the project's financials", async () => {
  const p = await createProject("admin", { manager_id: DEMO.manager });
  const [candidate] = await activeCandidates(1);
  const assigned = await invoke("admin", `projects/${p.id}/staff`, {
    method: "POST",
    body: { candidates: [{ candidate_id: candidate, daily_rate: "150.00" }] },
  });
  assert.equal(assigned.status, 201);
  // Fill the cache (twice, so the entry is certainly there).
  await invoke("finance", `projects/${p.id}`);
  const cached = await invoke<Detail>("finance", `projects/${p.id}`);
  assert.ok(["l1", "l2"].includes(cached.headers.get("x-cache")!));
  assert.equal(cached.data.financials?.payments_pending, "0.00");

  const paymentDate = new Date().toISOString().slice(0, 10);
  const created = await invoke<Json>("finance", "payments", {
    method: "POST",
    body: {
      project_id: p.id,
      candidate_id: candidate,
      amount: "123.45",
      payment_date: paymentDate,
    },
    headers: { "idempotency-key": `projects-cache-${crypto.randomUUID()}` },
  });
  assert.equal(created.status, 201, JSON.stringify(created.data));
  const pending = await readUntil(
    "finance",
    `projects/${p.id}`,
    (r) => r.data.financials?.payments_pending === "123.45",
  );
  assert.deepEqual(pending.data.financials, {
    payments_paid: "0.00",
    payments_pending: "123.45",
    payments_count: 1,
    claims_approved: "0.00",
    claims_paid: "0.00",
  });

  const id = created.data.id as string;
  assert.equal(
    // Four eyes: someone other than the creator (finance) approves.
    (await invoke("admin", `payments/${id}/approve`, { method: "POST", body: {} })).status,
    200,
  );
  const paid = await invoke("finance", `payments/${id}/pay`, { method: "POST", body: {} });
  assert.equal(paid.status, 200, JSON.stringify(paid.data));
  const after = await readUntil(
    "manager",
    `projects/${p.id}`,
    (r) => r.data.financials?.payments_paid === "123.45",
  );
  assert.equal(after.data.financials?.payments_paid, "123.45");
  assert.equal(after.data.financials?.payments_pending, "0.00");
});

t("close db", async () => {
  await closeDb();
});
