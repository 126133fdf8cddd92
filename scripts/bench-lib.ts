/** What the contacts and events benchmarks share: latency statistics, request accounting, waiting. */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

export const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { count: s.length, p50: Math.round(percentile(s, 50)), p95: Math.round(percentile(s, 95)), p99: Math.round(percentile(s, 99)), max: Math.round(s[s.length - 1] ?? NaN) };
};

/** Requests per endpoint since `before`, largest first: where the API cost goes. */
export const breakdown = (now: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(now)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v > 0)
      .sort((a, b) => b[1] - a[1]),
  );

const sum = (d: Record<string, number>, keep: (k: string) => boolean) => Object.entries(d).reduce((n, [k, v]) => n + (keep(k) ? v : 0), 0);

/**
 * The companion's API cost from per-endpoint deltas, less the driver's own requests (its edits
 * and its Graph token), which are not the companion's doing.
 */
export function requestCost(sfDelta: Record<string, number>, graphDelta: Record<string, number>, driver: { salesforce: number; graph: number }) {
  return {
    // REST calls are what Salesforce's daily API allowance counts; CometD long polls and deliveries are streaming traffic.
    salesforceApiCalls: sum(sfDelta, (k) => k.includes(' /services/')) - driver.salesforce,
    salesforceStreamingMessages: sum(sfDelta, (k) => k.startsWith('COMETD') || k.includes('/cometd/')),
    // HTTP round trips to Graph; requests inside a $batch are also counted one by one, as Graph's throttling does.
    graphHttpRequests: sum(graphDelta, (k) => !k.startsWith('BATCH ')) - driver.graph,
    graphThrottlingUnits: sum(graphDelta, (k) => !k.startsWith('BATCH ') && !k.includes('$batch')) - driver.graph + sum(graphDelta, (k) => k.startsWith('BATCH ')),
  };
}

export const perChange = (cost: Record<string, number>, synced: number) =>
  Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, Number((v / synced).toFixed(2))]));

/**
 * Waits on one side's state for many changes at once: a single read of the side per tick serves
 * every pending check, so the driver's own polling stays cheap next to the companion it measures.
 */
export class Watch<S> {
  private pending = new Set<{ check: (s: S) => boolean; deadline: number; done: (t: number | undefined) => void }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly read: () => S,
    private readonly tickMs = 10,
  ) {}

  /** Resolves with the instant (performance.now()) the check first held, or undefined after timeoutMs. */
  until(check: (s: S) => boolean, timeoutMs: number): Promise<number | undefined> {
    return new Promise((done) => {
      this.pending.add({ check, deadline: performance.now() + timeoutMs, done });
      this.timer ??= setInterval(() => this.tick(), this.tickMs);
    });
  }

  private tick(): void {
    const state = this.read();
    const now = performance.now();
    for (const w of this.pending) {
      if (w.check(state)) w.done(now);
      else if (now > w.deadline) w.done(undefined);
      else continue;
      this.pending.delete(w);
    }
    if (this.pending.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
