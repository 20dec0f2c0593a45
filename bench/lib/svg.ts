/**
 * A hand-written SVG with two panels: latency percentiles vs concurrency (log scale) for the
 * cached read and the mix, and req/s per scenario as bars. No chart library: plain elements.
 */
import type { Results, ScenarioResult } from "./types.ts";

const W = 1000;
const FONT = "font-family='DejaVu Sans, Arial, sans-serif'";
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const text = (x: number, y: number, s: string, extra = "") =>
  `<text x='${x.toFixed(1)}' y='${y.toFixed(1)}' ${FONT} ${extra}>${esc(s)}</text>`;

interface Series {
  label: string;
  color: string;
  points: ScenarioResult[];
}

function latencyPanel(series: Series[], top: number): { svg: string; height: number } {
  const height = 380;
  const left = 80, right = W - 230, plotTop = top + 40, plotBottom = top + height - 50;
  const all = series.flatMap((s) => s.points);
  const conc = [...new Set(all.map((p) => p.connections))].sort((a, b) => a - b);
  const values = all.flatMap((p) => [p.latencyMs.p50, p.latencyMs.p99]).filter((v) => v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...values, 1))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 10))));
  const y = (v: number) =>
    plotBottom - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) /
        (Math.log10(hi) - Math.log10(lo))) * (plotBottom - plotTop);
  const x = (c: number) =>
    conc.length === 1
      ? (left + right) / 2
      : left + 40 + (conc.indexOf(c) / (conc.length - 1)) * (right - left - 80);
  const out: string[] = [];
  out.push(
    text(
      left,
      top + 22,
      "Latency vs concurrency (through the gateway)",
      "font-size='18' font-weight='bold'",
    ),
  );
  for (let v = lo; v <= hi; v *= 10) {
    for (const m of [1, 2, 5]) {
      const value = v * m;
      if (value > hi) break;
      const yy = y(value);
      out.push(
        `<line x1='${left}' x2='${right}' y1='${yy}' y2='${yy}' stroke='${
          m === 1 ? "#bbb" : "#eee"
        }'/>`,
      );
      if (m === 1 || m === 5) {
        out.push(text(left - 8, yy + 4, `${value}`, "font-size='12' text-anchor='end'"));
      }
    }
  }
  out.push(`<line x1='${left}' x2='${left}' y1='${plotTop}' y2='${plotBottom}' stroke='#333'/>`);
  out.push(
    `<line x1='${left}' x2='${right}' y1='${plotBottom}' y2='${plotBottom}' stroke='#333'/>`,
  );
  for (const c of conc) {
    out.push(text(x(c), plotBottom + 18, `c=${c}`, "font-size='13' text-anchor='middle'"));
  }
  out.push(
    text(
      (left + right) / 2,
      plotBottom + 40,
      "concurrent connections (wrk -c)",
      "font-size='13' text-anchor='middle'",
    ),
  );
  out.push(
    text(
      22,
      (plotTop + plotBottom) / 2,
      "latency, ms (log scale)",
      `font-size='13' text-anchor='middle' transform='rotate(-90 22 ${
        (plotTop + plotBottom) / 2
      })'`,
    ),
  );
  let legendY = plotTop;
  for (const s of series) {
    const pts = [...s.points].sort((a, b) => a.connections - b.connections);
    for (const [pct, dash] of [["p50", ""], ["p99", "6 4"]] as const) {
      const path = pts.map((p, i) =>
        `${i ? "L" : "M"}${x(p.connections).toFixed(1)},${y(p.latencyMs[pct]).toFixed(1)}`
      ).join(" ");
      out.push(
        `<path d='${path}' fill='none' stroke='${s.color}' stroke-width='2.5' ${
          dash ? `stroke-dasharray='${dash}'` : ""
        }/>`,
      );
      for (const p of pts) {
        out.push(
          `<circle cx='${x(p.connections).toFixed(1)}' cy='${
            y(p.latencyMs[pct]).toFixed(1)
          }' r='3.5' fill='${s.color}'/>`,
        );
      }
      out.push(
        `<line x1='${right + 20}' x2='${
          right + 50
        }' y1='${legendY}' y2='${legendY}' stroke='${s.color}' stroke-width='2.5' ${
          dash ? `stroke-dasharray='${dash}'` : ""
        }/>`,
      );
      out.push(text(right + 56, legendY + 4, `${s.label} ${pct}`, "font-size='12'"));
      legendY += 20;
    }
  }
  return { svg: out.join("\n"), height };
}

