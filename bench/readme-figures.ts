/**
 * Prints the README's "Measured figures" tables from one bench run, so the README's figures are
 * always that run's: `deno run -A bench/readme-figures.ts [bench/results/latest.json]`, then
 * paste between the markers `<!-- figures:start -->` / `<!-- figures:end -->` (or `--write`;
 * then `deno fmt README.md` pads the tables).
 */
import { parseArgs } from "node:util";
import type { Results, ScenarioResult } from "./lib/types.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { write: { type: "boolean", default: false } },
});
const ROOT = new URL("../", import.meta.url).pathname;
const file = positionals[0] ?? `${ROOT}bench/results/latest.json`;
const results = JSON.parse(await Deno.readTextFile(file)) as Results;
const run = file.split("/").pop()!.replace(/\.json$/, "");
const find = (id: string) => results.scenarios.find((s) => s.id === id);
const int = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => `${n.toFixed(1)} ms`;
const seed = "large";

function row(s: ScenarioResult | undefined, label: string): string {
  if (!s) return `| ${label} | not measured | | | |`;
  return `| ${label} | ${int(s.rps)} | ${ms(s.latencyMs.p50)} | ${ms(s.latencyMs.p99)} | ${
    s.db ? s.db.queriesPerReq.toFixed(3) : "–"
  } |`;
}

const lines: string[] = [];
const m = results.machine;
lines.push(
  `From one run, [${run}](bench/results/${run}.md) — ${m.cpus} × ${m.cpuModel}, Deno ` +
    `${m.deno}; ${Math.round(results.wallClockS / 60)} min. Direct = wrk straight at the ` +
    "function's process (no gateway); every ratio divides figures of that run.",
  "",
  "| # | target | value | numerator | denominator | goal | result |",
  "|--:|---|---|---|---|---|---|",
);
results.targets.forEach((t, i) => {
  const result = t.met === null ? "–" : t.met ? "**met**" : "**not met**";
  lines.push(
    `| ${
      i + 1
    } | ${t.name} | ${t.value} | ${t.numerator} | ${t.denominator} | ${t.goal} | ${result} |`,
  );
});
lines.push(
  "",
  "| scenario (large seed, c=50 unless said) | req/s | p50 | p99 | DB queries/req |",
  "|---|--:|--:|--:|--:|",
  row(find(`ceiling/hello/direct/c50@${seed}`), "bare `Deno.serve` hello, direct"),
  row(find(`ceiling/hello/gateway/c50@${seed}`), "bare hello through the gateway"),
  row(find(`ceiling/pg-select/direct/c50@${seed}`), "raw select by id (pgbouncer), direct"),
  row(find(`direct/project/l1/c50@${seed}`), "cached `GET /projects/{id}`, direct"),
  row(find(`read/project/l1/c50@${seed}`), "cached `GET /projects/{id}`, via gateway"),
  row(find(`direct/project/off/c50@${seed}`), "uncached `GET /projects/{id}`, direct"),
  row(find(`read/project/off/c50@${seed}`), "uncached `GET /projects/{id}`, via gateway"),
  row(find(`mix/l1/c50@${seed}`), "95/5 mix, cache on, via gateway"),
  row(find(`mix/off/c50@${seed}`), "95/5 mix, cache off, via gateway"),
  row(find(`think/mix/l1/c1000@${seed}`), "1000 users thinking 1–3 s, 95/5 mix"),
  row(find(`soak/mix/l1/c1000@${seed}`), "c=1000 closed loop, 30 s, 95/5 mix"),
);
// The seed's "Expected Results" table, each row answered with this run's figures.
{
  const dollars = (v: number | null | undefined) => v == null ? "not measured" : `$${int(v)}`;
  const on = find(`mix/l1/c50@${seed}`), off = find(`mix/off/c50@${seed}`);
  const think = find(`think/mix/l1/c1000@${seed}`);
  const cached = find(`read/project/l1/c50@${seed}`);
  const c = results.cost;
  const load = on?.db && off?.db
    ? `${(100 * on.db.queriesPerReq / off.db.queriesPerReq).toFixed(0)} % (${
      on.db.queriesPerReq.toFixed(3)
    } ÷ ${off.db.queriesPerReq.toFixed(3)} DB queries/request, 95/5 mix, cache on ÷ off)`
    : "not measured";
  lines.push(
    "",
    "| the seed's expected result | seed: before → after | this run |",
    "|---|---|---|",
    `| API response time | ~400 ms → < 200 ms | ${
      cached
        ? `cached GET project via gateway p50 ${ms(cached.latencyMs.p50)}, p99 ${
          ms(cached.latencyMs.p99)
        }; 95/5 mix p50 ${on ? ms(on.latencyMs.p50) : "–"}`
        : "not measured"
    } |`,
    `| Database load | 100 % → 30 % | ${load} |`,
    `| Concurrent users | ~100 → 1000+ | ${
      think
        ? `1000 users thinking 1–3 s: p99 ${ms(think.latencyMs.p99)}, ${
          int(think.errors.total - (think.statuses["409"] ?? 0))
        } errors of ${int(think.requests)}`
        : "not measured"
    } |`,
    `| Monthly costs | $1200 → $750 | ${
      c
        ? `${c.traffic.requestsPerMonth / 1e6} M requests/month: ${dollars(c.before.totalUsd)} → ${
          dollars(c.after.totalUsd)
        } (${c.ratio?.toFixed(2) ?? "–"}×)${
          c.seedRow
            ? `; where before costs $1,200 (${int(c.seedRow.requestsPerMonth / 1e6)} M/month): ` +
              `${dollars(c.seedRow.afterUsd)} (${c.seedRow.ratio.toFixed(2)}×)`
            : ""
        } — bench/results "What it costs"`
        : "not measured"
    } |`,
  );
}
if (results.scale) {
  const { seeds, rows, verdict } = results.scale;
  lines.push(
    "",
    `| p50 at c=50, via gateway | ${seeds.join(" | ")} |`,
    `|---|${seeds.map(() => "--:").join("|")}|`,
  );
  for (const r of rows) {
    lines.push(
      `| ${r.what} | ${seeds.map((s) => (r.p50[s] == null ? "–" : ms(r.p50[s]!))).join(" | ")} |`,
    );
  }
  lines.push("", verdict);
}
const text = lines.join("\n");
if (values.write) {
  const readme = `${ROOT}README.md`;
  const current = await Deno.readTextFile(readme);
  const start = "<!-- figures:start -->", end = "<!-- figures:end -->";
  const a = current.indexOf(start), b = current.indexOf(end);
  if (a < 0 || b < a) throw new Error("README.md has no figures markers");
  await Deno.writeTextFile(
    readme,
    `${current.slice(0, a + start.length)}\n\n${text}\n\n${current.slice(b)}`,
  );
  console.error("README.md figures updated");
} else console.log(text);
