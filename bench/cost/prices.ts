/**
 * The published prices the cost model (bench/lib/cost.ts) uses — every one with the page it
 * comes from and the day it was read. `verified: false` marks a figure not read on the vendor's
 * own page (a transcription, or an inference), with a note saying what it rests on. Change a
 * price here only with a new `source`/`date`; tests/unit/cost.unit.test.ts holds every entry to
 * that.
 */

/** Where a figure comes from. */
export interface Sourced {
  source: string;
  /** The day it was read, YYYY-MM-DD. */
  date: string;
  verified: boolean;
  note?: string;
}

export interface ComputeSize extends Sourced {
  name: string;
  usdPerHour: number;
  cores: number;
  dedicated: boolean;
  memoryGb: number;
  /** Cores a shared size sustains for an hour (past its burst); absent = `cores`. */
  sustained?: Sourced & { cores: number };
}

export interface UpstashFixedPlan extends Sourced {
  name: string;
  usdPerMonth: number;
  dataGb: number;
  bandwidthGb: number;
  /** Commands are not metered on a fixed plan; its rate is capped. */
  maxCommandsPerS: number;
}

const READ = "2026-12-08";
const SUPABASE_COMPUTE = "https://supabase.com/docs/guides/platform/compute-and-disk";
const UPSTASH_BILLING = "https://upstash.com/docs/redis/overall/billing";
const UPSTASH_PRICING = "https://upstash.com/pricing/redis";

/**
 * Supabase sizes below Large "burst for short periods" (compute-and-disk) and publish no
 * baseline. Their vCPUs and memory match AWS's t4g.micro/small/medium, whose published baseline
 * is 10 % / 20 % / 20 % of each vCPU: an inference, used so a 10× peak HOUR is not sized on a
 * burst.
 */
const burst = (cores: number): Sourced & { cores: number } => ({
  cores,
  source: "https://aws.amazon.com/ec2/instance-types/t4/",
  date: READ,
  verified: false,
  note: "inferred: Supabase publishes no baseline for shared sizes; AWS t4g baseline per vCPU",
});

const size = (
  name: string,
  usdPerHour: number,
  cores: number,
  memoryGb: number,
  sustained?: Sourced & { cores: number },
): ComputeSize => ({
  name,
  usdPerHour,
  cores,
  dedicated: sustained === undefined,
  memoryGb,
  ...(sustained ? { sustained } : {}),
  source: SUPABASE_COMPUTE,
  date: READ,
  verified: true,
});

const fixed = (
  name: string,
  usdPerMonth: number,
  dataGb: number,
  bandwidthGb: number,
): UpstashFixedPlan => ({
  name,
  usdPerMonth,
  dataGb,
  bandwidthGb,
  maxCommandsPerS: 10_000,
  source: UPSTASH_PRICING,
  date: READ,
  verified: false,
  note: "price, data size and bandwidth as transcribed from the pricing page (api-evangelist/" +
    "upstash plans/upstash-plans-pricing.yml, 2026-09-20); commands unmetered and the 10,000/s " +
    "cap assumed as on pay-as-you-go — not read on Upstash's own page",
});

export interface Prices {
  supabase: {
    plan: Sourced & { name: string; usdPerMonth: number; computeCreditsUsd: number };
    compute: ComputeSize[];
    invocations: Sourced & { includedPerMonth: number; packageSize: number; usdPerPackage: number };
    egress: Sourced & { includedGb: number; usdPerGb: number };
  };
  upstash: {
    payg: Sourced & {
      usdPer100kCommands: number;
      freeBandwidthGb: number;
      usdPerGbBandwidth: number;
      freeStorageGb: number;
      usdPerGbStorage: number;
      maxCommandsPerS: number;
    };
    fixed: UpstashFixedPlan[];
  };
}

export const PRICES: Prices = {
  supabase: {
    plan: {
      name: "Pro",
      usdPerMonth: 25,
      /** Applied to compute only; they reset monthly. */
      computeCreditsUsd: 10,
      source: "https://supabase.com/docs/guides/platform/manage-your-usage/compute",
      date: READ,
      verified: true,
    },
    /** Cheapest first; Micro is the smallest size a Pro project runs (Nano bills as Micro). */
    compute: [
      size("Micro", 0.01344, 2, 1, burst(0.2)),
      size("Small", 0.0206, 2, 2, burst(0.4)),
      size("Medium", 0.0822, 2, 4, burst(0.4)),
      size("Large", 0.1517, 2, 8),
      size("XL", 0.2877, 4, 16),
      size("2XL", 0.562, 8, 32),
      size("4XL", 1.32, 16, 64),
      size("8XL", 2.562, 32, 128),
      size("12XL", 3.836, 48, 192),
      size("16XL", 5.12, 64, 256),
    ],
    invocations: {
      includedPerMonth: 2_000_000,
      /** Package pricing: every started million is billed whole. */
      packageSize: 1_000_000,
      usdPerPackage: 2,
      source:
        "https://supabase.com/docs/guides/platform/manage-your-usage/edge-function-invocations",
      date: READ,
      verified: true,
    },
    egress: {
      includedGb: 250,
      usdPerGb: 0.09,
      source: "https://supabase.com/docs/guides/platform/billing-on-supabase",
      date: READ,
      verified: true,
      note: "uncached egress (Edge Function responses are not CDN cache hits)",
    },
  },
  upstash: {
    payg: {
      usdPer100kCommands: 0.2,
      freeBandwidthGb: 200,
      usdPerGbBandwidth: 0.03,
      freeStorageGb: 1,
      usdPerGbStorage: 0.25,
      maxCommandsPerS: 10_000,
      source: UPSTASH_BILLING,
      date: READ,
      verified: true,
    },
    fixed: [
      fixed("Fixed 250MB", 10, 0.25, 50),
      fixed("Fixed 1GB", 20, 1, 100),
      fixed("Fixed 5GB", 100, 5, 500),
      fixed("Fixed 10GB", 200, 10, 1_000),
      fixed("Fixed 50GB", 400, 50, 5_000),
      fixed("Fixed 100GB", 800, 100, 10_000),
      fixed("Fixed 500GB", 1_500, 500, 20_000),
    ],
  },
};
