/**
 * One linked event series held in memory on both sides, for tests of the per-occurrence step
 * (engine/event-series-sync.ts): Salesforce occurrence rows and mailbox instances, read and
 * written through the narrow ports the step uses. They behave as the services do where the step
 * can notice: an edited Salesforce row is flagged an exception, a patched mailbox occurrence
 * becomes an exception that keeps its slot (originalStart), a deleted row or cancelled instance is
 * simply gone, every write moves the item's modification time (a logical clock both share), and
 * the mailbox lists the instances whose time overlaps the window asked for.
 *
 * failNext(call, mode): 'throw' fails the request before anything happens; 'applied-throw' applies
 * the writes, then loses the response.
 */
import type { EventFields, MappedEvent, Recurrence } from '../../companion/src/core/event.ts';
import { eventModel } from '../../companion/src/core/event-plan.ts';
import type { EventLink, SideItem } from '../../companion/src/core/sync-types.ts';
import type { SeriesStepDeps, SeriesStepInput } from '../../companion/src/engine/event-series-sync.ts';
import type { WriteResult } from '../../companion/src/ports/items.ts';
import type { EventWindow, MailboxSeriesInstance } from '../../companion/src/ports/mailbox-events.ts';
import type { SalesforceEvent, SalesforceOccurrence } from '../../companion/src/ports/salesforce.ts';
import { createMemoryStore } from './memory-store.ts';

export type SeriesCall = 'sf.seriesOccurrences' | 'sf.updateEvents' | 'sf.deleteEvents' | 'mb.seriesInstances' | 'mb.updateEvents' | 'mb.deleteEvents';
export type SeriesFailure = 'throw' | 'applied-throw';

const DAY_MS = 86_400_000;

/** Graph lists the instances whose time overlaps the window asked for, wherever their slot is. */
function overlaps(fields: EventFields, window: EventWindow): boolean {
  const start = Date.parse(fields.start ?? '');
  const end = Date.parse(fields.end ?? fields.start ?? '');
  return start < Date.parse(window.end) && end > Date.parse(window.start);
}
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** A daily series at 09:00 UTC, 15 minutes long, starting 2026-03-02, `count` occurrences. */
export function dailySeries(count: number): { recurrence: Recurrence; master: EventFields; slot(i: number): string; instance(i: number, over?: EventFields): EventFields } {
  const recurrence: Recurrence = { freq: 'daily', interval: 1, startDate: '2026-03-02', count, timeZone: 'UTC' };
  const first = Date.parse('2026-03-02T09:00:00Z');
  const master: EventFields = { subject: 'Stand-up', start: iso(first), end: iso(first + 15 * 60_000), isAllDay: false, timeZone: 'UTC', recurrence, isPrivate: false };
  const slot = (i: number) => iso(first + i * DAY_MS);
  const instance = (i: number, over: EventFields = {}): EventFields => {
    const { recurrence: _pattern, ...rest } = master;
    return { ...rest, start: slot(i), end: iso(first + i * DAY_MS + 15 * 60_000), ...over };
  };
  return { recurrence, master, slot, instance };
}

/** The series' two masters as a pass read them: Salesforce series record S1 (key K1), mailbox master M1. */
export const sfMaster = (fields: EventFields): SalesforceEvent => ({
  id: 'S1',
  version: 'v',
  data: { fields, kind: 'seriesMaster', selected: true },
  ownerId: 'u1',
  isChild: false,
  seriesKey: 'K1',
  warnings: [],
});
export const mbMaster = (fields: EventFields): SideItem<MappedEvent> => ({ id: 'M1', version: 'v', data: { fields, kind: 'seriesMaster', selected: true } });

/** The link of S1 and M1, agreed on `master`. */
export const seriesLink = (master: EventFields, salt: string): EventLink => ({ userId: 'u1', sfId: 'S1', mbId: 'M1', sfVersion: '', mbVersion: '', hashes: eventModel(salt).hash(master) });

/** What a full two-way pass hands the step for the linked series S1=M1 (March 2026 window). */
export function seriesStepInput(master: EventFields, salt: string, over: Partial<SeriesStepInput> = {}): SeriesStepInput {
  return {
    userId: 'u1',
    email: 'rep@example.com',
    zone: 'UTC',
    window: { start: '2026-03-01T00:00:00Z', end: '2026-03-31T00:00:00Z' },
    opts: { category: 'Salesforce', selection: 'all', defaultTimeZone: 'UTC' },
    direction: 'both',
    conflictPolicy: 'salesforce_wins',
    propagateDeletes: true,
    maxDeleteShare: 0.5,
    links: [seriesLink(master, salt)],
    all: true,
    revisit: new Set(),
    written: new Set(),
    salesforceSeen: [sfMaster(master)],
    mailboxSeen: [mbMaster(master)],
    unattributedRemoval: false,
    now: '2026-03-01T12:00:00.000Z',
    ...over,
  };
}

