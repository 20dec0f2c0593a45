/**
 * `npm run report`: the database's side of operations as terminal tables — the seed's slow-query
 * check (mean above `--min-mean-ms`, default 100) and the top statements by total time, both
 * normalised by pg_stat_statements (never a parameter value), then reporting-view age, pg_cron
 * health, partitions ahead and the job queues. The same figures as GET /ops/slow-queries and
 * /ops/overview; it reads the database directly with the stack's env (scripts/report.sh).
 */
import { parseArgs } from "node:util";
import { closeDb } from "../shared/db/index.ts";
import { health, type Statement, statements } from "../shared/services/ops/index.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "min-mean-ms": { type: "string", default: "100" },
    limit: { type: "string", default: "15" },
  },
});
const minMeanMs = Number(values["min-mean-ms"]);
const limit = Number(values.limit);

/** A plain text table: columns padded to their widest cell, numbers right-aligned. */
function table(title: string, rows: Record<string, unknown>[]): string {
  if (!rows.length) return `${title}\n  (none)\n`;
  const columns = Object.keys(rows[0]);
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? "")));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const numeric = columns.map((_, i) => cells.every((row) => /^-?[\d.]*$/.test(row[i])));
  const line = (values: string[]) =>
    "  " +
    values.map((v, i) => numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])).join("  ");
  return [
    title,
    line(columns),
    "  " + widths.map((w) => "-".repeat(w)).join("  "),
    ...cells.map(line),
  ]
    .join("\n") + "\n";
}

const shorten = (s: Statement) => ({
  calls: s.calls,
  mean_ms: s.mean_ms.toFixed(3),
  total_ms: s.total_ms.toFixed(1),
  rows: s.rows,
  query: s.query.length > 90 ? `${s.query.slice(0, 87)}...` : s.query,
});

try {
  const [stmts, db] = await Promise.all([statements(minMeanMs, limit), health()]);
  console.log(table(`Slow statements (mean > ${minMeanMs} ms)`, stmts.slow.map(shorten)));
  console.log(table("Top statements by total time", stmts.top.map(shorten)));
  console.log(
    table("Reporting views", db.views.map((v) => ({ view: v.view, age_s: v.age_s ?? "never" }))),
  );
  console.log(table(
    "pg_cron",
    db.cron.map((j) => ({
      job: j.job,
      schedule: j.schedule,
      last: j.last_status ?? "-",
      last_success: j.last_success_at ?? "-",
      failures_24h: j.failures_24h,
    })),
  ));
  console.log(table("Partitions ahead", db.partitions.map((p) => ({ ...p }))));
  console.log(table("Job queues", db.queues.map((q) => ({ ...q }))));
  console.log(
    `payment_idempotency_keys: ${db.idempotency_keys.rows} rows, ` +
      `${(db.idempotency_keys.bytes / 1024).toFixed(0)} KiB`,
  );
} finally {
  await closeDb();
}
