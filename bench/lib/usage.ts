/**
 * The billable work of a scenario's window, read just before wrk starts and just after it ends:
 * Redis commands (as Upstash bills them) and the database's CPU (Postgres apart from pgbouncer).
 * wrk's own bytes read give the egress. Found once per stack; whatever cannot be read on this
 * machine is null in the results ("not measured"), never a guess.
 */
import type { DbProbe } from "./dbprobe.ts";
import {
  cpuDelta,
  type DbCpuSample,
  type DbProcesses,
  findDbProcesses,
  sampleDbCpu,
} from "./proc-cpu.ts";
import {
  redisDelta,
  type RedisEndpoints,
  redisEndpoints,
  type RedisSnapshot,
  redisSnapshot,
} from "./redis-usage.ts";
import type { ScenarioResult } from "./types.ts";

export interface UsageSnapshot {
  redis: RedisSnapshot | null;
  cpu: DbCpuSample;
}

export class UsageProbe {
  private constructor(
    private readonly redis: RedisEndpoints | null,
    private readonly processes: DbProcesses,
  ) {}

  static async open(probe: DbProbe, env: Record<string, string>): Promise<UsageProbe> {
    return new UsageProbe(redisEndpoints(env), await findDbProcesses(probe, env));
  }

  async snapshot(): Promise<UsageSnapshot> {
    return {
      redis: this.redis ? await redisSnapshot(this.redis) : null,
      cpu: sampleDbCpu(this.processes),
    };
  }

  /** Just the Redis side (the idle measurement reads it around a pause). */
  redisNow(): Promise<RedisSnapshot | null> {
    return this.redis ? redisSnapshot(this.redis) : Promise.resolve(null);
  }
}

/** The scenario's fields from the two snapshots and wrk's figures. */
export function usageFields(
  before: UsageSnapshot,
  after: UsageSnapshot,
  wrk: { requests: number; bytes?: number },
): Pick<ScenarioResult, "redis" | "dbCpu" | "poolerCpu" | "bytesOutPerReq"> {
  const { requests } = wrk;
  return {
    redis: redisDelta(before.redis, after.redis, requests),
    dbCpu: cpuDelta(before.cpu.postgresMs, after.cpu.postgresMs, requests),
    poolerCpu: cpuDelta(before.cpu.poolerMs, after.cpu.poolerMs, requests),
    bytesOutPerReq: wrk.bytes !== undefined && requests > 0 ? wrk.bytes / requests : null,
  };
}
