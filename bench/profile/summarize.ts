/**
 * Summarizes a V8 CPU profile (`deno run --cpu-prof`) as two tables: self time and inclusive
 * time per function, as a share of all samples. `(idle)` is time the isolate was not running
 * JavaScript — for a Deno server that is the Rust side (hyper, ops) and the kernel, not rest.
 *
 *   deno run -A bench/profile/summarize.ts <file.cpuprofile> [--top 25]
 */
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

/** Self and inclusive shares (percent) per `function file:line`, largest first. */
export function summarize(profile: Profile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => {
    const file = n.callFrame.url.split("/").pop() ?? "";
    return `${n.callFrame.functionName || "(anonymous)"} ${file}${
      file ? `:${n.callFrame.lineNumber + 1}` : ""
    }`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const id of profile.samples) {
    const node = byId.get(id);
    if (!node) continue;
    self.set(label(node), (self.get(label(node)) ?? 0) + 1);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at)!);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
    }
  }
  const total = profile.samples.length || 1;
  const rank = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, n]) => ({
      name,
      percent: Math.round((1000 * n) / total) / 10,
    }));
  return { samples: profile.samples.length, self: rank(self), inclusive: rank(inclusive) };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { top: { type: "string", default: "25" } },
  });
  if (!positionals[0]) {
    console.error("usage: summarize.ts <file.cpuprofile> [--top N]");
    Deno.exit(2);
  }
  const profile = JSON.parse(await Deno.readTextFile(positionals[0])) as Profile;
  const { samples, self, inclusive } = summarize(profile, Number(values.top));
  console.log(`${samples} samples\n\n| self % | function |\n|--:|---|`);
  for (const row of self) console.log(`| ${row.percent} | \`${row.name}\` |`);
  console.log(`\n| inclusive % | function |\n|--:|---|`);
  for (const row of inclusive) console.log(`| ${row.percent} | \`${row.name}\` |`);
}