function barsPanel(scenarios: ScenarioResult[], top: number): { svg: string; height: number } {
  const rowH = 22;
  const left = 400, right = W - 110;
  const height = 60 + scenarios.length * rowH + 40;
  // Log scale: the bare-hello ceiling is ~100× the uncached reads; linear bars would flatten them.
  const max = Math.max(...scenarios.map((s) => s.rps), 10);
  const min = Math.min(...scenarios.map((s) => Math.max(s.rps, 1)), max);
  const lo = Math.pow(10, Math.floor(Math.log10(min)));
  // Room right of the longest bar for its label, without running on to the next decade.
  const hi = max * 1.6;
  const x = (v: number) =>
    left + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) *
      (right - left);
  const out: string[] = [];
  const title = "Requests per second by scenario (wrk, log scale, higher is better)";
  out.push(text(20, top + 22, title, "font-size='18' font-weight='bold'"));
  const plotTop = top + 40, plotBottom = plotTop + scenarios.length * rowH;
  for (let decade = lo; decade <= hi; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const v = decade * m;
      if (v > hi) break;
      const stroke = m === 1 ? "#c8c8c8" : "#ececec";
      out.push(
        `<line x1='${x(v)}' x2='${x(v)}' y1='${plotTop}' y2='${plotBottom}' stroke='${stroke}'/>`,
      );
      const label = v >= 1000 ? `${v / 1000}k` : String(v);
      out.push(text(x(v), plotBottom + 16, label, "font-size='12' text-anchor='middle'"));
    }
  }
  out.push(
    text(
      (left + right) / 2,
      plotBottom + 34,
      "requests per second",
      "font-size='13' text-anchor='middle'",
    ),
  );
  const colors: Record<string, string> = {
    ceiling: "#7f7f7f",
    read: "#1f77b4",
    direct: "#17becf",
    metrics: "#bcbd22",
    recycling: "#8c564b",
    mix: "#d62728",
    think: "#2ca02c",
    scale: "#9467bd",
    soak: "#ff7f0e",
    "sweep-read": "#1f77b4",
    "sweep-mix": "#d62728",
  };
  scenarios.forEach((s, i) => {
    const yy = plotTop + i * rowH;
    const how = s.cacheMode ? `${s.via === "direct" ? "direct, " : ""}cache ${s.cacheMode}` : s.via;
    const label = `${s.title} [${how}] c=${s.connections} (${s.seed})`;
    out.push(text(left - 8, yy + 15, label, "font-size='12' text-anchor='end'"));
    out.push(
      `<rect x='${left}' y='${yy + 3}' width='${Math.max(1, x(s.rps) - left).toFixed(1)}' height='${
        rowH - 6
      }' fill='${colors[s.group] ?? "#555"}'/>`,
    );
    const errors = s.errors.total ? ` (${s.errors.total} err)` : "";
    out.push(
      text(
        x(s.rps) + 5,
        yy + 15,
        `${Math.round(s.rps).toLocaleString("en-US")}${errors}`,
        "font-size='12'",
      ),
    );
  });
  out.push(`<line x1='${left}' x2='${left}' y1='${plotTop}' y2='${plotBottom}' stroke='#333'/>`);
  return { svg: out.join("\n"), height };
}

/** Renders the chart for a results document. */
export function toSvg(results: Results): string {
  const seed = results.scenarios.find((s) => s.group === "read")?.seed ?? "";
  const pick = (groups: string[]) =>
    results.scenarios.filter((s) =>
      s.seed === seed && s.cacheMode === "l1" && groups.includes(s.group)
    );
  const read = pick(["read", "sweep-read"]).filter((s) => s.title.startsWith("GET project"));
  // Through the gateway: the direct soak is one function's read, not the mix.
  const mix = pick(["mix", "sweep-mix", "soak"]).filter((s) => s.via === "gateway");
  const dedupe = (list: ScenarioResult[]) => [
    ...new Map(list.map((s) => [s.connections, s])).values(),
  ];
  const latency = latencyPanel([
    { label: "cached GET project", color: "#1f77b4", points: dedupe(read) },
    { label: "95/5 mix", color: "#d62728", points: dedupe(mix) },
  ], 0);
  const barScenarios = results.scenarios.filter((s) => !s.group.startsWith("sweep"));
  const bars = barsPanel(barScenarios, latency.height + 10);
  const height = latency.height + 10 + bars.height;
  const m = results.machine;
  const footer =
    `${m.date.slice(0, 19).replace("T", " ")} UTC · ${m.gitSha} · ${m.cpus} × ${m.cpuModel} · ` +
    `Deno ${m.deno}${results.config.quick ? " · QUICK SMOKE RUN" : ""}`;
  return [
    `<svg xmlns='http://www.w3.org/2000/svg' width='${W}' height='${
      height + 30
    }' viewBox='0 0 ${W} ${height + 30}'>`,
    `<rect width='100%' height='100%' fill='white'/>`,
    latency.svg,
    bars.svg,
    text(20, height + 20, footer, "font-size='11' fill='#555'"),
    `</svg>`,
    "",
  ].join("\n");
}
