/**
 * Mirrors the store's per-user status into Salesforce without spending the org's API allowance on
 * every pass: a row is sent when something an admin acts on changed (state, counts, last error,
 * items waiting for the rep, decided conflicts), and otherwise at most once per refresh interval
 * to move the "last sync" times along.
 */
import type { SalesforcePort } from '../ports/salesforce.ts';
import type { ItemErrorRow, PublishedUserStatus, StateStore, UserStatusRow } from '../ports/state.ts';
import type { Clock } from '../ports/clock.ts';
import type { Log } from '../ports/log.ts';
import { conflictsOnRecord } from './item-rows.ts';

export interface Published {
  fingerprint: string;
  atMs: number;
  lastSync: string;
}

/** What an admin acts on; event counts are null until the first events pass, as they are published. */
export const fingerprintOf = (r: PublishedUserStatus) =>
  JSON.stringify([
    r.state,
    r.contactsLinked,
    r.contactsFailed,
    r.eventsLinked ?? null,
    r.eventsFailed ?? null,
    r.lastErrorCode ?? '',
    r.lastError ?? '',
    r.unresolvedItems,
    r.conflictsDecided,
    r.lastConflict ?? '',
  ]);
const lastSyncOf = (r: UserStatusRow) => `${r.lastSyncToMailbox ?? ''}|${r.lastSyncToSalesforce ?? ''}`;

/**
 * Each status row with what its user's item rows ask of the rep: the unresolved items, and the
 * conflicts the policy decided in the week before `nowMs` with the newest named. Pure.
 */
export function withItemNotes(rows: UserStatusRow[], items: ItemErrorRow[], nowMs: number): PublishedUserStatus[] {
  const byUser = new Map<string, ItemErrorRow[]>();
  for (const e of items) {
    const own = byUser.get(e.userId);
    if (own) own.push(e);
    else byUser.set(e.userId, [e]);
  }
  return rows.map((row) => {
    const own = byUser.get(row.userId) ?? [];
    const conflicts = [...conflictsOnRecord(own, [], nowMs)];
    const newest = conflicts.reduce<ItemErrorRow | undefined>((a, e) => (a === undefined || e.at > a.at ? e : a), undefined);
    const out: PublishedUserStatus = {
      ...row,
      unresolvedItems: own.filter((e) => e.code === 'unresolved').length,
      conflictsDecided: conflicts.length,
    };
    // Rows written before kinds existed are contact rows (as syncline status reads them).
    if (newest) out.lastConflict = `${newest.kind ?? 'contact'} ${newest.itemId}: ${newest.fields.join(', ')} at ${newest.at}`;
    return out;
  });
}

/** Which rows to send now. Pure: the caller owns the clock and the record of what was sent. */
export function rowsToPublish(rows: PublishedUserStatus[], published: ReadonlyMap<string, Published>, nowMs: number, refreshMs: number): PublishedUserStatus[] {
  return rows.filter((r) => {
    const last = published.get(r.userId);
    if (!last || last.fingerprint !== fingerprintOf(r)) return true;
    return last.lastSync !== lastSyncOf(r) && nowMs - last.atMs >= refreshMs;
  });
}

export class StatusPublisher {
  private readonly published = new Map<string, Published>();
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly deps: { salesforce: SalesforcePort; store: StateStore; clock: Clock; log: Log; refreshMs: number },
  ) {}

  /** Publishes what changed; concurrent calls fold into one follow-up run. Never throws. */
  flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.publishOnce();
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async publishOnce(): Promise<void> {
    const nowMs = this.deps.clock.now().getTime();
    try {
      const [statuses, items] = await Promise.all([this.deps.store.listUserStatus(), this.deps.store.itemErrors()]);
      const rows = rowsToPublish(withItemNotes(statuses, items, nowMs), this.published, nowMs, this.deps.refreshMs);
      if (rows.length === 0) return;
      const results = await this.deps.salesforce.publishUserStatus(rows);
      rows.forEach((r, i) => {
        const res = results[i];
        if (res?.ok) this.published.set(r.userId, { fingerprint: fingerprintOf(r), atMs: nowMs, lastSync: lastSyncOf(r) });
        else if (res) this.deps.log('warn', 'user status not published to Salesforce', { userId: r.userId, code: res.error.code, error: res.error.message });
      });
    } catch (err) {
      this.deps.log('warn', 'user status publishing failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }
}
