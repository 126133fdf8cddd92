/** Counts served requests per endpoint key (e.g. "GET /services/data/vXX.X/query"), for benchmarks and tests. */
export class RequestCounter {
  private counts = new Map<string, number>();

  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  total(filter?: (key: string) => boolean): number {
    let n = 0;
    for (const [k, v] of this.counts) if (!filter || filter(k)) n += v;
    return n;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  reset(): void {
    this.counts.clear();
  }
}
