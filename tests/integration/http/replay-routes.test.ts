/**
 * Every replayable route, walked (shared/http/replay.ts): a route that says `replay: true` is
 * answered from memory on a repeat, so each one must show, with its own data, that
 *
 * - the repeat is a replay and sends the bytes the full route sent;
 * - after each write that changes its answer — including a write to a second source the answer
 *   is built from (a candidate's bank details) — the next read is the full route again and says
 *   what a fresh token of the same user is told.
 *
 * The list of routes comes from the apps themselves: a new `replay: true` route fails here until
 * it has a sample below (so its author names the writes that must end its replays), and a sample
 * for a route that is no longer replayed fails too. In-process (one isolate, no gateway), against
 * the test stack's database and Redis.
 */
import assert from "node:assert/strict";
import type { App } from "../../../shared/http/app.ts";
import { app as projects } from "../../../functions/projects/app.ts";
import { app as candidates } from "../../../functions/candidates/app.ts";
import { app as payments } from "../../../functions/payments/app.ts";
import { app as claims } from "../../../functions/claims/app.ts";
import { app as jobs } from "../../../functions/jobs/app.ts";
import { app as ops } from "../../../functions/ops/app.ts";
import { routeReplayed } from "../../../shared/http/route.ts";
import { mintUserJwt } from "../../../scripts/stack/keys.ts";
import { DEMO_USERS } from "../../../scripts/seed/demo-users.ts";
import { closeDb } from "../../helpers/client.ts";
import { insertClaim, makeWorld, type World } from "../../e2e/candidates/fixtures.ts";
import { insertPayment } from "../../e2e/payments/fixtures.ts";

const APPS: Record<string, App> = { projects, candidates, payments, claims, jobs, ops };

/** `projects GET /{id}` for every route that said `replay: true`. */
function replayRoutes(): string[] {
  const found: string[] = [];
  for (const [name, app] of Object.entries(APPS)) {
    for (const d of app.openAPIRegistry.definitions) {
      if (d.type === "route" && routeReplayed(d.route)) {
        found.push(`${name} ${d.route.method.toUpperCase()} ${d.route.path}`);
      }
    }
  }
  return found.sort();
}

interface Change {
  what: string;
  /** The write, through the function (so it invalidates as a real one does); answers 2xx. */
  write: (w: World) => Promise<Response>;
}

interface Sample {
  /** Who reads, and what (the path below the function). */
  as: (w: World) => Promise<Token>;
  path: (w: World, ids: Ids) => string;
  changes: Change[];
}

interface Token {
  token: string;
  /** Another token of the same user: its reads never replay the first one's answers. */
  fresh: () => Promise<string>;
}

interface Ids {
  claim: string;
  payment: string;
}

const demo = (name: "admin" | "finance") => async (): Promise<Token> => {
  const { id, role } = DEMO_USERS[name];
  return {
    token: await mintUserJwt(id, role),
    fresh: () => mintUserJwt(id, role, { claims: { session_id: crypto.randomUUID() } }),
  };
};
/** A user of the test's world (its token is minted already). */
function worldUser(pick: (w: World) => { id: string; token: string }, role: string) {
  return (w: World): Promise<Token> =>
    Promise.resolve({
      token: pick(w).token,
      fresh: () => mintUserJwt(pick(w).id, role, { claims: { session_id: crypto.randomUUID() } }),
    });
}

