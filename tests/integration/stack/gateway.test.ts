/**
 * The local functions gateway against real function processes (./fixtures/functions): JWT checks,
 * routing, CORS, pass-through, instances and a real supabase-js client.
 */
import assert from "node:assert/strict";
import { createClient, FunctionsHttpError } from "@supabase/supabase-js";
import { type Gateway, startGateway } from "../../../scripts/stack/gateway.ts";
import { mintJwt, mintUserJwt } from "../../../scripts/stack/keys.ts";
import { bearer, configPath, expectUnauthorized, SECRET, USER_ID } from "./fixtures/gateway.ts";

interface Echo {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string;
  instance: string;
  moduleId: string;
  served: number;
}

/** Swaps a token's payload for `claims`, keeping its header and signature. */
function withPayload(token: string, claims: Record<string, unknown>): string {
  const [header, , signature] = token.split(".");
  const payload = btoa(JSON.stringify(claims)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
  return `${header}.${payload}.${signature}`;
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  // A generous bound so a broken restart fails the test instead of hanging it.
  const deadline = Date.now() + 30_000;
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

Deno.test("gateway serves config.toml functions behind verify_jwt", async (t) => {
  const logs: string[] = [];
  const gateway: Gateway = await startGateway({
    configPath: configPath("config.toml"),
    port: 0,
    instances: 2,
    env: { ...Deno.env.toObject(), JWT_SECRET: SECRET },
    log: (line) => logs.push(line),
  });
  const fn = (path: string) => `${gateway.url}/functions/v1/${path}`;
  const userToken = await mintUserJwt(USER_ID, "crew", { secret: SECRET });
  const anonKey = await mintJwt({ role: "anon", secret: SECRET });
  const serviceKey = await mintJwt({ role: "service_role", secret: SECRET });

  try {
    await t.step("health answers", async () => {
      const response = await fetch(`${gateway.url}/health`);
      assert.equal(response.status, 200);
      const body = await response.json();
      assert.equal(body.functions.echo.instances, 2);
      assert.equal(body.functions.echo.ready, 2);
      // The ready processes' own ports, for the bench's direct measurements.
      assert.equal(new Set(body.functions.echo.ports).size, 2);
      assert.equal(body.functions.disabled, undefined);
    });

    await t.step("a user token reaches the function with path, query, headers, body", async () => {
      const response = await fetch(fn("echo/projects/42?page=2&q=a%20b"), {
        method: "POST",
        headers: { ...bearer(userToken), "content-type": "application/json", "x-request-id": "r1" },
        body: JSON.stringify({ name: "Gala dinner" }),
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("x-echo"), "1");
      const echo: Echo = await response.json();
      assert.equal(echo.method, "POST");
      assert.equal(echo.path, "/echo/projects/42");
      assert.equal(echo.query, "?page=2&q=a%20b");
      assert.equal(echo.body, JSON.stringify({ name: "Gala dinner" }));
      assert.equal(echo.headers["authorization"], `Bearer ${userToken}`);
      assert.equal(echo.headers["content-type"], "application/json");
      assert.equal(echo.headers["x-request-id"], "r1");
      assert.equal(response.headers.get("x-function-instance"), echo.instance);
    });

    await t.step("every method passes through", async () => {
      for (const method of ["GET", "PUT", "PATCH", "DELETE"]) {
        const response = await fetch(fn("echo/x"), { method, headers: bearer(userToken) });
        assert.equal(response.status, 200);
        assert.equal((await response.json() as Echo).method, method);
      }
    });

    await t.step("a streamed request body arrives whole", async () => {
      const chunk = "0123456789abcdef".repeat(4096); // 64 KiB
      const chunks = 16;
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ === chunks) return controller.close();
          controller.enqueue(new TextEncoder().encode(chunk));
        },
      });
      const response = await fetch(fn("echo/upload"), {
        method: "POST",
        headers: bearer(userToken),
        body,
      });
      const echo: Echo = await response.json();
      assert.equal(echo.body.length, chunk.length * chunks);
      assert.equal(echo.body, chunk.repeat(chunks));
    });

    await t.step("the function's status, headers and body come back", async () => {
      const response = await fetch(fn("echo?status=418"), { headers: bearer(userToken) });
      assert.equal(response.status, 418);
      assert.equal(response.headers.get("x-echo-status"), "set");
      assert.equal(await response.text(), "teapot");
    });

    await t.step(
      "chunked, large and empty answers come back whole, on reused connections",
      async () => {
        for (let round = 0; round < 3; round++) {
          const streamed = await fetch(fn("echo?stream=20"), { headers: bearer(userToken) });
          assert.equal(streamed.headers.get("x-echo-stream"), "1");
          assert.equal(
            await streamed.text(),
            Array.from({ length: 20 }, (_, i) => `part ${i};`).join(""),
          );
          const big = await fetch(fn("echo?big=300000"), { headers: bearer(userToken) });
          assert.equal((await big.text()).length, 300_000);
          const head = await fetch(fn("echo?big=10"), {
            method: "HEAD",
            headers: bearer(userToken),
          });
          assert.equal(head.status, 200);
          assert.equal(await head.text(), "");
          const none = await fetch(fn("echo?status=204"), { headers: bearer(userToken) });
          assert.equal(none.status, 204);
          assert.equal(await none.text(), "");
        }
        // Many at once: each answer matches its own request, never another's.
        const answers = await Promise.all(
          Array.from({ length: 40 }, async (_, i) => {
            const res = await fetch(fn(`echo?n=${i}`), { headers: bearer(userToken) });
            return (await res.json() as Echo).query;
          }),
        );
        assert.deepEqual(answers, Array.from({ length: 40 }, (_, i) => `?n=${i}`));
      },
    );

    await t.step("anon and service_role keys pass", async () => {
      for (const key of [anonKey, serviceKey]) {
        const response = await fetch(fn("echo"), { headers: bearer(key) });
        assert.equal(response.status, 200);
        await response.body?.cancel();
      }
    });

    await t.step("no, malformed, expired, tampered or foreign tokens get 401 JSON", async () => {
      await expectUnauthorized(await fetch(fn("echo")), /missing/i);
      await expectUnauthorized(await fetch(fn("echo"), { headers: { authorization: userToken } }));
      await expectUnauthorized(await fetch(fn("echo"), { headers: bearer("not-a-jwt") }));
      const expired = await mintUserJwt(USER_ID, "crew", { secret: SECRET, expiresIn: -60 });
      await expectUnauthorized(await fetch(fn("echo"), { headers: bearer(expired) }), /expired/i);
      const now = Math.floor(Date.now() / 1000);
      const tampered = withPayload(userToken, {
        sub: USER_ID,
        role: "service_role",
        iat: now,
        exp: now + 3600,
      });
      await expectUnauthorized(await fetch(fn("echo"), { headers: bearer(tampered) }), /invalid/i);
      const foreign = await mintUserJwt(USER_ID, "crew", {
        secret: "another-secret-that-is-at-least-32-characters",
      });
      await expectUnauthorized(await fetch(fn("echo"), { headers: bearer(foreign) }), /invalid/i);
      const unsigned = `${btoa('{"alg":"none","typ":"JWT"}').replace(/=+$/, "")}.${
        userToken.split(".")[1]
      }.`;
      await expectUnauthorized(await fetch(fn("echo"), { headers: bearer(unsigned) }));
    });

    await t.step("a verified (cached) token still expires", async () => {
      const shortLived = await mintUserJwt(USER_ID, "crew", { secret: SECRET, expiresIn: 1 });
      const first = await fetch(fn("echo"), { headers: bearer(shortLived) });
      assert.equal(first.status, 200);
      await first.body?.cancel();
      const exp = JSON.parse(atob(shortLived.split(".")[1])).exp as number;
      await new Promise((done) => setTimeout(done, Math.max(0, (exp + 1) * 1000 - Date.now())));
      await expectUnauthorized(await fetch(fn("echo"), { headers: bearer(shortLived) }), /expired/);
    });

    await t.step("verify_jwt = false functions need no token", async () => {
      const response = await fetch(fn("open/anything?x=1"));
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { open: true, path: "/open/anything" });
    });

    await t.step("unknown and disabled functions are 404 JSON", async () => {
      for (const path of [fn("nope"), fn("disabled"), `${gateway.url}/rest/v1/projects`]) {
        const response = await fetch(path, { headers: bearer(userToken) });
        assert.equal(response.status, 404);
        assert.equal((await response.json()).error.code, "not_found");
      }
    });

    await t.step("OPTIONS preflight is answered without a token", async () => {
      const response = await fetch(fn("echo/projects"), {
        method: "OPTIONS",
        headers: { origin: "https://app.example", "access-control-request-method": "POST" },
      });
      assert.equal(response.status, 204);
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
      const allowed = response.headers.get("access-control-allow-headers") ?? "";
      for (const header of ["authorization", "apikey", "content-type", "idempotency-key"]) {
        assert.ok(allowed.includes(header), `${header} allowed`);
      }
      assert.match(response.headers.get("access-control-allow-methods") ?? "", /PATCH/);
      assert.equal(response.headers.get("x-function-instance"), null);
    });

    await t.step("two instances both answer, each with its own module state", async () => {
      const seen = new Map<string, Echo[]>();
      for (let i = 0; i < 6; i++) {
        const response = await fetch(fn("echo"), { headers: bearer(userToken) });
        const echo: Echo = await response.json();
        assert.equal(response.headers.get("x-function-instance"), echo.instance);
        seen.set(echo.instance, [...seen.get(echo.instance) ?? [], echo]);
      }
      assert.deepEqual([...seen.keys()].sort(), ["0", "1"]);
      const [zero, one] = [seen.get("0")!, seen.get("1")!];
      assert.notEqual(zero[0].moduleId, one[0].moduleId);
      // Sequential requests: a shared counter would jump by 2 between one instance's answers.
      for (const answers of [zero, one]) {
        for (let i = 1; i < answers.length; i++) {
          assert.equal(answers[i].moduleId, answers[0].moduleId);
          assert.equal(answers[i].served, answers[i - 1].served + 1);
        }
      }
    });

    await t.step("a dead instance is restarted with fresh module state", async () => {
      const before: Echo = await (await fetch(fn("echo"), { headers: bearer(userToken) })).json();
      const crash = await fetch(fn("echo?crash=1"), { headers: bearer(userToken) });
      const crashed = crash.headers.get("x-function-instance");
      assert.equal(await crash.text(), "bye");
      const fresh = new Set<string>();
      await waitFor("a restarted instance", async () => {
        const response = await fetch(fn("echo"), { headers: bearer(userToken) });
        if (response.status !== 200) {
          await response.body?.cancel();
          return false;
        }
        const echo: Echo = await response.json();
        if (echo.instance === crashed && echo.served === 1) fresh.add(echo.moduleId);
        return fresh.size > 0;
      });
      assert.ok(!fresh.has(before.moduleId));
      assert.ok(logs.some((line) => line.includes(`echo#${crashed} exited`)));
    });

    await t.step("supabase-js functions.invoke reaches the function", async () => {
      const options = { auth: { persistSession: false, autoRefreshToken: false } };
      const supabase = createClient(gateway.url, anonKey, options);
      const { data, error } = await supabase.functions.invoke<Echo>("echo", {
        body: { hello: "world" },
      });
      assert.equal(error, null);
      assert.equal(data?.method, "POST");
      assert.equal(data?.path, "/echo");
      assert.deepEqual(JSON.parse(data?.body ?? "null"), { hello: "world" });
      assert.equal(data?.headers["apikey"], anonKey);
      assert.ok(data?.headers["x-client-info"]?.startsWith("supabase-js"));

      const stranger = createClient(gateway.url, anonKey, {
        ...options,
        global: { headers: { Authorization: "Bearer not-a-jwt" } },
      });
      const denied = await stranger.functions.invoke("echo", { body: { hello: "world" } });
      assert.ok(denied.error instanceof FunctionsHttpError);
      const context = denied.error.context as Response;
      assert.equal(context.status, 401);
      assert.equal((await context.json()).error.code, "unauthorized");
    });

    await t.step("logs name functions but never tokens", () => {
      assert.ok(logs.some((line) => /function echo#0 started/.test(line)));
      for (const token of [userToken, anonKey, serviceKey]) {
        assert.ok(!logs.some((line) => line.includes(token)));
      }
    });
  } finally {
    await gateway.close();
  }
  assert.ok(logs.some((line) => /function echo#1 stopped/.test(line)));
});
