/**
 * The org's daily API request allocation: a rolling 24-hour window over all users. Each served
 * REST call (a collections request or a query page is one) counts once; a refused one does not.
 */

const WINDOW_MS = 24 * 3600_000;
const BUCKET_MS = 60_000;

export class ApiUsage {
  /** Calls per minute bucket, oldest first; enough resolution for a rolling day. */
  private buckets: Array<{ start: number; count: number }> = [];

  constructor(
    readonly max: number,
    private readonly now: () => number,
  ) {}

  used(): number {
    const cutoff = this.now() - WINDOW_MS;
    while (this.buckets.length && (this.buckets[0]?.start ?? 0) + BUCKET_MS <= cutoff) this.buckets.shift();
    return this.buckets.reduce((n, b) => n + b.count, 0);
  }

  exhausted(): boolean {
    return this.used() >= this.max;
  }

  record(): void {
    const start = Math.floor(this.now() / BUCKET_MS) * BUCKET_MS;
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.start === start) last.count++;
    else this.buckets.push({ start, count: 1 });
  }

  /** Value of the Sforce-Limit-Info header. */
  header(): string {
    return `api-usage=${this.used()}/${this.max}`;
  }

  /** GET /limits body: DailyApiRequests is live, the rest are a Developer Edition's static allocations. */
  limits(): Record<string, { Max: number; Remaining: number }> {
    const fixed = (max: number) => ({ Max: max, Remaining: max });
    return {
      ConcurrentAsyncGetReportInstances: fixed(200),
      ConcurrentSyncReportRuns: fixed(20),
      DailyApiRequests: { Max: this.max, Remaining: Math.max(0, this.max - this.used()) },
      DailyAsyncApexExecutions: fixed(250000),
      DailyBulkApiBatches: fixed(15000),
      DailyBulkV2QueryFileStorageMB: fixed(976562),
      DailyBulkV2QueryJobs: fixed(10000),
      DailyDeliveredPlatformEvents: fixed(10000),
      DailyDurableGenericStreamingApiEvents: fixed(10000),
      DailyDurableStreamingApiEvents: fixed(10000),
      DailyGenericStreamingApiEvents: fixed(10000),
      DailyStreamingApiEvents: fixed(10000),
      DataStorageMB: fixed(5),
      FileStorageMB: fixed(20),
      HourlyPublishedPlatformEvents: fixed(50000),
      HourlyPublishedStandardVolumePlatformEvents: fixed(1000),
      MonthlyPlatformEventsUsageEntitlement: fixed(0),
      SingleEmail: fixed(15),
    };
  }
}
