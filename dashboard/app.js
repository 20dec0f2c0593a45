/**
 * The ops dashboard: polls GET /ops/overview every 5 s with an admin token, keeps the samples,
 * and draws rates, 5xx share and latency quantiles from the growth of the cumulative totals
 * between samples (dashboard/metrics.js). GET /ops/history gives the per-function past when the
 * page opens. `globalThis.__dashboard` holds the state the browser test reads.
 */
import { LineChart } from "./charts.js";
import {
  busiest,
  cacheSeries,
  gaugeSeries,
  requestSeries,
  sampleFromHistory,
  sampleFromOverview,
  WINDOW_S,
} from "./metrics.js";
import { cronTable, fillTable, queuesTable, statementsTable, viewsTable } from "./tables.js";

const POLL_MS = 5_000;
const KEEP_S = 3_600;
const MAX_SERIES = 8;
const TOKEN_KEY = "crew-ops-token";
const TIERS = ["l1", "l2"];

const config = globalThis.CREW_CONFIG ?? {};
const functionsUrl = String(config.functionsUrl ?? `${location.origin}/functions/v1`)
  .replace(/\/+$/, "");

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const groupSelect = /** @type {HTMLSelectElement} */ ($("group"));
const functionSelect = /** @type {HTMLSelectElement} */ ($("function"));

/** What the page knows; the browser test reads it. */
const state = {
  polls: 0,
  historySamples: 0,
  /** @type {{status: number, code: string, message: string} | null} */
  error: null,
  /** @type {any[]} per-function history then live samples, ascending by time */
  samples: [],
  /** @type {number[]} */
  bounds: [],
  /** @type {any} the last overview */
  overview: null,
  /** @type {Record<string, {labels: string[], data: (number | null)[][]}>} */
  charts: {},
};
globalThis.__dashboard = state;

/** An answer the token explains (401, 403): polling stops until there is a new token. */
class TokenRefused extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// ---- token -----------------------------------------------------------------------------------

/** `#token=...` (tests, links from a script) goes to sessionStorage and out of the address bar. */
function tokenFromHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get("token");
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  params.delete("token");
  const rest = params.toString();
  history.replaceState(null, "", `${location.pathname}${location.search}${rest ? `#${rest}` : ""}`);
}

const token = () => sessionStorage.getItem(TOKEN_KEY);

// ---- fetching --------------------------------------------------------------------------------

/** GET /ops/<path> as JSON; 401/403 become TokenRefused, other failures an Error. */
async function ops(/** @type {string} */ path) {
  const response = await fetch(`${functionsUrl}/ops/${path}`, {
    headers: { authorization: `Bearer ${token()}` },
    cache: "no-store",
  });
  const body = await response.json().catch(() => null);
  if (response.status === 401 || response.status === 403) {
    throw new TokenRefused(
      response.status,
      body?.error?.code ?? "",
      body?.error?.message ?? response.statusText,
    );
  }
  if (!response.ok) {
    const detail = body?.error?.message ?? response.statusText;
    throw new Error(`GET /ops/${path} answered ${response.status}: ${detail}`);
  }
  return body;
}

// ---- samples ---------------------------------------------------------------------------------

/** Adds samples in time order (one per instant) and forgets what is older than an hour. */
function addSamples(/** @type {any[]} */ samples) {
  for (const s of samples) {
    if (!Number.isFinite(s.t)) continue;
    const last = state.samples[state.samples.length - 1];
    if (last && s.t <= last.t) continue;
    state.samples.push(s);
  }
  const newest = state.samples[state.samples.length - 1]?.t ?? 0;
  while (state.samples.length && state.samples[0].t < newest - KEEP_S) state.samples.shift();
}

// ---- charts ----------------------------------------------------------------------------------

const charts = {
  rate: new LineChart($("chart-rate"), { title: "Request rate", unit: "rate" }),
  errors: new LineChart($("chart-errors"), { title: "5xx share", unit: "share", max: 1 }),
  p50: new LineChart($("chart-p50"), { title: "Latency p50", unit: "ms" }),
  p99: new LineChart($("chart-p99"), { title: "Latency p99", unit: "ms" }),
  cache: new LineChart($("chart-cache"), {
    title: "Cache hit rate by tier",
    unit: "share",
    max: 1,
  }),
  pool: new LineChart($("chart-pool"), {
    title: "DB pool utilization by function",
    unit: "share",
    max: 1,
  }),
  queued: new LineChart($("chart-queued"), { title: "Jobs queued (due)", unit: "count" }),
  dead: new LineChart($("chart-dead"), { title: "Dead letters", unit: "count" }),
};

