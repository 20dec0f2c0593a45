/**
 * The fault suite's phases: one fault each — Redis, the Upstash bridge, pgbouncer, Postgres
 * stalled or restarted, function processes killed, every pooler slot held — with how it is
 * injected and mended, and which extra properties the phase checks (stale reads, cached reads
 * during a database fault).
 */
import postgres from "postgres";
import { needEnv, sleep, type Suite } from "./config.ts";

export interface Phase {
  name: string;
  fault: string;
  /** An L2 fault: the stale-read probe runs (see probe.ts). */
  stale?: boolean;
  /** A database fault: cached reads must go on answering while it lasts. */
  database?: boolean;
  /** Breaks something; resolves with a function that mends it and resolves at "back". */
  inject(): Promise<() => Promise<void>>;
  holdMs: number;
}

/** Every phase, in the order they run, on the suite's stack and gateway. */
export function faultPhases(suite: Suite): Phase[] {
  const { env, gateway, stack } = suite;
  const { timing } = suite.settings;
  return [
    {
      name: "redis-kill",
      fault: "redis-server SIGKILLed, restarted empty",
      stale: true,
      holdMs: timing.hold,
      async inject() {
        await stack.kill("redis");
        return () => stack.start("redis");
      },
    },
    {
      name: "bridge-kill",
      fault: "Upstash REST bridge SIGKILLed (Redis keeps its data)",
      stale: true,
      holdMs: timing.hold,
      async inject() {
        await stack.kill("bridge");
        return () => stack.start("bridge");
      },
    },
    {
      name: "pgbouncer-kill",
      fault: "pgbouncer SIGKILLed, restarted",
      database: true,
      holdMs: timing.hold,
      async inject() {
        await stack.kill("pgbouncer");
        return () => stack.start("pgbouncer");
      },
    },
    {
      name: "postgres-stall",
      fault: "every Postgres process SIGSTOPped",
      database: true,
      holdMs: timing.stall,
      async inject() {
        const pids = await stack.stallPostgres();
        return () => Promise.resolve(stack.resumePostgres(pids));
      },
    },
    {
      name: "postgres-restart",
      fault: "Postgres stopped (-m immediate), started again",
      database: true,
      holdMs: timing.hold,
      async inject() {
        await stack.stopPostgres();
        return () => stack.start("postgres");
      },
    },
    {
      name: "function-kill",
      fault: "one process of projects and of payments SIGKILLed",
      holdMs: 0,
      inject() {
        const back = [gateway.of("projects")[0], gateway.of("payments")[0]].map((p) =>
          gateway.kill(p)
        );
        return Promise.resolve(async () => void await Promise.all(back));
      },
    },
    {
      name: "pooler-hold",
      fault: "every pgbouncer server slot held by pg_sleep",
      database: true,
      holdMs: 0,
      async inject() {
        const size = Number(env.POOLER_POOL_SIZE ?? 20);
        const holder = postgres(needEnv(env, "DB_POOLER_URL"), { max: size, onnotice: () => {} });
        const seconds = timing.poolHold / 1000;
        const held = Promise.all(
          Array.from(
            { length: size },
            () => holder.begin((tx) => tx`select pg_sleep(${seconds})`).catch(() => undefined),
          ),
        );
        await sleep(300); // let the sleepers take every slot
        return async () => {
          await held;
          await holder.end({ timeout: 1 });
        };
      },
    },
  ];
}
