/**
 * payments function end to end (supabase-js → gateway → function → pgbouncer → Postgres): happy
 * paths per role, bad input with the database unchanged, forbidden access without leaks.
 */
import assert from "node:assert/strict";
import {
  closeDb,
  crewAs,
  db,
  DEMO,
  errorText,
  failsWith,
  invoke,
  routesAs,
} from "../../helpers/client.ts";
import type { PaymentCreate } from "../../../client/index.ts";
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
    const body = (over: Partial<PaymentCreate> = {}): PaymentCreate => ({
      project_id: w.projectId,
      candidate_id: w.crew.candidateId,
      amount: "350.50",
      payment_date: today,
      ...over,
    });

    await t.step("finance creates a payment (201, money as string)", async () => {
      const res = await routesAs("finance").payments("post", "/payments")({
        body: body({ reference: "INV-1" }),
        header: { "idempotency-key": newKey() },
      });
      assert.equal(res.status, 201, JSON.stringify(res.data));
      assert.equal(res.data.amount, "350.50");
      assert.equal(res.data.status, "pending");
      assert.equal(res.data.payment_date, today);
      assert.equal(res.data.created_by, DEMO.finance);
      const [row] = await db()`select amount::text, status::text from public.payments
                                where id = ${res.data.id}`;
      assert.deepEqual({ ...row }, { amount: "350.50", status: "pending" });
    });

    await t.step("admin creates; GET /{id} is then served from cache", async () => {
      const res = await routesAs("admin").payments("post", "/payments")({
        body: body({ amount: "10" }),
        header: { "idempotency-key": newKey() },
      });
      assert.equal(res.status, 201);
      assert.equal(res.data.amount, "10.00");
      const got = await routesAs("admin").payments("get", "/payments/{id}")({
        path: { id: res.data.id },
      });
      assert.equal(got.status, 200);
      assert.deepEqual(got.data, res.data);
      assert.match(got.headers.get("x-cache") ?? "", /^(l1|l2)$/);
    });

    await t.step("bad input is 400/422 and changes nothing", async () => {
      const before = await paymentCount(w.crew.candidateId);
      const cases: [PaymentCreate, string][] = [
        [body({ amount: "1.005" }), "amount"],
        [body({ amount: "-5.00" }), "amount"],
        [body({ amount: "0.00" }), "amount"],
        [body({ payment_date: "2025-02-30" }), "payment_date"],
        [body({ period_start: "2025-03-10", period_end: "2025-03-01" }), "period_end"],
      ];
      for (const [payload, field] of cases) {
        const key = newKey();
        const error = await failsWith(
          crewAs("finance").payments.create(payload, { idempotencyKey: key }),
          400,
          "validation_failed",
        );
        assert.ok(error.details && field in error.details, `${field}: ${errorText(error)}`);
        const keys = await db()`select 1 from public.payment_idempotency_keys where key = ${key}`;
        assert.equal(keys.length, 0);
      }
      // Raw: requests the typed client cannot send — no Idempotency-Key (it always sends one),
      // money as a number, a field the schema does not have.
      const malformed: [Record<string, unknown>, Record<string, string> | undefined, string][] = [
        [body(), {}, "idempotency-key"],
        [{ ...body(), amount: 350.5 }, undefined, "amount"],
        [{ ...body(), bonus: "1.00" }, undefined, "bonus"],
      ];
      for (const [payload, headers, field] of malformed) {
        const key = newKey();
        const res = await invoke("finance", "payments", {
          method: "POST",
          body: payload,
          headers: headers ?? { "Idempotency-Key": key },
        });
        assert.equal(res.status, 400, `${field}: ${JSON.stringify(res.data)}`);
        const error = res.data.error as { code: string; details?: Record<string, string> };
        assert.equal(error.code, "validation_failed");
        assert.ok(error.details && field in error.details, JSON.stringify(error.details));
        const keys = await db()`select 1 from public.payment_idempotency_keys where key = ${key}`;
        assert.equal(keys.length, 0);
      }
      const key = newKey();
      await failsWith(
        crewAs("finance").payments.create(body({ project_id: crypto.randomUUID() }), {
          idempotencyKey: key,
        }),
        422,
        "unprocessable",
      );
      const keys = await db()`select 1 from public.payment_idempotency_keys where key = ${key}`;
      assert.equal(keys.length, 0, "a failed create leaves no key behind");
      assert.equal(await paymentCount(w.crew.candidateId), before);
    });

    await t.step("crew and managers cannot create (403), nothing written", async () => {
      const before = await paymentCount(w.crew.candidateId);
      for (const who of [as(w.crew.token), as(w.manager.token)]) {
        await failsWith(crewAs(who).payments.create(body()), 403, "forbidden");
      }
      assert.equal(await paymentCount(w.crew.candidateId), before);
    });

    const own = await insertPayment(w.projectId, w.crew.candidateId, { amount: "111.00" });
    const other = await insertPayment(w.projectId, w.crew2.candidateId, { amount: "222.00" });
    const elsewhere = await insertPayment(w.project2Id, w.crew2.candidateId, { amount: "333.00" });
    const getPayment = (who: Parameters<typeof routesAs>[0], id: string) =>
      routesAs(who).payments("get", "/payments/{id}")({ path: { id } });

    await t.step("crew see only their own payments", async () => {
      const crew = crewAs(as(w.crew.token));
      const list = await crew.payments.list({ limit: 200 });
      const data = list.data;
      assert.ok(data.some((p) => p.id === own));
      assert.ok(data.every((p) => p.candidate_id === w.crew.candidateId));
      const mine = await getPayment(as(w.crew.token), own);
      assert.equal(mine.status, 200);
      assert.equal(mine.data.amount, "111.00");
      assert.equal(mine.headers.get("x-cache"), "bypass");
      // Warm the shared entry as finance first: crew must still not get it.
      await crewAs("finance").payments.getById(other);
      const theirs = await failsWith(crew.payments.getById(other), 404);
      assert.ok(!errorText(theirs).includes("222.00"));
      const filtered = await crew.payments.list({ candidate_id: w.crew2.candidateId });
      assert.deepEqual(filtered.data, []);
    });

    await t.step("managers see their projects' payments only", async () => {
      const manager = crewAs(as(w.manager.token));
      const list = await manager.payments.list({ project_id: w.projectId });
      const ids = list.data.map((p) => p.id);
      assert.ok(ids.includes(own) && ids.includes(other));
      const foreign = await manager.payments.list({ project_id: w.project2Id });
      assert.deepEqual(foreign.data, []);
      // Cached by manager2 (owner) first; manager must still get 404.
      await crewAs(as(w.manager2.token)).payments.getById(elsewhere);
      const denied = await failsWith(manager.payments.getById(elsewhere), 404);
      assert.ok(!errorText(denied).includes("333.00"));
      await manager.payments.getById(other);
    });

    await t.step("managers cannot move statuses (403), status unchanged", async () => {
      await failsWith(crewAs(as(w.manager.token)).payments.approve(own), 403);
      const [row] = await db()`select status::text from public.payments where id = ${own}`;
      assert.equal(row.status, "pending");
    });

    await t.step("list filters, keyset pages and date window", async () => {
      const finance = crewAs("finance");
      const extra = await Promise.all(
        ["2025-06-01", "2025-06-02", "2025-06-03"].map((date) =>
          insertPayment(w.projectId, w.crew.candidateId, { date, status: "approved" })
        ),
      );
      const seen: string[] = [];
      for await (
        const page of finance.payments.pages({
          project_id: w.projectId,
          candidate_id: w.crew.candidateId,
          status: "approved",
          from: "2025-05-01",
          to: "2025-07-01",
          limit: 2,
        })
      ) {
        seen.push(...page.data.map((p) => p.id));
      }
      assert.deepEqual(seen, [...extra].reverse(), "newest payment_date first, each once");
      const outside = await finance.payments.list({ project_id: w.projectId, to: "2025-05-31" });
      assert.ok(!outside.data.some((p) => extra.includes(p.id)));
      await failsWith(finance.payments.list({ cursor: "not-a-cursor" }), 400);
      // Raw: a sort the list does not offer (the typed filters have no `sort`).
      const unknown = await invoke("finance", "payments?sort=amount");
      assert.equal(unknown.status, 400);
      await failsWith(finance.payments.list({ from: "2025-07-01", to: "2025-05-01" }), 400);
    });

    await t.step("a write invalidates the cached payment and lists", async () => {
      const finance = crewAs("finance");
      const first = await finance.payments.getById(own);
      assert.equal(first.status, "pending");
      const listed = await finance.payments.list({ project_id: w.projectId, status: "pending" });
      assert.ok(listed.data.some((p) => p.id === own));
      const approved = await routesAs("finance").payments("post", "/payments/{id}/approve")({
        path: { id: own },
      });
      assert.equal(approved.status, 200);
      assert.equal(approved.data.status, "approved");
      assert.equal(approved.data.approved_by, DEMO.finance);
      const after = await finance.payments.getById(own);
      assert.equal(after.status, "approved");
      const relisted = await finance.payments.list({ project_id: w.projectId, status: "pending" });
      assert.ok(!relisted.data.some((p) => p.id === own));
    });

    await t.step("monthly summary: finance yes (MV and live), manager and crew 403", async () => {
      const mv = await crewAs("finance").payments.summary({ from: "2025-06-01", to: "2025-06-30" });
      assert.equal(mv.source, "mv");
      const live = await crewAs("admin").payments.summary({
        from: "2025-06-01",
        to: "2025-06-30",
        live: "true",
      });
      const june = live.months.find((m) => m.month === "2025-06-01" && m.status === "approved");
      assert.ok(june && /^\d+\.\d{2}$/.test(june.total_amount));
      for (const who of [as(w.manager.token), as(w.crew.token)]) {
        await failsWith(crewAs(who).payments.summary(), 403);
      }
    });

    await t.step("stats is admin only; health and openapi are public", async () => {
      // Raw: stats, health and openapi.json are left out of the typed client (not app routes).
      const stats = await invoke("admin", "payments/stats");
      assert.equal(stats.status, 200);
      assert.ok("cache" in stats.data && "pool" in stats.data);
      assert.equal((await invoke("finance", "payments/stats")).status, 403);
      assert.equal((await invoke("anon", "payments/health")).status, 200);
      const doc = await invoke("anon", "payments/openapi.json");
      assert.equal(doc.status, 200);
      assert.ok("/payments/{id}/approve" in (doc.data.paths as Record<string, unknown>));
      // Signed out: the anon key alone.
      await failsWith(crewAs("anon").payments.list(), 401);
    });

    await closeDb();
  },
});
