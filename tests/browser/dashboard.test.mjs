/**
 * The ops dashboard in a real browser (Debian's chromium through playwright-core), against the
 * running local stack: real traffic through the gateway, the page opened with `#token=`, and
 * the charts checked for data once it has polled twice; a wrong token and a non-admin token
 * must show the refusal. Saves a screenshot (bench/results/tmp/dashboard.png, or
 * DASHBOARD_SCREENSHOT — docs/dashboard.png for the README's; "" for none).
 *
 *   set -a; . .stack/dev/env; set +a; node --test tests/browser/dashboard.test.mjs
 *
 * Node rather than Deno: playwright-core drives the browser over a pipe, which is what Node's
 * child_process gives it without surprises. Tokens come from tests/browser/tokens.ts (Deno),
 * minted by the same code as every other test's.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

// Through require: `deno check tests/` walks .mjs files too, and a static import of a package.json
// dependency makes Deno fetch every one of them (the deno and supabase binaries) into its cache.
const { chromium } = createRequire(import.meta.url)("playwright-core");

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// The closed network: without the background-networking flags chromium stalls on its own calls.
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const CHARTS = ["rate", "errors", "p50", "p99", "cache", "pool", "queued", "dead"];
const SCREENSHOT = process.env.DASHBOARD_SCREENSHOT ??
  join(ROOT, "bench", "results", "tmp", "dashboard.png");

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: source the stack's env file (npm test does)`);
  return value;
}

const SUPABASE_URL = env("SUPABASE_URL");
const PAGE = `http://127.0.0.1:${env("DASHBOARD_PORT")}/`;

/** @type {Record<"admin" | "manager" | "finance" | "crew", string>} */
let tokens;
/** The persistent context playwright-core launched (a fresh profile per run). */
let browser;
let profile = "";

before(async () => {
  tokens = JSON.parse(
    execFileSync(join(ROOT, "node_modules", ".bin", "deno"), [
      "run",
      "-A",
      "--config",
      join(ROOT, "deno.json"),
      join(ROOT, "tests", "browser", "tokens.ts"),
    ], { encoding: "utf8" }),
  );
  profile = mkdtempSync(join(tmpdir(), "crew-dashboard-chromium-"));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 900 },
  });
});

after(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** One GET through the gateway as a demo user; the status must be 200. */
async function get(path, user) {
  const response = await fetch(`${SUPABASE_URL}/functions/v1/${path}`, {
    headers: { authorization: `Bearer ${tokens[user]}` },
  });
  await response.arrayBuffer();
  assert.equal(response.status, 200, `GET ${path} as ${user}`);
}

const TRAFFIC = [
  ["projects", "manager"],
  ["projects", "admin"],
  ["payments", "finance"],
  ["payments", "crew"],
];

/** A few dozen requests, then a trickle until `stop()` so every poll window has some. */
function traffic() {
  let n = 0;
  let stopped = false;
  let failure = null;
  const burst = (async () => {
    for (let round = 0; round < 10; round++) {
      await Promise.all(TRAFFIC.map(([path, user]) => get(path, user)));
    }
    while (!stopped) {
      const [path, user] = TRAFFIC[n++ % TRAFFIC.length];
      await get(path, user);
      await new Promise((r) => setTimeout(r, 250));
    }
  })().catch((e) => (failure = e));
  return async () => {
    stopped = true;
    await burst;
    if (failure) throw failure;
  };
}

/** A page whose console errors and uncaught exceptions are collected. */
async function watchedPage() {
  const page = await browser.newPage();
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  return { page, problems };
}

/** The charts' state: per chart the labels, x length and whether any y is a number. */
const chartState = (page) =>
  page.evaluate((names) => {
    const d = globalThis.__dashboard;
    return Object.fromEntries(names.map((name) => {
      const c = d.charts[name];
      const ys = c ? c.data.slice(1) : [];
      return [name, {
        labels: c?.labels ?? [],
        points: c?.data[0].length ?? 0,
        values: ys.flat().filter((v) => typeof v === "number").length,
        max: Math.max(0, ...ys.flat().filter((v) => typeof v === "number")),
        canvases: document.querySelectorAll(`#chart-${name} canvas`).length,
      }];
    }));
  }, CHARTS);

/**
 * Until every chart has a number and the rate chart a rate above zero (for each of `routes`,
 * when given), with ≥ `polls` polls. A worker counts from its first flush, up to one flush
 * interval after it started — and with recycling, a function's worker may have just started.
 */
const chartsReady = (page, polls, routes = []) =>
  page.waitForFunction(
    ({ names, polls, routes }) => {
      const d = globalThis.__dashboard;
      if (!d || d.polls < polls) return false;
      const has = (name) =>
        d.charts[name]?.data.slice(1).some((ys) => ys.some((v) => typeof v === "number"));
      const rate = d.charts.rate;
      const flowing = (i) => i >= 0 && rate.data[i + 1].some((v) => v > 0);
      return names.every(has) && rate.data.slice(1).some((ys) => ys.some((v) => v > 0)) &&
        routes.every((route) => flowing(rate.labels.indexOf(route)));
    },
    { names: CHARTS, polls, routes },
    { timeout: 60_000, polling: 250 },
  );

test("the quantile arithmetic follows Prometheus's histogram_quantile", async () => {
  const { page, problems } = await watchedPage();
  await page.goto(PAGE);
  const got = await page.evaluate(async () => {
    const m = await import("/metrics.js");
    const bounds = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25];
    const buckets = [5, 6, 6, 6, 6, 7, 7, 7];
    return {
      p50: m.histogramQuantile(0.5, bounds, buckets),
      p99: m.histogramQuantile(0.99, bounds, buckets),
      inf: m.histogramQuantile(0.5, [1, 2], [0, 0, 4]),
      empty: m.histogramQuantile(0.5, [1, 2], [0, 0, 0]),
      reset: m.growth(10, 3),
    };
  });
  // rank 3.5 of 7 in the first bucket [0, 5 ms]: 3.5/5 of the way.
  assert.ok(Math.abs(got.p50 - 0.0035) < 1e-12, `p50 ${got.p50}`);
  // rank 6.93 in (75 ms, 100 ms], which holds the 7th: 0.93 of the way.
  assert.ok(Math.abs(got.p99 - 0.09825) < 1e-12, `p99 ${got.p99}`);
  assert.equal(got.inf, 2, "a rank in +Inf is the highest finite bound");
  assert.equal(got.empty, null, "no observations, no quantile");
  assert.equal(got.reset, 3, "a counter that went down started again");
  await page.close();
  assert.deepEqual(problems, []);
});

