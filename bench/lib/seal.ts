/**
 * What sealing cache values costs (shared/cache/seal.ts, issue 21 point 12): AES-256-GCM seal and
 * open of a candidate record and of a 50-row candidates page, in-process, timed over enough
 * iterations to be stable, against the same JSON's plain `JSON.parse` (what every L2 hit pays
 * anyway). One L2 read opens one value; one write-through or fill seals one.
 */
import { createSealer } from "../../shared/cache/seal.ts";
import { fmt } from "./analysis.ts";
import type { Target } from "./types.ts";

export interface SealResult {
  samples: { name: string; bytes: number; sealUs: number; openUs: number; parseUs: number }[];
}

const record = {
  id: "3823719d-a145-4275-8564-e43194366d70",
  full_name: "Nur Aisyah binti Abdullah",
  ic_number: "900101145678",
  date_of_birth: "1990-01-01",
  phone: "0123456789",
  email: "aisyah@example.com",
  status: "active",
  skills: ["rigging", "lighting", "sound"],
  user_id: null,
  created_at: "2026-11-01T08:00:00.000Z",
  updated_at: "2026-11-02T08:00:00.000Z",
  bank: { bank_name: "Maybank", account_number: "514012345678", account_holder: "Nur Aisyah" },
};

/** Median microseconds per call of `work`, over rounds of `n` calls. */
async function timeUs(n: number, work: () => Promise<unknown> | unknown): Promise<number> {
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const started = performance.now();
    for (let i = 0; i < n; i++) await work();
    rounds.push(((performance.now() - started) * 1000) / n);
  }
  return rounds.sort((a, b) => a - b)[2];
}

export async function runSeal(quick: boolean): Promise<SealResult> {
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
  const sealer = await createSealer(`bench:${key}`);
  const n = quick ? 200 : 2_000;
  const samples: SealResult["samples"] = [];
  for (
    const [name, value] of [
      ["candidate record", record],
      ["candidates page (50 rows)", { data: Array.from({ length: 50 }, () => record) }],
    ] as const
  ) {
    const json = JSON.stringify(value);
    const sealed = await sealer.close("candidate:x", json);
    samples.push({
      name,
      bytes: json.length,
      sealUs: await timeUs(n, () => sealer.close("candidate:x", json)),
      openUs: await timeUs(n, () => sealer.open("candidate:x", sealed)),
      parseUs: await timeUs(n, () => JSON.parse(json)),
    });
  }
  return { samples };
}

export function sealTargets(s: SealResult | null): Target[] {
  if (!s) return [];
  return s.samples.map((x) => ({
    name: `sealing a cache value in Redis, ${x.name} (${x.bytes} bytes): µs per open (L2 hit)`,
    value: `${fmt(x.openUs, 1)} µs open, ${fmt(x.sealUs, 1)} µs seal`,
    numerator: `AES-256-GCM open / seal (Web Crypto), median of 5 rounds, in-process`,
    denominator: `${fmt(x.parseUs, 1)} µs JSON.parse of the same value (paid by every L2 hit ` +
      `already); ratio open ÷ parse ${fmt(x.openUs / x.parseUs, 2)}×`,
    goal: "report",
    met: null,
  }));
}