async function call(
  fn: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<Response> {
  return await APPS[fn].request(`/${fn}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const as = (name: "admin" | "finance") => demo(name)().then((t) => t.token);

const SAMPLES: Record<string, Sample> = {
  "projects GET /": {
    as: demo("admin"),
    path: (w) => `?q=${encodeURIComponent(w.tag)}&status=active`,
    changes: [{
      what: "a project in the list is edited",
      write: async (w) =>
        call("projects", "PATCH", `/${w.projectId}`, await as("admin"), { venue: "Walk Hall" }),
    }],
  },
  "projects GET /{id}": {
    as: worldUser((w) => w.manager, "manager"),
    path: (w) => `/${w.projectId}`,
    changes: [{
      what: "the project is edited",
      write: (w) => call("projects", "PATCH", `/${w.projectId}`, w.manager.token, { venue: "Two" }),
    }],
  },
  "candidates GET /{id}": {
    as: demo("admin"),
    path: (w) => `/${w.crew.candidateId}`,
    changes: [
      {
        what: "the candidate is edited",
        write: async (w) =>
          call("candidates", "PATCH", `/${w.crew.candidateId}`, await as("admin"), {
            full_name: `Walked ${w.tag}`,
          }),
      },
      {
        // The answer's second source: a write to it alone must end the replay too.
        what: "the candidate's bank details change",
        write: async (w) =>
          call("candidates", "PUT", `/${w.crew.candidateId}/bank`, await as("finance"), {
            bank_name: "Maybank",
            account_number: "5140123456",
            account_holder: `Walked ${w.tag}`,
          }),
      },
    ],
  },
  "claims GET /{id}": {
    // The project's manager (crew read their own claims from the database: nothing to replay).
    as: worldUser((w) => w.manager, "manager"),
    path: (_w, ids) => `/${ids.claim}`,
    changes: [{
      what: "the draft is edited by its claimant",
      write: (w) =>
        call("claims", "PATCH", `/${ids.claim}`, w.crew.token, { description: "Taxi, walked" }),
    }],
  },
  "payments GET /{id}": {
    as: demo("admin"),
    path: (_w, ids) => `/${ids.payment}`,
    changes: [{
      what: "the payment is cancelled",
      write: async () => call("payments", "POST", `/${ids.payment}/cancel`, await as("admin")),
    }],
  },
};

let ids: Ids;

const isReplay = (res: Response) => (res.headers.get("server-timing") ?? "").startsWith("replay;");

const t = (name: string, fn: () => void | Promise<void>) =>
  Deno.test({ name: `replay routes: ${name}`, fn, sanitizeOps: false, sanitizeResources: false });

t("every replay: true route has a sample, and every sample is a replay route", () => {
  assert.deepEqual(replayRoutes(), Object.keys(SAMPLES).sort());
});

t("each is replayed as sent, and each write that changes it ends the replay", async () => {
  const w = await makeWorld();
  ids = {
    claim: await insertClaim(w.projectId, w.crew.candidateId),
    payment: await insertPayment(w.projectId, w.crew.candidateId),
  };
  for (const [name, sample] of Object.entries(SAMPLES)) {
    const [fn, , path] = name.split(" ");
    const url = sample.path(w, ids);
    const reader = await sample.as(w);
    for (const change of sample.changes) {
      const label = `${name} (${change.what})`;
      // The full route (a fresh token: nothing kept for it), then the reader's repeats until one
      // is replayed: the same bytes.
      const full = await call(fn, "GET", url, await reader.fresh());
      const fullBody = await full.text();
      assert.equal(full.status, 200, `${label}: ${fullBody}`);
      assert.equal(isReplay(full), false);
      let repeat: { body: string; replayed: boolean } | undefined;
      for (let i = 0; i < 4 && !repeat?.replayed; i++) {
        const res = await call(fn, "GET", url, reader.token);
        repeat = { body: await res.text(), replayed: isReplay(res) };
      }
      assert.equal(repeat?.replayed, true, `${label}: no replay of ${path}: ${repeat?.body}`);
      assert.equal(repeat.body, fullBody, `${label}: the replay is the full answer`);

      const written = await change.write(w);
      const writeAnswer = await written.text();
      assert.ok(written.ok, `${label}: ${written.status} ${writeAnswer}`);

      const after = await call(fn, "GET", url, reader.token);
      const afterBody = await after.text();
      assert.equal(isReplay(after), false, `${label}: a replay after the write`);
      assert.notEqual(afterBody, fullBody, `${label}: the answer did not change`);
      const fresh = await call(fn, "GET", url, await reader.fresh());
      assert.equal(isReplay(fresh), false);
      assert.equal(afterBody, await fresh.text(), `${label}: not what a fresh token is told`);
    }
  }
});

t("close", closeDb);