test("a wrong token and a non-admin token are refused on the page", async () => {
  for (const [token, status] of [["not-a-jwt", 401], [tokens.crew, 403]]) {
    const page = await browser.newPage();
    await page.goto(`${PAGE}#token=${token}`);
    await page.waitForFunction(() => globalThis.__dashboard?.error, null, { timeout: 15_000 });
    const shown = await page.evaluate(() => ({
      status: globalThis.__dashboard.error.status,
      banner: document.getElementById("error").hidden
        ? ""
        : document.getElementById("error").textContent,
      login: !document.getElementById("login").hidden,
      app: !document.getElementById("app").hidden,
    }));
    assert.equal(shown.status, status);
    assert.match(shown.banner, new RegExp(`refused the token \\(${status} `));
    assert.ok(shown.login && !shown.app, "the token form is back, the charts hidden");
    await page.close();
  }
});

test("the dashboard draws every chart from live polls and the history", async () => {
  const stop = traffic();
  const { page, problems } = await watchedPage();
  try {
    await page.goto(`${PAGE}#token=${tokens.admin}`);
    assert.ok(!page.url().includes("token="), "the token leaves the address bar");
    assert.equal(
      await page.evaluate(() => sessionStorage.getItem("crew-ops-token")),
      tokens.admin,
    );

    // By route: live polls only.
    await chartsReady(page, 2, ["GET /projects", "GET /payments"]);
    const byRoute = await chartState(page);
    for (const name of CHARTS) {
      const c = byRoute[name];
      assert.ok(c.canvases >= 1, `${name}: a uPlot canvas`);
      assert.ok(c.points >= 1 && c.values >= 1, `${name}: data ${JSON.stringify(c)}`);
    }
    assert.ok(byRoute.rate.max > 0, "a request rate above zero");
    for (const route of ["GET /projects", "GET /payments"]) {
      assert.ok(byRoute.rate.labels.includes(route), `${route} in ${byRoute.rate.labels}`);
    }
    assert.deepEqual(byRoute.cache.labels, ["l1", "l2"]);
    assert.ok(byRoute.pool.labels.includes("projects"), `pool: ${byRoute.pool.labels}`);

    // By function: the hour from /ops/history first.
    await page.selectOption("#group", "function");
    const byFunction = await chartState(page);
    const history = await page.evaluate(() => globalThis.__dashboard.historySamples);
    assert.ok(history >= 1, "the stack kept history snapshots");
    for (const fn of ["projects", "payments"]) {
      assert.ok(byFunction.rate.labels.includes(fn), `${fn} in ${byFunction.rate.labels}`);
    }
    assert.ok(byFunction.rate.points >= byRoute.rate.points, "history adds points");

    const rows = await page.evaluate(() =>
      Object.fromEntries(
        ["table-queues", "table-views", "table-cron", "table-slow", "table-top"].map((id) => [
          id,
          document.querySelectorAll(`#${id} tbody tr`).length,
        ]),
      )
    );
    for (const [id, n] of Object.entries(rows)) assert.ok(n >= 1, `${id}: ${n} rows`);

    await page.selectOption("#group", "route");
    await chartsReady(page, 3);
    if (SCREENSHOT) {
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      assert.ok(readFileSync(SCREENSHOT).length > 10_000, "a screenshot with something in it");
    }
  } finally {
    await stop();
  }
  assert.deepEqual(problems, [], "no console errors, page errors or failed requests");
});
