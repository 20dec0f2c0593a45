/**
 * shared/config.ts: the environment is parsed once, and a bad value stops the isolate at start
 * with the variable's name — never a 401 for every request because a key could not be read.
 */
import assert from "node:assert/strict";
import "./env-setup.ts";
import { ConfigError, parseConfig } from "../../shared/config.ts";

const base = {
  DB_POOLER_URL: "postgres://pooler",
  JWT_SECRET: "super-secret-jwt-token-with-at-least-32-characters-long",
};

function refusal(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("config: the seed's database variables, with the pooler preferred", () => {
  const { db } = parseConfig({
    ...base,
    SUPABASE_DB_URL: "postgres://direct",
    DB_POOL_MIN: "1",
    DB_POOL_MAX: "4",
    DB_STATEMENT_TIMEOUT: "8000",
    DB_IDLE_TIMEOUT: "20",
    DB_MAX_LIFETIME: "600",
    DB_CONNECT_TIMEOUT: "3",
    DB_ACQUIRE_TIMEOUT: "1500",
    DB_APPLICATION_NAME: "crew-projects",
  });
  assert.deepEqual(db, {
    url: "postgres://pooler",
    min: 1,
    max: 4,
    statementTimeoutMs: 8000,
    idleTimeoutS: 20,
    maxLifetimeS: 600,
    connectTimeoutS: 3,
    acquireTimeoutMs: 1500,
    applicationName: "crew-projects",
  });
  const { DB_POOLER_URL: _, ...direct } = { ...base, SUPABASE_DB_URL: "postgres://direct" };
  assert.equal(parseConfig(direct).db.url, "postgres://direct");
});

Deno.test("config: garbage in a number is an error naming the variable, not a default", () => {
  assert.match(refusal({ ...base, DB_POOL_MAX: "ten" }), /DB_POOL_MAX: must be a whole number/);
  assert.match(refusal({ ...base, CACHE_L2_TIMEOUT_MS: "-1" }), /CACHE_L2_TIMEOUT_MS/);
  assert.match(refusal({ ...base, REQUEST_TIMEOUT_MS: "5" }), /REQUEST_TIMEOUT_MS/);
  assert.match(
    refusal({ ...base, RATE_LIMIT_WRITES: "lots" }),
    /RATE_LIMIT_WRITES: must look like/,
  );
});

Deno.test("config: no key to verify tokens with, or a broken JWKS, fails at start", () => {
  const { JWT_SECRET: _, ...noKey } = base;
  assert.match(refusal(noKey), /JWT_SECRET: not set \(nor SUPABASE_JWKS or JWKS_URL\)/);
  assert.match(
    refusal({ ...base, SUPABASE_JWKS: "{not json" }),
    /SUPABASE_JWKS: must be a JSON Web Key Set/,
  );
  assert.match(refusal({ ...base, SUPABASE_JWKS: '{"keys":[]}' }), /SUPABASE_JWKS/);
  assert.match(refusal({ ...base, JWT_SECRET: "short" }), /JWT_SECRET: must be at least 32/);
  assert.match(refusal({ ...base, JWKS_URL: "not a url" }), /JWKS_URL: must be a URL/);
  const jwks = { keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y", kid: "k" }] };
  assert.deepEqual(parseConfig({ ...base, SUPABASE_JWKS: JSON.stringify(jwks) }).auth.jwks, jwks);
});

Deno.test("config: every problem is listed at once; Upstash URL and token go together", () => {
  const message = refusal({ DB_POOL_MAX: "0", UPSTASH_REDIS_REST_URL: "http://127.0.0.1:1" });
  for (const name of ["DB_POOLER_URL", "JWT_SECRET", "DB_POOL_MAX", "UPSTASH_REDIS_REST_TOKEN"]) {
    assert.match(message, new RegExp(name));
  }
});

Deno.test("config: defaults and switches", () => {
  const c = parseConfig({
    ...base,
    CACHE_DISABLED: "1",
    LOG_REQUESTS: "0",
    RATE_LIMIT_PER_IP: "900/1m",
  });
  assert.equal(c.cache.enabled, false);
  assert.equal(c.cache.l1Enabled, true);
  assert.equal(c.log.level, "warn", "LOG_REQUESTS=0 still silences request and job lines");
  assert.equal(parseConfig(base).log.level, "info");
  assert.equal(parseConfig({ ...base, LOG_LEVEL: "debug", LOG_REQUESTS: "0" }).log.level, "debug");
  assert.throws(() => parseConfig({ ...base, LOG_LEVEL: "loud" }), /LOG_LEVEL/);
  assert.equal(c.http.requestTimeoutMs, 10_000);
  assert.equal(c.outbox.replayIntervalMs, 2_000);
  assert.deepEqual(c.rateLimit.ip, { limit: 900, windowS: 60 });
  assert.deepEqual(c.rateLimit.write, { limit: 120, windowS: 10 });
  assert.deepEqual(c.rateLimit.expensive, { limit: 30, windowS: 10 });
  assert.equal(c.rateLimit.enabled, true);
  assert.equal(
    parseConfig({ ...base, UPSTASH_REDIS_URL: "http://r", UPSTASH_REDIS_TOKEN: "t" }).cache
      .redisToken,
    "t",
  );
});

Deno.test("config: a function started with a bad environment exits at once, naming the variable", async () => {
  const entry = new URL("../../functions/projects/index.ts", import.meta.url).pathname;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", entry],
    env: { DB_POOLER_URL: "postgres://127.0.0.1:1/x", DB_POOL_MAX: "ten", NO_COLOR: "1" },
    clearEnv: true,
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stderr);
  assert.notEqual(code, 0);
  assert.match(text, /Invalid configuration/);
  assert.match(text, /DB_POOL_MAX/);
  assert.match(text, /JWT_SECRET/);
});

Deno.test("config: a function started with a bad environment exits at once, naming the variables", async () => {
  const root = new URL("../../", import.meta.url).pathname;
  const keep = ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "NO_COLOR"];
  const env = Object.fromEntries(
    keep.flatMap((name) => Deno.env.get(name) ? [[name, Deno.env.get(name)!]] : []),
  );
  const started = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", "functions/projects/index.ts"],
    cwd: root,
    clearEnv: true,
    env: { ...env, DB_POOL_MAX: "many" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.notEqual(out.code, 0, "the isolate does not start");
  assert.ok(performance.now() - started < 30_000, "it fails instead of waiting for requests");
  const line = stderr.split("\n").find((l) => l.includes('"config_invalid"'));
  assert.ok(line, stderr);
  const logged = JSON.parse(line);
  for (const name of ["DB_POOLER_URL", "JWT_SECRET", "DB_POOL_MAX"]) {
    assert.match(logged.error, new RegExp(name), `${name} is named`);
  }
});
