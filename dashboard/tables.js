/**
 * The dashboard's tables (slow statements, reporting-view freshness, pg_cron, queues), built
 * with DOM calls only: query text and job names are data, never markup.
 */

/** A reporting view is stale after three missed 5-minute refreshes. */
export const STALE_VIEW_S = 15 * 60;

/**
 * @typedef {{title: string, cell: (row: any) => string | number, numeric?: boolean,
 *   hint?: (row: any) => string}} Column
 */

/**
 * Fills `el` with a table of `rows`; `flag(row)` names a row class ("bad", "warn") or "".
 * @param {HTMLElement} el
 * @param {Column[]} columns
 * @param {any[]} rows
 * @param {{empty: string, flag?: (row: any) => string}} options
 */
export function fillTable(el, columns, rows, { empty, flag = () => "" }) {
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const c of columns) {
    const th = document.createElement("th");
    th.textContent = c.title;
    if (c.numeric) th.className = "num";
    head.append(th);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    const cls = flag(row);
    if (cls) tr.className = cls;
    for (const c of columns) {
      const td = tr.insertCell();
      td.textContent = String(c.cell(row));
      if (c.numeric) td.className = "num";
      if (c.hint) td.title = c.hint(row);
    }
  }
  if (rows.length === 0) {
    const td = body.insertRow().insertCell();
    td.colSpan = columns.length;
    td.className = "empty";
    td.textContent = empty;
  }
  el.replaceChildren(table);
}

/** "42 s", "3 min", "2 h", "5 d". */
export function duration(/** @type {number | null} */ s) {
  if (s === null || s === undefined) return "–";
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/** "3 min ago" from an ISO time, against the server's `now` (ms). */
export function ago(/** @type {string | null} */ iso, /** @type {number} */ now) {
  return iso ? `${duration(Math.max(0, (now - Date.parse(iso)) / 1000))} ago` : "never";
}

const ms = (/** @type {number} */ v) => (v < 10 ? v.toFixed(2) : v.toFixed(0));

/** @param {HTMLElement} el @param {any[]} statements @param {string} empty */
export function statementsTable(el, statements, empty) {
  fillTable(
    el,
    [
      {
        title: "Statement",
        cell: (s) => s.query.length > 160 ? `${s.query.slice(0, 160)}…` : s.query,
        hint: (s) => `queryid ${s.queryid}\n\n${s.query}`,
      },
      { title: "Calls", cell: (s) => s.calls, numeric: true },
      { title: "Mean ms", cell: (s) => ms(s.mean_ms), numeric: true },
      { title: "Total ms", cell: (s) => ms(s.total_ms), numeric: true },
      { title: "Rows", cell: (s) => s.rows, numeric: true },
    ],
    statements,
    { empty },
  );
}

/** @param {HTMLElement} el @param {any[]} views @param {number} now */
export function viewsTable(el, views, now) {
  fillTable(
    el,
    [
      { title: "View", cell: (v) => v.view },
      {
        title: "Refreshed",
        cell: (v) => ago(v.refreshed_at, now),
        hint: (v) => v.refreshed_at ?? "",
      },
      { title: "Age", cell: (v) => duration(v.age_s), numeric: true },
      {
        title: "State",
        cell: (v) =>
          v.age_s === null ? "never refreshed" : v.age_s > STALE_VIEW_S ? "stale" : "fresh",
      },
    ],
    views,
    {
      empty: "No reporting views",
      flag: (v) => (v.age_s === null ? "warn" : v.age_s > STALE_VIEW_S ? "bad" : ""),
    },
  );
}

/** @param {HTMLElement} el @param {any[]} jobs @param {number} now */
export function cronTable(el, jobs, now) {
  fillTable(
    el,
    [
      { title: "Job", cell: (j) => j.job },
      { title: "Schedule", cell: (j) => j.schedule },
      { title: "Active", cell: (j) => (j.active ? "yes" : "no") },
      { title: "Last status", cell: (j) => j.last_status ?? "not run yet" },
      { title: "Last run", cell: (j) => ago(j.last_run_at, now), hint: (j) => j.last_run_at ?? "" },
      {
        title: "Last success",
        cell: (j) => ago(j.last_success_at, now),
        hint: (j) => j.last_success_at ?? "",
      },
      { title: "Failures 24 h", cell: (j) => j.failures_24h, numeric: true },
    ],
    jobs,
    {
      empty: "No pg_cron jobs",
      flag: (j) =>
        j.last_status === "failed" || j.failures_24h > 0 ? "bad" : j.active ? "" : "warn",
    },
  );
}

/** @param {HTMLElement} el @param {any[]} queues */
export function queuesTable(el, queues) {
  fillTable(
    el,
    [
      { title: "Queue", cell: (q) => q.queue },
      { title: "Queued", cell: (q) => q.queued, numeric: true },
      { title: "Scheduled", cell: (q) => q.scheduled, numeric: true },
      { title: "Running", cell: (q) => q.running, numeric: true },
      { title: "Dead", cell: (q) => q.dead, numeric: true },
      { title: "Oldest queued", cell: (q) => duration(q.oldest_queued_s), numeric: true },
      { title: "Succeeded 1 h", cell: (q) => q.succeeded_1h, numeric: true },
      { title: "Archived", cell: (q) => q.archived, numeric: true },
    ],
    queues,
    {
      empty: "No queues",
      flag: (q) => (q.dead > 0 ? "bad" : q.oldest_queued_s > 60 ? "warn" : ""),
    },
  );
}