/**
 * @param {keyof typeof charts} name
 * @param {number[]} x
 * @param {string[]} labels
 * @param {(number | null)[][]} ys
 */
function draw(name, x, labels, ys) {
  charts[name].update(x, labels.map((label, i) => ({ label, values: ys[i] })));
  state.charts[name] = { labels, data: [x, ...ys] };
}

function drawRequests() {
  const byRoute = groupSelect.value === "route";
  const field = byRoute ? "routes" : "functions";
  const fn = functionSelect.value;
  // Routes exist in live samples only; the history is per function.
  const samples = byRoute ? state.samples.filter((s) => s.live) : state.samples;
  const keep = (/** @type {string} */ key) =>
    !fn || (byRoute ? key.split(" ")[1]?.split("/")[1] === fn : key === fn);
  const keys = busiest(samples, field, MAX_SERIES, keep);
  const series = requestSeries(samples, field, keys, state.bounds);
  for (const name of /** @type {const} */ (["rate", "errors", "p50", "p99"])) {
    draw(name, series.x, keys, series[name]);
  }
  $("requests-note").textContent = byRoute
    ? `(busiest ${MAX_SERIES} routes since the page opened, over ${WINDOW_S} s windows)`
    : "(per function: the last hour from /ops/history, then live)";
}

function drawRest() {
  const cache = cacheSeries(state.samples, TIERS);
  draw("cache", cache.x, TIERS, cache.ys);
  const fns = Object.keys(state.overview?.functions ?? {}).sort();
  const pool = gaugeSeries(state.samples, fns, (s, fn) => s.pool[fn]);
  draw("pool", pool.x, fns, pool.ys);
  const live = state.samples.filter((s) => s.live);
  const queues = (state.overview?.health?.queues ?? []).map((/** @type {any} */ q) => q.queue);
  const queued = gaugeSeries(live, queues, (s, q) => s.queues[q]?.queued);
  draw("queued", queued.x, queues, queued.ys);
  const dead = gaugeSeries(live, queues, (s, q) => s.queues[q]?.dead);
  draw("dead", dead.x, queues, dead.ys);
}

// ---- tiles and tables ------------------------------------------------------------------------

function counterSum(/** @type {string} */ name) {
  return (state.overview?.counters ?? [])
    .filter((/** @type {any} */ c) => c.name === name)
    .reduce((/** @type {number} */ n, /** @type {any} */ c) => n + c.value, 0);
}

function drawTiles() {
  const o = state.overview;
  const fns = Object.values(o.functions ?? {});
  const sum = (/** @type {string} */ k) =>
    fns.reduce((/** @type {number} */ n, /** @type {any} */ g) => n + (g[k] ?? 0), 0);
  // Every function together, over the last window.
  const all = Object.keys(o.functions ?? {});
  const total = requestSeries(state.samples.slice(-6), "functions", all, state.bounds);
  const last = (/** @type {(number | null)[][]} */ ys) => ys.map((y) => y[y.length - 1] ?? 0);
  const rate = last(total.rate).reduce((n, r) => n + r, 0);
  const errors = last(total.rate).reduce((n, r, i) => n + r * last(total.errors)[i], 0);
  const tiles = [
    ["Requests/s, all", rate.toFixed(rate < 10 ? 2 : 0)],
    [
      "5xx share, all",
      rate > 0 ? `${(100 * errors / rate).toFixed(2)}%` : "–",
      errors ? "bad" : "",
    ],
    ["Isolates", String(sum("isolates"))],
    ["In flight", String(sum("in_flight"))],
    ["Breakers open", String(sum("breaker_open")), sum("breaker_open") > 0 ? "bad" : ""],
    ["Pool waits (total)", String(counterSum("crew_db_pool_waits_total"))],
    [
      "Pool timeouts (total)",
      String(counterSum("crew_db_pool_timeouts_total")),
      counterSum("crew_db_pool_timeouts_total") > 0 ? "warn" : "",
    ],
    ["Rate-limit refusals (total)", String(counterSum("crew_rate_limit_refusals_total"))],
    ["Figures", o.aggregated ? "every isolate" : "ops isolate only", o.aggregated ? "" : "warn"],
  ];
  $("tiles").replaceChildren(...tiles.map(([label, value, flag]) => {
    const tile = document.createElement("div");
    tile.className = `tile ${flag ?? ""}`;
    const v = document.createElement("strong");
    v.textContent = value;
    const l = document.createElement("span");
    l.textContent = label;
    tile.append(v, l);
    return tile;
  }));
}

