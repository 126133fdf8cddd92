/**
 * Fault injection shared by every emulator. A rule matches requests by method and path and,
 * with its probability, delays them, answers with an error status, or drops the connection.
 * Rules with `count` stop after firing that many times, so a test can inject "the next two
 * requests fail" and still expect convergence.
 */
export interface FaultRule {
  /** Regular expression source tested against `${METHOD} ${path}`; absent matches everything. */
  match?: string;
  /** 0..1, default 1. */
  probability?: number;
  /** Fire at most this many times (default: unlimited). */
  count?: number;
  latencyMs?: number;
  /** 429 gets a Retry-After of retryAfterSeconds (default 1); 5xx gets the vendor's error body. */
  status?: number;
  retryAfterSeconds?: number;
  /** Destroy the socket without answering (the request is not carried out). */
  drop?: boolean;
  /** Carry the request out, then destroy the socket instead of answering: the client can't know it worked. */
  dropResponse?: boolean;
}

export interface FaultDecision {
  latencyMs: number;
  status?: number;
  retryAfterSeconds?: number;
  drop: boolean;
  dropResponse: boolean;
}

export class FaultInjector {
  private rules: Array<FaultRule & { fired: number; re?: RegExp }> = [];
  private random: () => number;

  constructor(rules: FaultRule[] = [], random: () => number = Math.random) {
    this.random = random;
    this.set(rules);
  }

  set(rules: FaultRule[]): void {
    this.rules = rules.map((r) => ({ ...r, fired: 0, re: r.match ? new RegExp(r.match) : undefined }));
  }

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, fired: 0, re: rule.match ? new RegExp(rule.match) : undefined });
  }

  clear(): void {
    this.rules = [];
  }

  /** How many times the current rules have fired, so a test can prove its faults were really hit. */
  firedCount(): number {
    return this.rules.reduce((n, r) => n + r.fired, 0);
  }

  decide(method: string, path: string): FaultDecision {
    const key = `${method.toUpperCase()} ${path}`;
    const out: FaultDecision = { latencyMs: 0, drop: false, dropResponse: false };
    for (const rule of this.rules) {
      if (rule.re && !rule.re.test(key)) continue;
      if (rule.count !== undefined && rule.fired >= rule.count) continue;
      if (this.random() >= (rule.probability ?? 1)) continue;
      rule.fired++;
      out.latencyMs += rule.latencyMs ?? 0;
      if (rule.drop) out.drop = true;
      if (rule.dropResponse) out.dropResponse = true;
      if (rule.status !== undefined && out.status === undefined) {
        out.status = rule.status;
        out.retryAfterSeconds = rule.retryAfterSeconds;
      }
    }
    return out;
  }
}
