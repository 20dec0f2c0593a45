/** Scenario ids (from workloads.ts, ceilings.ts) that the ratios and targets look up. */
export const IDS = {
  helloDirect: (seed: string) => `ceiling/hello/direct/c50@${seed}`,
  helloGateway: (seed: string) => `ceiling/hello/gateway/c50@${seed}`,
  pgDirect: (seed: string) => `ceiling/pg-select/direct/c50@${seed}`,
  pgGateway: (seed: string) => `ceiling/pg-select/gateway/c50@${seed}`,
  bridge: (seed: string) => `ceiling/upstash-get/bridge/c50@${seed}`,
  read: (what: string, mode: string, c: number, seed: string) =>
    `read/${what}/${mode}/c${c}@${seed}`,
  /** A read sent straight to the function's process, past the gateway. */
  direct: (what: string, mode: string, c: number, seed: string) =>
    `direct/${what}/${mode}/c${c}@${seed}`,
  /** One project, one token, over and over: after the first, every answer is a replay. */
  replay: (seed: string) => `direct/project-replay/l1/c50@${seed}`,
  /** A bare Deno.serve answering the replay's exact bytes and headers from a Map. */
  mapDirect: (seed: string) => `ceiling/map/direct/c50@${seed}`,
  /** One round of the metrics-overhead pair: the cached read direct, metrics on or off. */
  metrics: (mode: "on" | "off", round: number, seed: string) =>
    `direct/project/l1/c50/metrics-${mode}/r${round}@${seed}`,
  mix: (mode: string, c: number, seed: string) => `mix/${mode}/c${c}@${seed}`,
  /** A read or mix id run again with recycling on (short wall clock) or off (recycling.ts). */
  recycled: (id: string, mode: "on" | "off") => id.replace("@", `/recycle-${mode}@`),
  think: (seed: string) => `think/mix/l1/c1000@${seed}`,
  soak: (seed: string) => `soak/mix/l1/c1000@${seed}`,
  /** The closed loop at c=1000 straight at the projects function's process: its own shedding. */
  soakDirect: (mode: string, seed: string) => `soak/project/${mode}/c1000/direct@${seed}`,
};
