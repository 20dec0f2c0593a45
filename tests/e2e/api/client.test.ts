/**
 * The typed client (client/) against the running stack, through the real supabase-js: at least
 * one route of every function, paging with the async iterator, payment creates that repeat with
 * one Idempotency-Key, the typed error of a 404 / 403, and a real 429 whose Retry-After the
 * client waits for before trying again.
 */
import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import {
  createCrewClient,
  CrewApiError,
  type CrewClient,
  type CrewClientOptions,
  type RetryEvent,
} from "../../../client/index.ts";
import { closeDb, db, env, tokenAs, tokenFor } from "../../helpers/client.ts";
import { makeWorld } from "../payments/fixtures.ts";

/** The client an app signed in as `token` would build. */
function crewAs(token: string, options: CrewClientOptions = {}): CrewClient {
  const supabase = createClient(env("SUPABASE_URL"), env("SUPABASE_ANON_KEY"), {
    auth: { persistSession: false, autoRefreshToken: false },
    global: { headers: { Authorization: `Bearer ${token}` } },
  });
  return createCrewClient(supabase, options);
}

/** Awaits `call`, expecting a CrewApiError; returns it. */
async function failure(call: Promise<unknown>): Promise<CrewApiError> {
  try {
    await call;
  } catch (e) {
    assert.ok(e instanceof CrewApiError, `a CrewApiError, not ${e}`);
    return e;
  }
  assert.fail("the call succeeded");
}

const today = new Date().toISOString().slice(0, 10);
const FINISHED = ["succeeded", "dead", "cancelled", "discarded", "superseded"];

