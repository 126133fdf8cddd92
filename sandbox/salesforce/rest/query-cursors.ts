/**
 * Server-side query cursors behind nextRecordsUrl. As in Salesforce, a locator dies after
 * 15 minutes without use, and a user keeps at most 10 open: opening an eleventh drops the oldest.
 */
import type { IdGenerator } from '../ids.ts';

const IDLE_MS = 15 * 60_000;
const PER_USER = 10;

interface Cursor {
  userId: string;
  rows: Array<Record<string, unknown>>;
  batchSize: number;
  lastUsed: number;
  opened: number;
}

export class QueryCursors {
  private cursors = new Map<string, Cursor>();

  constructor(
    private readonly ids: IdGenerator,
    private readonly now: () => number,
  ) {}

  /** Keeps the rows after the first batch; returns the locator. */
  open(userId: string, rows: Array<Record<string, unknown>>, batchSize: number): string {
    this.expire();
    const mine = [...this.cursors.entries()].filter(([, c]) => c.userId === userId).sort(([, a], [, b]) => a.opened - b.opened);
    while (mine.length >= PER_USER) {
      const oldest = mine.shift();
      if (oldest) this.cursors.delete(oldest[0]);
    }
    const locator = this.ids.id('01g');
    const t = this.now();
    this.cursors.set(locator, { userId, rows, batchSize, lastUsed: t, opened: t });
    return locator;
  }

  /** A page starting at `offset`, or undefined when the locator is unknown, expired or someone else's. */
  page(
    userId: string,
    locator: string,
    offset: number,
  ): { rows: Array<Record<string, unknown>>; totalSize: number; nextOffset?: number } | undefined {
    this.expire();
    const c = this.cursors.get(locator);
    if (!c || c.userId !== userId || offset < 0 || offset > c.rows.length) return undefined;
    c.lastUsed = this.now();
    const end = Math.min(offset + c.batchSize, c.rows.length);
    return { rows: c.rows.slice(offset, end), totalSize: c.rows.length, ...(end < c.rows.length ? { nextOffset: end } : {}) };
  }

  private expire(): void {
    const cutoff = this.now() - IDLE_MS;
    for (const [k, c] of this.cursors) if (c.lastUsed < cutoff) this.cursors.delete(k);
  }
}
