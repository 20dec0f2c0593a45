/**
 * The fault suite's load: a bounded mix of reads and writes through the gateway, every request
 * recorded (start, end, status), every payment create under its own Idempotency-Key (also sent
 * as the payment's `reference`, so duplicates can be counted in SQL without trusting the key
 * table), every acknowledged write kept for the check afterwards.
 */

export interface Fixtures {
  base: string;
  tokens: { admin: string; finance: string };
  /** Projects the load reads (hot set). */
  readIds: string[];
  /** Projects the load PATCHes (never the stale-read probe's). */
  patchIds: string[];
  candidateIds: string[];
  /** Assignments (project, candidate) that payments and claims are made for. */
  pairs: { project_id: string; candidate_id: string }[];
}

export type Op =
  | "get_project"
  | "list_payments"
  | "get_candidate"
  | "create_payment"
  | "create_claim"
  | "patch_project";

export interface RequestRecord {
  op: Op;
  start: number;
  end: number;
  /** HTTP status, or 0 for a network error / client timeout. */
  status: number;
  /** A client-side timeout (the request was still open at deadline + slack). */
  timedOut: boolean;
}

export interface PaymentAttempt {
  key: string;
  body: Record<string, unknown>;
  status: number;
}

const WEIGHTS: [Op, number][] = [
  ["get_project", 40],
  ["list_payments", 15],
  ["get_candidate", 10],
  ["create_payment", 20],
  ["create_claim", 5],
  ["patch_project", 10],
];

const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)];

function chooseOp(): Op {
  let r = Math.random() * 100;
  for (const [op, w] of WEIGHTS) if ((r -= w) < 0) return op;
  return "get_project";
}

/** Runs `workers` loops until `stop()`; see the module comment. */
export class Load {
  readonly records: RequestRecord[] = [];
  readonly payments: PaymentAttempt[] = [];
  readonly claims: string[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private seq = 0;

  constructor(
    private readonly fx: Fixtures,
    private readonly options: { workers: number; clientTimeoutMs: number; thinkMs: number },
    private readonly tag: string,
  ) {}

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.options.workers }, () => this.loop());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      await this.once(chooseOp());
      await new Promise((r) => setTimeout(r, this.options.thinkMs));
    }
  }

  /** One request of `op`, recorded. */
  async once(op: Op): Promise<RequestRecord> {
    const { fx } = this;
    let path: string;
    let method = "GET";
    let token = fx.tokens.admin;
    let body: Record<string, unknown> | undefined;
    const headers: Record<string, string> = {};
    let payment: PaymentAttempt | undefined;
    switch (op) {
      case "get_project":
        path = `projects/${pick(fx.readIds)}`;
        break;
      case "list_payments":
        token = fx.tokens.finance;
        path = `payments?limit=${1 + Math.floor(Math.random() * 100)}`;
        break;
      case "get_candidate":
        path = `candidates/${pick(fx.candidateIds)}`;
        break;
      case "create_payment": {
        token = fx.tokens.finance;
        method = "POST";
        const key = `faults-${this.tag}-${++this.seq}-${crypto.randomUUID().slice(0, 8)}`;
        body = {
          ...pick(fx.pairs),
          amount: `${10 + Math.floor(Math.random() * 90)}.${
            String(Math.floor(Math.random() * 100)).padStart(2, "0")
          }`,
          payment_date: new Date().toISOString().slice(0, 10),
          reference: key,
        };
        headers["idempotency-key"] = key;
        payment = { key, body, status: 0 };
        path = "payments";
        break;
      }
      case "create_claim":
        method = "POST";
        path = "claims";
        body = {
          ...pick(fx.pairs),
          category: "transport",
          amount: "12.50",
          description: `faults ${this.tag}`,
        };
        break;
      case "patch_project":
        method = "PATCH";
        path = `projects/${pick(fx.patchIds)}`;
        body = { venue: `Hall ${Math.floor(Math.random() * 1e6)}` };
        break;
    }
    const res = await send(fx.base, path, { method, token, body, headers }, this.options);
    const record: RequestRecord = { op, ...res.timing, status: res.status, timedOut: res.timedOut };
    this.records.push(record);
    if (payment) {
      payment.status = res.status;
      this.payments.push(payment);
    }
    if (op === "create_claim" && res.status === 201) this.claims.push(String(res.json?.id));
    return record;
  }
}

/** One HTTP request with a client timeout; never throws. */
export async function send(
  base: string,
  path: string,
  req: {
    method: string;
    token: string;
    body?: unknown;
    headers?: Record<string, string>;
  },
  options: { clientTimeoutMs: number },
): Promise<{
  status: number;
  timedOut: boolean;
  json?: Record<string, unknown>;
  timing: { start: number; end: number };
}> {
  const start = performance.now();
  try {
    const res = await fetch(`${base}/${path}`, {
      method: req.method,
      headers: {
        authorization: `Bearer ${req.token}`,
        ...(req.body ? { "content-type": "application/json" } : {}),
        ...req.headers,
      },
      body: req.body ? JSON.stringify(req.body) : undefined,
      signal: AbortSignal.timeout(options.clientTimeoutMs),
    });
    const text = await res.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(text);
    } catch { /* not JSON */ }
    return { status: res.status, timedOut: false, json, timing: { start, end: performance.now() } };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === "TimeoutError";
    return { status: 0, timedOut, timing: { start, end: performance.now() } };
  }
}