Deno.test({
  name: "typed client against the stack",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const w = await makeWorld();
    const manager = crewAs(w.manager.token);
    const crew = crewAs(w.crew.token);
    const finance = crewAs(await tokenFor("finance"));
    const admin = crewAs(await tokenFor("admin"));

    await t.step("projects: getById, and listAll across pages", async () => {
      const detail = await manager.projects.getById(w.projectId);
      assert.equal(detail.project.id, w.projectId);
      assert.equal(detail.project.title, `Payments test ${w.tag}`);
      assert.ok(detail.staff_summary, "a manager sees the staff summary");
      assert.equal(detail.staff_summary.confirmed, 2);

      // A fresh manager's own projects: one from the world plus four more, two per page.
      const more = await db()`
        insert into public.projects (title, status, start_date, end_date, manager_id)
        select ${`Client paging ${w.tag} `} || i, 'planning', date '2030-01-01' + i,
               date '2030-02-01' + i, ${w.manager.id}
          from generate_series(1, 4) i
        returning id`;
      const expected = [w.projectId, ...more.map((r) => String(r.id))].sort();
      const ids: string[] = [];
      for await (const project of manager.projects.listAll({ limit: 2 })) ids.push(project.id);
      assert.deepEqual([...ids].sort(), expected, "every row once, across pages");
      let pages = 0;
      for await (const page of manager.projects.pages({ limit: 2 })) {
        pages++;
        assert.ok(page.data.length <= 2);
      }
      assert.equal(pages, 3);
      const first = await manager.projects.list({ limit: 2, sort: "title", order: "asc" });
      assert.equal(first.data.length, 2);
      assert.equal(typeof first.next_cursor, "string");
    });

    await t.step("typed errors: 404 and 403 carry status, code and requestId", async () => {
      const missing = await failure(manager.projects.getById(crypto.randomUUID()));
      assert.equal(missing.status, 404);
      assert.equal(missing.code, "not_found");
      assert.match(missing.requestId ?? "", /^[A-Za-z0-9._-]{8,}$/);
      assert.equal(missing.route, "GET /projects/{id}");
      const refused = await failure(crew.projects.create({
        title: "Not allowed",
        start_date: "2030-01-01",
        end_date: "2030-01-02",
      }));
      assert.equal(refused.status, 403);
      assert.equal(refused.code, "forbidden");
      assert.ok(refused.requestId);
      const invalid = await failure(manager.projects.getById("not-a-uuid"));
      assert.equal(invalid.status, 400);
      assert.equal(invalid.code, "validation_failed");
      assert.ok(invalid.details, "per-field details");
    });

    await t.step("candidates: getById and me", async () => {
      const mine = await crew.candidates.getById(w.crew.candidateId);
      assert.equal(mine.id, w.crew.candidateId);
      assert.equal((await crew.candidates.me()).id, w.crew.candidateId);
      const other = await failure(crew.candidates.getById(w.crew2.candidateId));
      assert.ok([403, 404].includes(other.status), `${other.status} ${other.code}`);
    });

    await t.step("payments: one key, one payment; no key, one made and returned", async () => {
      const body = {
        project_id: w.projectId,
        candidate_id: w.crew.candidateId,
        amount: "123.45",
        payment_date: today,
      };
      const key = `client-${crypto.randomUUID()}`;
      const first = await finance.payments.create(body, { idempotencyKey: key });
      const again = await finance.payments.create(body, { idempotencyKey: key });
      assert.deepEqual([first.idempotencyKey, first.replayed], [key, false]);
      assert.deepEqual([again.idempotencyKey, again.replayed], [key, true]);
      assert.equal(again.payment.id, first.payment.id, "the same payment");
      assert.deepEqual(again.payment, first.payment);

      const made = await finance.payments.create({ ...body, amount: "10.00" });
      assert.match(made.idempotencyKey, /^[0-9a-f-]{36}$/);
      assert.equal(made.replayed, false);
      const [row] = await db()`
        select payment_id from public.payment_idempotency_keys where key = ${made.idempotencyKey}`;
      assert.equal(row.payment_id, made.payment.id, "the returned key is the one stored");
      assert.equal((await finance.payments.getById(made.payment.id)).amount, "10.00");

      const reused = await failure(
        finance.payments.create({ ...body, amount: "1.00" }, { idempotencyKey: key }),
      );
      assert.deepEqual([reused.status, reused.code, reused.idempotencyKey], [
        422,
        "idempotency_key_reused",
        key,
      ]);
    });

    await t.step("claims: create, submit, approve", async () => {
      const draft = await crew.claims.create({
        project_id: w.projectId,
        category: "transport",
        amount: "12.50",
        description: "Taxi to the venue",
      });
      assert.equal(draft.status, "draft");
      assert.equal((await crew.claims.submit(draft.id)).status, "submitted");
      const approved = await finance.claims.approve(draft.id);
      assert.equal(approved.status, "approved");
      assert.equal((await crew.claims.getById(draft.id)).status, "approved");
      const twice = await failure(finance.claims.approve(draft.id));
      assert.deepEqual([twice.status, twice.code], [409, "invalid_transition"]);
    });

    await t.step("jobs: follow an async payroll's job to the end", async () => {
      const accepted = await finance.payments.payroll({
        project_id: w.projectId,
        period_start: "2026-03-02",
        period_end: "2026-03-06",
        payment_date: "2026-03-10",
        async: true,
      });
      assert.ok("job_id" in accepted, "a job, not a result");
      const until = Date.now() + 20_000;
      let job = await finance.jobs.getById(accepted.job_id);
      while (!FINISHED.includes(job.state) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
        job = await finance.jobs.getById(accepted.job_id);
      }
      assert.equal(job.state, "succeeded", job.last_error ?? "");
      assert.equal(job.queue, "payroll");
    });

    await t.step("ops: the overview, as admin only", async () => {
      const overview = await admin.ops.overview();
      assert.ok(Array.isArray(overview.requests));
      assert.equal(typeof overview.at, "string");
      const refused = await failure(finance.ops.overview());
      assert.equal(refused.status, 403);
    });

    await t.step("a real 429: the client waits Retry-After, then succeeds", async () => {
      // A user of its own, so no other test's searches fill this window (30 per 10 s).
      const token = await tokenAs(crypto.randomUUID(), "admin");
      const once = crewAs(token, { retry: { maxRetries: 0 } });
      for (let i = 0; i < 30; i++) await once.candidates.list({ q: "ali", limit: 1 });
      // A sliding window weighs the previous fixed window by the time left in it: when the 30
      // calls straddle a window boundary, a few more pass before the refusal (never a full window).
      let passed = 30;
      let limited: CrewApiError | undefined;
      while (!limited && passed < 60) {
        try {
          await once.candidates.list({ q: "ali", limit: 1 });
          passed++;
        } catch (error) {
          if (!(error instanceof CrewApiError)) throw error;
          limited = error;
        }
      }
      assert.ok(limited, `${passed} calls in a row passed a limit of 30 per 10 s`);
      assert.deepEqual([limited.status, limited.code], [429, "rate_limited"]);
      assert.ok(limited.retryAfterS! >= 1 && limited.retryAfterS! <= 10, `${limited.retryAfterS}`);
      assert.ok(limited.requestId);

      const retries: RetryEvent[] = [];
      const patient = crewAs(token, { retry: { maxRetries: 3 }, onRetry: (e) => retries.push(e) });
      const started = Date.now();
      const page = await patient.candidates.list({ q: "ali", limit: 1 });
      assert.ok(Array.isArray(page.data));
      assert.ok(retries.length >= 1, "it was refused first, then retried");
      for (const r of retries) {
        assert.equal(r.error.status, 429);
        assert.equal(r.delayMs, r.error.retryAfterS! * 1000, "waited what the server asked");
      }
      const waited = retries.reduce((sum, r) => sum + r.delayMs, 0);
      assert.ok(Date.now() - started >= waited, `${Date.now() - started} ms < ${waited} ms`);
    });

    await closeDb();
  },
});
