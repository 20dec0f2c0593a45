/** Circuit breaker for the L2 tier: after repeated failures, skip Redis for a while. */

export type BreakerState = "closed" | "open" | "half-open";

/**
 * `failureThreshold` consecutive failures open the circuit for `openMs`; then ONE probe call is
 * let through (half-open): success closes the circuit, failure opens it again.
 *
 * With `probeBySupervisor` set, ordinary calls never probe: the circuit stays open until its
 * supervisor (the cache outbox replayer) has found Redis reachable AND replayed what writers
 * could not deliver meanwhile, and calls `success()` — so no read meets Redis before Redis has
 * caught up with the outage.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: BreakerState = "closed";
  /** Times the circuit went from closed/half-open to open. */
  opens = 0;
  /** See the class comment. */
  probeBySupervisor = false;

  constructor(
    private readonly failureThreshold: number,
    private readonly openMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get state(): BreakerState {
    if (
      this.current === "open" && !this.probeBySupervisor &&
      this.now() - this.openedAt >= this.openMs
    ) return "half-open";
    return this.current;
  }

  /** Whether a call may go to L2 now. In half-open, only one probe at a time is allowed. */
  allow(): boolean {
    if (this.current === "closed") return true;
    if (this.current === "open") {
      if (this.probeBySupervisor) return false;
      if (this.now() - this.openedAt < this.openMs) return false;
      this.current = "half-open";
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    this.current = "closed";
  }

  failure(): void {
    this.probing = false;
    this.failures++;
    if (this.current === "half-open" || this.failures >= this.failureThreshold) {
      if (this.current !== "open") this.opens++;
      this.current = "open";
      this.openedAt = this.now();
    }
  }
}
