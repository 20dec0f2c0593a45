/**
 * payments function end to end (supabase-js → gateway → function → pgbouncer → Postgres): happy
 * paths per role, bad input with the database unchanged, forbidden access without leaks.
 */
import assert from "node:assert/strict";
import { closeDb, db, DEMO, invoke } from "../../helpers/client.ts";
import { insertPayment, makeWorld, newKey, paymentCount, type World } from "./fixtures.ts";

const today = new Date().toISOString().slice(0, 10);
let world: World;

const as = (token: string) => ({ token });

Deno.test({
  name: "payments",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    world = await makeWorld();
    const w = world;
    const body = (over: Record<string, unknown> = {}) => ({
      project_id: w.projectId,
      candidate_id: w.crew.candidateId,
      amount: "350.50",
      payment_date: today,
      ...over,
    });

    await t.step("finance creates a payment (201, money as string)", async () => {
      const res = await invoke("finance", "payments", {
        method: "POST",
        body: body({ reference: "INV-1" }),
        headers: { "Idempotency-Key": newKey() },
      });
      assert.equal(res.status, 201, JSON.stringify(res.data));
      assert.equal(res.data.amount, "350.50");
      assert.equal(res.data.status, "pending");
      assert.equal(res.data.payment_date, today);
      assert.equal(res.data.created_by, DEMO.finance);
      const [row] = await db()`select amount::text, status::text from public.payments
                                where id = ${res.data.id as string}`;
      assert.deepEqual({ ...row }, { amount: "350.50", status: "pending" });
    });

    await t.step("admin creates; GET /{id} is then served from cache", async () => {
      const res = await invoke("admin", "payments", {
        method: "POST",
        body: body({ amount: "10" }),
        headers: { "Idempotency-Key": newKey() },
      });
      assert.equal(res.status, 201);
      assert.equal(res.data.amount, "10.00");
      const got = await invoke("admin", `payments/${res.data.id}`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.data, res.data);
      assert.match(got.headers.get("x-cache") ?? "", /^(l1|l2)$/);
    });

    await t.step("bad input is 400/422 and changes nothing", async () => {
      const before = await paymentCount(w.crew.candidateId);
      const cases: [Record<string, unknown>, Record<string, string> | undefined, number, string][] =
        [
          [body(), {}, 400, "idempotency-key"],
          [body({ amount: 350.5 }), undefined, 400, "amount"],
          [body({ amount: "1.005" }), undefined, 400, "amount"],
          [body({ amount: "-5.00" }), undefined, 400, "amount"],
          [body({ amount: "0.00" }), undefined, 400, "amount"],
          [body({ bonus: "1.00" }), undefined, 400, "bonus"],
          [body({ payment_date: "2025-02-30" }), undefined, 400, "payment_date"],
          [
            body({ period_start: "2025-03-10", period_end: "2025-03-01" }),
            undefined,
            400,
            "period_end",
          ],
        ];
      for (const [payload, headers, status, field] of cases) {
        const key = newKey();
        const res = await invoke("finance", "payments", {
          method: "POST",
          body: payload,
          headers: headers ?? { "Idempotency-Key": key },
        });
        assert.equal(res.status, status, `${field}: ${JSON.stringify(res.data)}`);
        const error = res.data.error as { code: string; details?: Record<string, string> };
        assert.equal(error.code, "validation_failed");
        assert.ok(error.details && field in error.details, JSON.stringify(error.details));
        const keys = await db()`select 1 from public.payment_idempotency_keys where key = ${key}`;
        assert.equal(keys.length, 0);
      }
      const key = newKey();
      const unknownProject = await invoke("finance", "payments", {
        method: "POST",
        body: body({ project_id: crypto.randomUUID() }),
        headers: { "Idempotency-Key": key },
      });
      assert.equal(unknownProject.status, 422);
      assert.equal((unknownProject.data.error as { code: string }).code, "unprocessable");
      const keys = await db()`select 1 from public.payment_idempotency_keys where key = ${key}`;
      assert.equal(keys.length, 0, "a failed create leaves no key behind");
      assert.equal(await paymentCount(w.crew.candidateId), before);
    });

    await t.step("crew and managers cannot create (403), nothing written", async () => {
      const before = await paymentCount(w.crew.candidateId);
      for (const who of [as(w.crew.token), as(w.manager.token)]) {
        const res = await invoke(who, "payments", {
          method: "POST",
          body: body(),
          headers: { "Idempotency-Key": newKey() },
        });
        assert.equal(res.status, 403);
        assert.equal((res.data.error as { code: string }).code, "forbidden");
      }
      assert.equal(await paymentCount(w.crew.candidateId), before);
    });

    const own = await insertPayment(w.projectId, w.crew.candidateId, { amount: "111.00" });
    const other = await insertPayment(w.projectId, w.crew2.candidateId, { amount: "222.00" });
    const elsewhere = await insertPayment(w.project2Id, w.crew2.candidateId, { amount: "333.00" });

    await t.step("crew see only their own payments", async () => {
      const list = await invoke(as(w.crew.token), "payments?limit=200");
      assert.equal(list.status, 200);
      const data = list.data.data as { id: string; candidate_id: string }[];
      assert.ok(data.some((p) => p.id === own));
      assert.ok(data.every((p) => p.candidate_id === w.crew.candidateId));
      const mine = await invoke(as(w.crew.token), `payments/${own}`);
      assert.equal(mine.status, 200);
      assert.equal(mine.data.amount, "111.00");
      assert.equal(mine.headers.get("x-cache"), "bypass");
      // Warm the shared entry as finance first: crew must still not get it.
      assert.equal((await invoke("finance", `payments/${other}`)).status, 200);
      const theirs = await invoke(as(w.crew.token), `payments/${other}`);
      assert.equal(theirs.status, 404);
      assert.ok(!JSON.stringify(theirs.data).includes("222.00"));
      const filtered = await invoke(
        as(w.crew.token),
        `payments?candidate_id=${w.crew2.candidateId}`,
      );
      assert.deepEqual(filtered.data.data, []);
    });

    await t.step("managers see their projects' payments only", async () => {
      const list = await invoke(as(w.manager.token), `payments?project_id=${w.projectId}`);
      const ids = (list.data.data as { id: string }[]).map((p) => p.id);
      assert.ok(ids.includes(own) && ids.includes(other));
      const foreign = await invoke(as(w.manager.token), `payments?project_id=${w.project2Id}`);
      assert.deepEqual(foreign.data.data, []);
      // Cached by manager2 (owner) first; manager must still get 404.
      assert.equal((await invoke(as(w.manager2.token), `payments/${elsewhere}`)).status, 200);
      const denied = await invoke(as(w.manager.token), `payments/${elsewhere}`);
      assert.equal(denied.status, 404);
      assert.ok(!JSON.stringify(denied.data).includes("333.00"));
      assert.equal((await invoke(as(w.manager.token), `payments/${other}`)).status, 200);
    });

    await t.step("managers cannot move statuses (403), status unchanged", async () => {
      const res = await invoke(as(w.manager.token), `payments/${own}/approve`, { method: "POST" });
      assert.equal(res.status, 403);
      const [row] = await db()`select status::text from public.payments where id = ${own}`;
      assert.equal(row.status, "pending");
    });

    await t.step("list filters, keyset pages and date window", async () => {
      const extra = await Promise.all(
        ["2025-06-01", "2025-06-02", "2025-06-03"].map((date) =>
          insertPayment(w.projectId, w.crew.candidateId, { date, status: "approved" })
        ),
      );
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const q: string = `payments?project_id=${w.projectId}&candidate_id=${w.crew.candidateId}` +
          `&status=approved&from=2025-05-01&to=2025-07-01&limit=2` +
          (cursor ? `&cursor=${cursor}` : "");
        const res = await invoke("finance", q);
        assert.equal(res.status, 200);
        seen.push(...(res.data.data as { id: string }[]).map((p) => p.id));
        cursor = res.data.next_cursor as string | null;
      } while (cursor);
      assert.deepEqual(seen, [...extra].reverse(), "newest payment_date first, each once");
      const outside = await invoke("finance", `payments?project_id=${w.projectId}&to=2025-05-31`);
      assert.ok(!(outside.data.data as { id: string }[]).some((p) => extra.includes(p.id)));
      const bad = await invoke("finance", "payments?cursor=not-a-cursor");
      assert.equal(bad.status, 400);
      const unknown = await invoke("finance", "payments?sort=amount");
      assert.equal(unknown.status, 400);
      const reversed = await invoke("finance", "payments?from=2025-07-01&to=2025-05-01");
      assert.equal(reversed.status, 400);
    });

    await t.step("a write invalidates the cached payment and lists", async () => {
      const first = await invoke("finance", `payments/${own}`);
      assert.equal(first.data.status, "pending");
      const listed = await invoke("finance", `payments?project_id=${w.projectId}&status=pending`);
      assert.ok((listed.data.data as { id: string }[]).some((p) => p.id === own));
      const approved = await invoke("finance", `payments/${own}/approve`, { method: "POST" });
      assert.equal(approved.status, 200);
      assert.equal(approved.data.status, "approved");
      assert.equal(approved.data.approved_by, DEMO.finance);
      const after = await invoke("finance", `payments/${own}`);
      assert.equal(after.data.status, "approved");
      const relisted = await invoke("finance", `payments?project_id=${w.projectId}&status=pending`);
      assert.ok(!(relisted.data.data as { id: string }[]).some((p) => p.id === own));
    });

    await t.step("monthly summary: finance yes (MV and live), manager and crew 403", async () => {
      const mv = await invoke("finance", "payments/summary?from=2025-06-01&to=2025-06-30");
      assert.equal(mv.status, 200, JSON.stringify(mv.data));
      assert.equal(mv.data.source, "mv");
      const live = await invoke(
        "admin",
        "payments/summary?from=2025-06-01&to=2025-06-30&live=true",
      );
      assert.equal(live.status, 200);
      const months = live.data.months as { month: string; status: string; total_amount: string }[];
      const june = months.find((m) => m.month === "2025-06-01" && m.status === "approved");
      assert.ok(june && /^\d+\.\d{2}$/.test(june.total_amount));
      for (const who of [as(w.manager.token), as(w.crew.token)]) {
        assert.equal((await invoke(who, "payments/summary")).status, 403);
      }
    });

    await t.step("stats is admin only; health and openapi are public", async () => {
      const stats = await invoke("admin", "payments/stats");
      assert.equal(stats.status, 200);
      assert.ok("cache" in stats.data && "pool" in stats.data);
      assert.equal((await invoke("finance", "payments/stats")).status, 403);
      assert.equal((await invoke("anon", "payments/health")).status, 200);
      const doc = await invoke("anon", "payments/openapi.json");
      assert.equal(doc.status, 200);
      assert.ok("/payments/{id}/approve" in (doc.data.paths as Record<string, unknown>));
      assert.equal((await invoke("anon", "payments")).status, 401);
    });

    await closeDb();
  },
});