function drawTables() {
  const o = state.overview;
  const now = Date.parse(o.at);
  const h = o.health ?? {};
  queuesTable($("table-queues"), h.queues ?? []);
  viewsTable($("table-views"), h.views ?? [], now);
  cronTable($("table-cron"), h.cron ?? [], now);
  fillTable($("table-storage"), [
    { title: "What", cell: (r) => r.what },
    { title: "Value", cell: (r) => r.value, numeric: true },
  ], [
    ...(h.partitions ?? []).map((/** @type {any} */ p) => ({
      what: `${p.table}: monthly partitions ahead`,
      value: p.months_ahead,
      bad: p.months_ahead < 1,
    })),
    { what: "payment_idempotency_keys rows (estimate)", value: h.idempotency_keys?.rows ?? "–" },
    {
      what: "payment_idempotency_keys size",
      value: `${((h.idempotency_keys?.bytes ?? 0) / 1024).toFixed(0)} KiB`,
    },
  ], { empty: "–", flag: (r) => (r.bad ? "bad" : "") });
  const stmts = o.statements ?? {};
  $("slow-title").textContent = `Slow statements (mean ≥ ${stmts.min_mean_ms ?? "?"} ms)`;
  statementsTable($("table-slow"), stmts.slow ?? [], "No statement is that slow on average");
  statementsTable($("table-top"), stmts.top ?? [], "No statements recorded");
}

function drawFunctionOptions() {
  const have = new Set([...functionSelect.options].map((o) => o.value));
  for (const fn of Object.keys(state.overview?.functions ?? {}).sort()) {
    if (!have.has(fn)) functionSelect.add(new Option(fn, fn));
  }
}

function render() {
  if (!state.overview) return;
  drawFunctionOptions();
  drawRequests();
  drawRest();
  drawTiles();
  drawTables();
  const o = state.overview;
  $("status").textContent = `updated ${new Date(o.at).toLocaleTimeString()} · ${state.polls} ` +
    `polls · ${state.samples.length} samples`;
}

// ---- errors and views ------------------------------------------------------------------------

function showError(/** @type {string | null} */ text) {
  const el = $("error");
  el.hidden = !text;
  el.textContent = text ?? "";
}

function showLogin(/** @type {string | null} */ reason) {
  $("app").hidden = true;
  $("login").hidden = false;
  $("sign-out").hidden = true;
  $("status").textContent = "not connected";
  showError(reason);
  /** @type {HTMLInputElement} */ ($("token")).focus();
}

// ---- polling ---------------------------------------------------------------------------------

/** @type {number | undefined} */
let timer;
let running = false;

function stop() {
  running = false;
  clearTimeout(timer);
}

function refused(/** @type {TokenRefused} */ e) {
  stop();
  state.error = { status: e.status, code: e.code, message: e.message };
  const why = e.status === 401
    ? "the token is missing, malformed or expired"
    : "the token is valid but its user is not an admin";
  showLogin(
    `The ops API refused the token (${e.status} ${e.code}: ${e.message}) — ${why}. ` +
      "Paste an admin token.",
  );
}

async function poll() {
  if (!running) return;
  // A hidden tab does not poll (each overview reads pg_stat_statements); it catches up after.
  if (!document.hidden) {
    try {
      const overview = await ops("overview");
      if (!running) return;
      state.overview = overview;
      state.bounds = overview.bounds_s;
      addSamples([sampleFromOverview(overview)]);
      state.polls++;
      state.error = null;
      showError(null);
      render();
    } catch (e) {
      if (e instanceof TokenRefused) return refused(e);
      state.error = { status: 0, code: "poll_failed", message: String(e) };
      showError(`Polling failed, retrying in ${POLL_MS / 1000} s: ${e}`);
    }
  }
  timer = setTimeout(poll, POLL_MS);
}

async function start() {
  stop();
  state.samples = [];
  state.polls = 0;
  $("login").hidden = true;
  $("app").hidden = false;
  $("sign-out").hidden = false;
  $("status").textContent = "connecting…";
  running = true;
  try {
    const past = await ops("history");
    const samples = (past.data ?? []).map(sampleFromHistory);
    state.historySamples = samples.length;
    addSamples(samples);
  } catch (e) {
    if (e instanceof TokenRefused) return refused(e);
    showError(`No history (${e}); the charts start now.`);
  }
  await poll();
}

$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($("token"));
  const value = input.value.trim().replace(/^Bearer\s+/i, "");
  if (!value) return;
  sessionStorage.setItem(TOKEN_KEY, value);
  input.value = "";
  start();
});
$("sign-out").addEventListener("click", () => {
  stop();
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin(null);
});
groupSelect.addEventListener("change", render);
functionSelect.addEventListener("change", render);

tokenFromHash();
if (token()) start();
else showLogin(null);
