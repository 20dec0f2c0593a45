/**
 * End-to-end cache behaviour of the projects function: repeated reads are hits, a hit never
 * reaches a caller RLS would refuse, a write is read back at once, and a payment written through
 * the payments function shows in the project's live financials within the documented bound
 * (the L1 TTL, 5 s by default: another isolate may serve its L1 copy that long).
 */
import assert from "node:assert/strict";
import { CrewApiError } from "../../../client/index.ts";
import {
  closeDb,
  crewAs,
  DEMO,
  type DemoUser,
  errorText,
  failsWith,
  readUntil,
  routesAs,
} from "../../helpers/client.ts";
import { activeCandidates, candidateOf, createProject, rejects } from "./fixtures.ts";

const t = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name: `projects cache: ${name}`, fn, sanitizeOps: false, sanitizeResources: false });

/** GET /projects/{id} as `user` through the typed route: body, status and headers. */
const read = (user: DemoUser, id: string) =>
  routesAs(user).projects("get", "/projects/{id}")({ path: { id } });

t("the second read of a project is a cache hit", async () => {
  const p = await createProject("manager");
  // Drop the written-through entry so the first read loads.
  await crewAs("manager").projects.update(p.id, { venue: "Hall A" });
  const first = await read("manager", p.id);
  assert.equal(first.status, 200);
  assert.equal(first.headers.get("x-cache"), "loader");
  const second = await read("manager", p.id);
  assert.ok(["l1", "l2"].includes(second.headers.get("x-cache")!), second.headers.get("x-cache")!);
  assert.deepEqual(second.data, first.data);
  // admin and finance share the entry the owning manager filled.
  const admin = await read("admin", p.id);
  assert.ok(["l1", "l2"].includes(admin.headers.get("x-cache")!));
  assert.deepEqual(admin.data, first.data);
});

t("a cached project is never served to a manager or crew RLS would refuse", async () => {
  const p = await createProject("admin", { manager_id: DEMO.manager });
  const warm = await read("admin", p.id);
  assert.equal(warm.status, 200);
  const again = await read("admin", p.id);
  assert.ok(["l1", "l2"].includes(again.headers.get("x-cache")!));
  const other = await failsWith(crewAs("manager2").projects.getById(p.id), 404, "not_found");
  assert.equal(typeof other.requestId, "string");
  assert.ok(!errorText(other).includes(p.title));
  await rejects(crewAs("crew").projects.getById(p.id), 404, "not_found");
});

t("a write is read back at once by the same client", async () => {
  const p = await createProject("manager");
  const manager = crewAs("manager");
  await manager.projects.getById(p.id); // cached
  await manager.projects.getById(p.id);
  const patched = await routesAs("manager").projects("patch", "/projects/{id}")({
    path: { id: p.id },
    body: { title: `${p.title} renamed`, crew_needed: 42 },
  });
  assert.equal(patched.status, 200);
  const back = await read("manager", p.id);
  assert.equal(back.data.project.title, `${p.title} renamed`);
  assert.equal(back.data.project.crew_needed, 42);
  assert.equal(back.headers.get("etag"), `"${patched.data.updated_at}"`);
  const list = await manager.projects.list({ q: `${p.title} renamed` });
  assert.deepEqual(list.data.map((x) => x.id), [p.id]);
});

t("removing a crew member's assignment revokes their cached view", async () => {
  const p = await createProject("manager");
  const candidate = await candidateOf("crew");
  const routes = routesAs("manager");
  const made = await routes.projects("post", "/projects/{id}/staff")({
    path: { id: p.id },
    body: { candidates: [{ candidate_id: candidate }], on_conflict: "error" },
  });
  assert.equal(made.status, 201, JSON.stringify(made.data));
  assert.equal((await read("crew", p.id)).status, 200);
  assert.equal((await read("crew", p.id)).status, 200); // now cached
  const staffId = made.data.created[0].id;
  const removed = await routes.projects("delete", "/projects/{id}/staff/{staffId}")({
    path: { id: p.id, staffId },
  });
  assert.equal(removed.status, 204);
  // The status crew get: 200, or the error's status once the cached view is revoked.
  const status = () =>
    read("crew", p.id).then((r) => r.status, (e) => e instanceof CrewApiError ? e.status : -1);
  assert.equal(await readUntil(status, (s) => s === 404), 404);
});

t("a payment written through the payments function shows in the project's financials", async () => {
  const p = await createProject("admin", { manager_id: DEMO.manager });
  const [candidate] = await activeCandidates(1);
  const assigned = await routesAs("admin").projects("post", "/projects/{id}/staff")({
    path: { id: p.id },
    body: { candidates: [{ candidate_id: candidate, daily_rate: "150.00" }], on_conflict: "error" },
  });
  assert.equal(assigned.status, 201);
  // Fill the cache (twice, so the entry is certainly there).
  await crewAs("finance").projects.getById(p.id);
  const cached = await read("finance", p.id);
  assert.ok(["l1", "l2"].includes(cached.headers.get("x-cache")!));
  assert.equal(cached.data.financials?.payments_pending, "0.00");

  const paymentDate = new Date().toISOString().slice(0, 10);
  const created = await routesAs("finance").payments("post", "/payments")({
    body: {
      project_id: p.id,
      candidate_id: candidate,
      amount: "123.45",
      payment_date: paymentDate,
    },
    header: { "idempotency-key": `projects-cache-${crypto.randomUUID()}` },
  });
  assert.equal(created.status, 201, JSON.stringify(created.data));
  const finance = crewAs("finance");
  const pending = await readUntil(
    () => finance.projects.getById(p.id),
    (d) => d.financials?.payments_pending === "123.45",
  );
  assert.deepEqual(pending.financials, {
    payments_paid: "0.00",
    payments_pending: "123.45",
    payments_count: 1,
    claims_approved: "0.00",
    claims_paid: "0.00",
  });

  const id = created.data.id;
  const approve = routesAs("admin").payments("post", "/payments/{id}/approve");
  assert.equal(
    // Four eyes: someone other than the creator (finance) approves.
    (await approve({ path: { id } })).status,
    200,
  );
  const paid = await routesAs("finance").payments("post", "/payments/{id}/pay")({
    path: { id },
    body: {},
  });
  assert.equal(paid.status, 200, JSON.stringify(paid.data));
  const manager = crewAs("manager");
  const after = await readUntil(
    () => manager.projects.getById(p.id),
    (d) => d.financials?.payments_paid === "123.45",
  );
  assert.equal(after.financials?.payments_paid, "123.45");
  assert.equal(after.financials?.payments_pending, "0.00");
});

t("close db", async () => {
  await closeDb();
});