export class SeriesSides {
  sfRows: SalesforceOccurrence[];
  mbInstances: MailboxSeriesInstance[];
  readonly calls: SeriesCall[] = [];
  readonly store = createMemoryStore();
  private readonly failures = new Map<SeriesCall, SeriesFailure>();
  private tick = 0;

  constructor(
    count: number,
    instance: (i: number) => EventFields,
    slot: (i: number) => string,
  ) {
    this.sfRows = Array.from({ length: count }, (_, i) => ({ id: `sf${i}`, version: 'v', modifiedAt: this.now(), fields: instance(i), isException: false }));
    this.mbInstances = Array.from({ length: count }, (_, i) => ({ id: `mb${i}`, kind: 'occurrence', fields: instance(i), originalStart: slot(i), version: 'v', modifiedAt: this.now() }));
  }

  /** The next instant of the clock both sides share. */
  now(): string {
    return iso(Date.parse('2026-01-01T00:00:00Z') + ++this.tick * 1000);
  }

  failNext(call: SeriesCall, mode: SeriesFailure = 'throw'): void {
    this.failures.set(call, mode);
  }

  clearFailures(): void {
    this.failures.clear();
  }

  /** The windows the step listed mailbox instances over, in order. */
  readonly listings: EventWindow[] = [];

  /** Writes the step made, by side (a count of successful write calls' items). */
  readonly engineWrites = { salesforce: 0, mailbox: 0 };

  /** The rep edits a Salesforce row. */
  sfEdit(id: string, set: EventFields): void {
    const row = this.sfRows.find((r) => r.id === id)!;
    row.fields = { ...row.fields, ...set };
    row.isException = true;
    row.modifiedAt = this.now();
  }

  /** The rep edits a mailbox instance (an occurrence becomes an exception). */
  mbEdit(id: string, set: EventFields): void {
    const inst = this.mbInstances.find((r) => r.id === id)!;
    inst.fields = { ...inst.fields, ...set };
    inst.kind = 'exception';
    inst.modifiedAt = this.now();
  }

  private async call<T>(name: SeriesCall, run: () => T): Promise<T> {
    this.calls.push(name);
    const mode = this.failures.get(name);
    this.failures.delete(name);
    if (mode === 'throw') throw new Error(`${name}: request failed`);
    const out = run();
    if (mode === 'applied-throw') throw new Error(`${name}: response lost`);
    return out;
  }

  deps(salt: string): SeriesStepDeps {
    const ok = (id: string): WriteResult => ({ ok: true, id, version: 'v2' });
    return {
      salt,
      log: () => {},
      store: this.store,
      salesforce: {
        getEvents: async () => [],
        seriesOccurrences: (ids) => this.call('sf.seriesOccurrences', () => new Map(ids.map((id) => [id, structuredClone(this.sfRows)]))),
        updateEvents: (_u, items) =>
          this.call('sf.updateEvents', () => {
            for (const it of items) this.sfEdit(it.id, it.set);
            this.engineWrites.salesforce += items.length;
            return items.map((it) => ok(it.id));
          }),
        deleteEvents: (_u, ids) =>
          this.call('sf.deleteEvents', () => {
            this.sfRows = this.sfRows.filter((r) => !ids.includes(r.id));
            this.engineWrites.salesforce += ids.length;
            return ids.map(ok);
          }),
      },
      mailbox: {
        getEvents: async () => [],
        seriesInstances: (_m, _master, window) =>
          this.call('mb.seriesInstances', () => {
            this.listings.push(window);
            return structuredClone(this.mbInstances.filter((i) => overlaps(i.fields, window)));
          }),
        updateEvents: (_m, items) =>
          this.call('mb.updateEvents', () => {
            for (const it of items) this.mbEdit(it.id, it.set);
            this.engineWrites.mailbox += items.length;
            return items.map((it) => ok(it.id));
          }),
        deleteEvents: (_m, ids) =>
          this.call('mb.deleteEvents', () => {
            this.mbInstances = this.mbInstances.filter((r) => !ids.includes(r.id));
            this.engineWrites.mailbox += ids.length;
            return ids.map(ok);
          }),
      },
    };
  }
}
