/**
 * In-memory Salesforce and mailbox calendars for engine tests, observable by the engine the way
 * the real services are: versions change on every write, deleted ids are gone (getEvents omits
 * them), the mailbox delta returns what changed since a cursor (current state as upserts, removals
 * as deletes; everything in the window when the cursor is null), a mailbox update carrying a stale
 * version fails with a retryable conflict (Graph's 412), and a mailbox create repeating a
 * transactionId answers with the event the first one made. Items are kept as canonical
 * EventFields: the wire mappings have their own tests.
 *
 * Series: a series master is an item of kind 'seriesMaster' whose fields carry the pattern
 * (recurrence). Its occurrences are not stored: nobody edits them here, so each side answers the
 * per-occurrence step (seriesOccurrences, seriesInstances) with the plain occurrences its master's
 * pattern gives (counted or bounded daily and weekly patterns only; see plainOccurrences), and a
 * write addressed to an occurrence is only recorded (occurrenceWrites), for tests to assert there
 * is none. As the real mapping does, Salesforce refuses an update that would change a pattern (or
 * make a single event a series, or a series single): Recurrence2PatternText is create-only. It
 * holds a series in the rep's zone only, and names it by a series key (ActivityRecurrence2Id).
 * Listings hold masters but not their occurrences (the services list both; the engine only uses a
 * listed occurrence to tell which series to visit, which full passes and written masters decide
 * here); a master is listed when one of its occurrences overlaps the window.
 *
 * WhoId: a Salesforce event holds one (whoId), written through writeWho by the relations fake
 * (test/support/relation-side.ts) and returned by every read, as the connector reads it.
 *
 * Tests act as the rep through user*() methods. A Salesforce edit also records the id as pending
 * in the store, as the CDC router does in production for changes that are not the companion's own.
 *
 * Failures: failNext(method, count, mode) makes the next `count` calls of a method fail:
 *   'throw'         the request fails before anything happens (transport error);
 *   'items'         every item gets a retryable per-item error, nothing is applied;
 *   'applied-throw' the writes happen, then the response is lost (a timeout after the fact);
 *   'expired'       eventChanges with a cursor throws CursorExpiredError.
 * seriesOccurrences and seriesInstances take 'throw' only.
 */
import type { EventFields, EventKind, MappedEvent, Weekday } from '../../companion/src/core/event.ts';
import { comparableEvent } from '../../companion/src/core/event-plan.ts';
import { recurrenceInZone } from '../../companion/src/core/recurrence-zone.ts';
import { SALESFORCE_EVENT_FIELDS } from '../../companion/src/core/salesforce-event.ts';
import { addDaysToDate, formatInstant, utcToZoned, zonedToUtc } from '../../companion/src/core/timezones.ts';
import type { WriteResult } from '../../companion/src/ports/items.ts';
import { CursorExpiredError } from '../../companion/src/ports/mailbox.ts';
import type { SideChange, SideItem } from '../../companion/src/ports/items.ts';
import type {
  EventWindow,
  MailboxEventCreate,
  MailboxSeriesInstance,
  MailboxEventDelta,
  MailboxEventOptions,
  MailboxEventsPort,
  MailboxEventUpdate,
} from '../../companion/src/ports/mailbox-events.ts';
import type { EventUpdate, SalesforceEvent, SalesforceOccurrence, SalesforcePort } from '../../companion/src/ports/salesforce.ts';
import type { StateStore } from '../../companion/src/ports/state.ts';

export type FailureMode = 'throw' | 'items' | 'applied-throw' | 'expired';

export class TransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportError';
  }
}

/** Counts down injected failures per method name. */
export class FailureSwitch {
  private readonly queued = new Map<string, FailureMode[]>();

  failNext(method: string, count: number, mode: FailureMode): void {
    this.queued.set(method, [...(this.queued.get(method) ?? []), ...Array.from({ length: count }, () => mode)]);
  }

  /** The failure this call of `method` must show, if any (consumes it). */
  take(method: string): FailureMode | undefined {
    const list = this.queued.get(method);
    const mode = list?.shift();
    if (list && list.length === 0) this.queued.delete(method);
    return mode;
  }

  clear(): void {
    this.queued.clear();
  }
}

/** Shared logical time of both sides, so newest-wins has a total order of modifications. */
export class LogicalClock {
  private tick = 0;
  constructor(private readonly base = Date.parse('2026-01-01T00:00:00Z')) {}
  next(): string {
    this.tick++;
    return new Date(this.base + this.tick * 1000).toISOString();
  }
}

export interface StoredEvent {
  id: string;
  version: string;
  modifiedAt: string;
  fields: EventFields;
  kind: EventKind;
}

export interface StoredMailboxEvent extends StoredEvent {
  categories: string[];
  /** Change sequence number of the last write (for the delta). */
  seq: number;
  transactionId?: string;
}

function applySet(fields: EventFields, set: Partial<EventFields>): EventFields {
  const out: Record<string, unknown> = { ...fields };
  for (const [key, value] of Object.entries(set)) {
    if (value === undefined) delete out[key];
    else out[key] = structuredClone(value);
  }
  return out as EventFields;
}

/** What an event's UTC span is, for window overlap (timed events; all-day dates as whole UTC days). */
function overlaps(fields: EventFields, window: EventWindow): boolean {
  if (fields.start === undefined || fields.end === undefined) return false;
  const start = Date.parse(fields.isAllDay ? `${fields.start}T00:00:00Z` : fields.start);
  const end = Date.parse(fields.isAllDay ? `${fields.end}T00:00:00Z` : fields.end);
  return start < Date.parse(window.end) && end > Date.parse(window.start);
}

/** Listings hold a series master when one of its occurrences overlaps the window, as both connectors list them. */
function listedIn(fields: EventFields, window: EventWindow): boolean {
  return fields.recurrence === undefined ? overlaps(fields, window) : occurrenceTimes(fields).some((t) => overlaps({ ...t, isAllDay: fields.isAllDay === true }, window));
}

const WEEKDAYS: readonly Weekday[] = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const DAY_MS = 86_400_000;
const weekdayOf = (date: string): Weekday => WEEKDAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7]!;
const daysBetween = (from: string, to: string): number => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
/** More than any series a test makes; also bounds a pattern no date satisfies. */
const MAX_OCCURRENCES = 500;
const MAX_SCAN_DAYS = 5 * 366;

/**
 * The occurrences of a master's pattern when nobody edited any: the master's own fields (the
 * pattern left out), moved to each date of the pattern at the master's wall-clock time in the
 * pattern's zone. Worked out here rather than by the engine's recurrence code, so the fakes do not
 * agree with the engine by construction. Only daily and weekly patterns with a count or an end
 * date: a test that makes another shape gets an error, not a guess.
 */
export function plainOccurrences(master: EventFields): EventFields[] {
  if (master.recurrence === undefined) return [];
  const { recurrence: _pattern, ...rest } = master;
  return occurrenceTimes(master).map(({ start, end }) => ({ ...structuredClone(rest), start, end }));
}

/** Worked out once per pattern and first times: listings ask for them on every read. */
const timesCache = new Map<string, Array<{ start: string; end: string }>>();

function occurrenceTimes(master: EventFields): Array<{ start: string; end: string }> {
  const key = JSON.stringify([master.start, master.end, master.isAllDay, master.recurrence]);
  const cached = timesCache.get(key);
  if (cached) return cached;
  if (timesCache.size > 10_000) timesCache.clear();
  const r = master.recurrence!;
  if ((r.freq !== 'daily' && r.freq !== 'weekly') || (r.count === undefined && r.until === undefined) || r.byMonthDay !== undefined || r.setPos !== undefined || r.byMonth !== undefined || !(r.interval >= 1)) {
    throw new Error(`the fakes hold counted or bounded daily and weekly series only, not ${JSON.stringify(r)}`);
  }
  if (master.start === undefined || master.end === undefined) throw new Error('a series master without start or end');
  const allDay = master.isAllDay === true;
  const time = allDay ? '' : utcToZoned(master.start, r.timeZone).slice(11, 19);
  const length = allDay ? daysBetween(master.start, master.end) : Date.parse(master.end) - Date.parse(master.start);
  const days = r.freq === 'weekly' ? (r.byDay ?? [weekdayOf(r.startDate)]) : undefined;
  // Weeks count from the week start on or before the first date, so "every other week" keeps its weeks.
  const weekStart = WEEKDAYS.indexOf(r.weekStart ?? 'MO');
  const firstWeek = addDaysToDate(r.startDate, -((WEEKDAYS.indexOf(weekdayOf(r.startDate)) - weekStart + 7) % 7));
  const out: Array<{ start: string; end: string }> = [];
  const wanted = Math.min(r.count ?? MAX_OCCURRENCES, MAX_OCCURRENCES);
  for (let d = 0; out.length < wanted && d < MAX_SCAN_DAYS; d++) {
    const date = addDaysToDate(r.startDate, d);
    if (r.until !== undefined && date > r.until) break;
    const on = days === undefined ? d % r.interval === 0 : days.includes(weekdayOf(date)) && Math.floor(daysBetween(firstWeek, date) / 7) % r.interval === 0;
    if (!on) continue;
    const start = allDay ? date : zonedToUtc(`${date}T${time}`, r.timeZone);
    const end = allDay ? addDaysToDate(date, length) : formatInstant(Date.parse(start) + length);
    out.push({ start, end });
  }
  timesCache.set(key, out);
  return out;
}

/** Occurrences are not stored: their ids are derived from the master's, so a write to one can be told apart. */
const occurrenceId = (masterId: string, index: number) => `${masterId}#${index + 1}`;
const isOccurrenceId = (id: string) => id.includes('#');

/** Salesforce keeps the pattern only as created (Recurrence2PatternText is create-only): compared zone-free, as the mapping does. */
const patternOf = (fields: EventFields): string => JSON.stringify(comparableEvent(fields).recurrence ?? null);

const transport = (what: string) => new TransportError(`${what}: connection reset (injected)`);
const retryableItem = (what: string): WriteResult => ({ ok: false, error: { code: 'ServiceUnavailable', message: `${what}: service unavailable (injected)`, retryable: true } });
/** What the Salesforce connector answers for a record its mapping refuses to send. */
const refusedItem = (message: string, field: string): WriteResult => ({ ok: false, error: { code: 'invalid', message, fields: [field], retryable: false } });

/** Salesforce keeps only its own Event fields, and knows no tentative or working-elsewhere. */
function salesforceView(fields: EventFields): EventFields {
  const out: Record<string, unknown> = {};
  for (const f of SALESFORCE_EVENT_FIELDS) if (fields[f] !== undefined) out[f] = structuredClone(fields[f]);
  const view = out as EventFields;
  if (view.showAs === 'tentative' || view.showAs === 'workingElsewhere') view.showAs = 'busy';
  return view;
}

export interface WriteCounts {
  create: number;
  update: number;
  delete: number;
}

export type StoredSalesforceEvent = StoredEvent & {
  ownerId: string;
  /** A series record's ActivityRecurrence2Id. */
  seriesKey?: string;
  /** The related contact or lead (WhoId), written through writeWho (test/support/relation-side.ts); absent: none. */
  whoId?: string;
};

export class FakeSalesforceEvents implements SalesforcePort {
  readonly events = new Map<string, StoredSalesforceEvent>();
  readonly failures = new FailureSwitch();
  /** Writes the engine made that took effect. */
  readonly engineWrites: WriteCounts = { create: 0, update: 0, delete: 0 };
  /** Ids of occurrences the engine tried to update or delete (occurrences are not stored). */
  readonly occurrenceWrites: string[] = [];
  /** Calls of seriesOccurrences that answered. */
  seriesReads = 0;
  private ids = 0;
  private versions = 0;

  constructor(
    private readonly clock: LogicalClock,
    readonly userId: string,
  ) {}

  private newVersion(): string {
    return `sv${++this.versions}`;
  }

  private toPort(e: StoredSalesforceEvent): SalesforceEvent {
    return {
      id: e.id,
      version: e.version,
      modifiedAt: e.modifiedAt,
      data: { fields: structuredClone(e.fields), kind: e.kind, selected: true },
      ownerId: e.ownerId,
      isChild: false,
      // Like the connector, which always reads WhoId.
      whoId: e.whoId ?? null,
      ...(e.seriesKey !== undefined ? { seriesKey: e.seriesKey } : {}),
      warnings: [],
    };
  }

  private insert(fields: EventFields, kind: EventKind): string {
    const n = ++this.ids;
    const id = `00U${String(n).padStart(6, '0')}`;
    const e: StoredSalesforceEvent = { id, version: this.newVersion(), modifiedAt: this.clock.next(), fields: salesforceView(fields), kind, ownerId: this.userId };
    if (kind === 'seriesMaster') e.seriesKey = `828${String(n).padStart(6, '0')}`;
    this.events.set(id, e);
    return id;
  }

  private modify(id: string, set: Partial<EventFields>): StoredEvent {
    const e = this.events.get(id)!;
    e.fields = salesforceView(applySet(e.fields, set));
    e.version = this.newVersion();
    e.modifiedAt = this.clock.next();
    return e;
  }

  /** Sets or clears an event's WhoId, as a write of the Event record: a new version and modification time. */
  writeWho(id: string, whoId: string | null): string {
    const e = this.events.get(id)!;
    if (whoId === null) delete e.whoId;
    else e.whoId = whoId;
    e.version = this.newVersion();
    e.modifiedAt = this.clock.next();
    return e.version;
  }

  // ── the rep, in Salesforce ──
  /** A series (fields.recurrence) must be in the rep's zone: Salesforce holds no other. */
  async userCreate(store: StateStore, fields: EventFields, kind: EventKind = fields.recurrence !== undefined ? 'seriesMaster' : 'single'): Promise<string> {
    const id = this.insert(fields, kind);
    await store.addPendingEventIds(this.userId, [id]);
    return id;
  }
  async userEdit(store: StateStore, id: string, set: Partial<EventFields>): Promise<void> {
    this.modify(id, set);
    await store.addPendingEventIds(this.userId, [id]);
  }
  async userDelete(store: StateStore, id: string): Promise<void> {
    this.events.delete(id);
    await store.addPendingEventIds(this.userId, [id]);
  }

  // ── the port ──
  async listOwnedEvents(userId: string, window: EventWindow): Promise<SalesforceEvent[]> {
    if (this.failures.take('listOwnedEvents')) throw transport('listOwnedEvents');
    return [...this.events.values()].filter((e) => e.ownerId === userId && listedIn(e.fields, window)).map((e) => this.toPort(e));
  }

  async getEvents(ids: string[]): Promise<SalesforceEvent[]> {
    if (this.failures.take('getEvents')) throw transport('getEvents');
    return [...new Set(ids)].flatMap((id) => {
      const e = this.events.get(id);
      return e ? [this.toPort(e)] : [];
    });
  }

  async createEvents(_asUserId: string, items: Array<{ ownerId: string; data: EventFields }>, userTimeZone: string): Promise<WriteResult[]> {
    const mode = this.failures.take('createEvents');
    if (mode === 'throw') throw transport('createEvents');
    if (mode === 'items') return items.map(() => retryableItem('create'));
    const results = items.map((item): WriteResult => {
      let data = item.data;
      if (data.recurrence !== undefined) {
        // Salesforce evaluates a series in the zone of the rep who saves it.
        const zoned = recurrenceInZone(data.recurrence, data.start, userTimeZone);
        if (zoned.problem !== undefined) return refusedItem(`create: ${zoned.problem}`, 'recurrence');
        data = { ...data, recurrence: zoned.recurrence };
      }
      const id = this.insert(data, data.recurrence !== undefined ? 'seriesMaster' : 'single');
      this.engineWrites.create++;
      return { ok: true, id, version: this.events.get(id)!.version };
    });
    if (mode === 'applied-throw') throw transport('createEvents');
    return results;
  }

  async updateEvents(_asUserId: string, items: EventUpdate[]): Promise<WriteResult[]> {
    const mode = this.failures.take('updateEvents');
    if (mode === 'throw') throw transport('updateEvents');
    if (mode === 'items') return items.map(() => retryableItem('update'));
    const results = items.map((item): WriteResult => {
      const current = this.events.get(item.id);
      if (!current) {
        if (isOccurrenceId(item.id)) this.occurrenceWrites.push(item.id);
        return { ok: false, id: item.id, error: { code: 'ENTITY_IS_DELETED', message: `update ${item.id}: entity is deleted`, retryable: false } };
      }
      if ('recurrence' in item.set && patternOf(applySet(current.fields, item.set)) !== patternOf(current.fields)) {
        return { ...refusedItem(`update ${item.id}: Salesforce cannot change a series pattern (or make a single event a series) through an update`, 'recurrence'), id: item.id };
      }
      const e = this.modify(item.id, item.set);
      this.engineWrites.update++;
      return { ok: true, id: e.id, version: e.version };
    });
    if (mode === 'applied-throw') throw transport('updateEvents');
    return results;
  }

  async deleteEvents(_asUserId: string, ids: string[]): Promise<WriteResult[]> {
    const mode = this.failures.take('deleteEvents');
    if (mode === 'throw') throw transport('deleteEvents');
    if (mode === 'items') return ids.map(() => retryableItem('delete'));
    const results = ids.map((id): WriteResult => {
      if (this.events.delete(id)) this.engineWrites.delete++;
      else if (isOccurrenceId(id)) this.occurrenceWrites.push(id);
      // Already gone counts as deleted (the port's contract).
      return { ok: true, id, version: '' };
    });
    if (mode === 'applied-throw') throw transport('deleteEvents');
    return results;
  }

  /** Every series record among the ids with its plain occurrences (a record with no pattern has none); gone ones are absent. */
  async seriesOccurrences(seriesIds: string[], _userTimeZone: string): Promise<Map<string, SalesforceOccurrence[]>> {
    if (this.failures.take('seriesOccurrences')) throw transport('seriesOccurrences');
    this.seriesReads++;
    const out = new Map<string, SalesforceOccurrence[]>();
    for (const id of new Set(seriesIds)) {
      const e = this.events.get(id);
      if (!e || e.kind !== 'seriesMaster') continue;
      out.set(
        id,
        plainOccurrences(e.fields).map((fields, i) => ({ id: occurrenceId(id, i), version: `${e.version}.${i + 1}`, modifiedAt: e.modifiedAt, fields: salesforceView(fields), isException: false })),
      );
    }
    return out;
  }

  // ── not part of the events pass ──
  private unused(): never {
    throw new Error('FakeSalesforceEvents: not used by the events pass');
  }
  loadSyncUsers = async () => this.unused();
  listOwnedContacts = async () => this.unused();
  getContacts = async () => this.unused();
  createContacts = async () => this.unused();
  updateContacts = async () => this.unused();
  deleteContacts = async () => this.unused();
  publishUserStatus = async () => this.unused();
  subscribeContactChanges = async () => this.unused();
  subscribeEventChanges = async () => this.unused();
}

export class FakeMailboxEvents implements MailboxEventsPort {
  readonly events = new Map<string, StoredMailboxEvent>();
  /** Deleted id → change sequence of the delete. */
  private readonly tombstones = new Map<string, number>();
  readonly failures = new FailureSwitch();
  readonly engineWrites: WriteCounts = { create: 0, update: 0, delete: 0 };
  /** Ids of occurrences the engine tried to update or delete (occurrences are not stored). */
  readonly occurrenceWrites: string[] = [];
  /** Calls of seriesInstances that answered. */
  seriesReads = 0;
  private seq = 0;
  private ids = 0;
  private versions = 0;

  /** A create repeating a transactionId answers with the event the first one made, for as long as that event exists. */
  constructor(private readonly clock: LogicalClock) {}

  private touch(e: StoredMailboxEvent): void {
    e.version = `ck${++this.versions}`;
    e.modifiedAt = this.clock.next();
    e.seq = ++this.seq;
  }

  private insert(fields: EventFields, categories: string[], kind: EventKind, transactionId?: string): StoredMailboxEvent {
    const id = `AAMk${String(++this.ids).padStart(6, '0')}`;
    const e: StoredMailboxEvent = { id, version: '', modifiedAt: '', seq: 0, fields: structuredClone(fields), kind, categories: [...categories] };
    this.touch(e);
    if (transactionId !== undefined) e.transactionId = transactionId;
    this.events.set(id, e);
    return e;
  }

  private remove(id: string): boolean {
    if (!this.events.delete(id)) return false;
    this.tombstones.set(id, ++this.seq);
    return true;
  }

  static isSelected(e: StoredMailboxEvent, category: string): boolean {
    return e.categories.some((c) => c.toLowerCase() === category.toLowerCase());
  }

  private toPort(e: StoredMailboxEvent, opts: MailboxEventOptions): SideItem<MappedEvent> {
    return {
      id: e.id,
      version: e.version,
      modifiedAt: e.modifiedAt,
      // Graph returns transactionId on every read of an event an app created with one.
      ...(e.transactionId !== undefined ? { createdAs: e.transactionId } : {}),
      data: { fields: structuredClone(e.fields), kind: e.kind, selected: FakeMailboxEvents.isSelected(e, opts.category) },
    };
  }

  // ── the rep, in the mailbox ──
  userCreate(fields: EventFields, categories: string[], kind: EventKind = fields.recurrence !== undefined ? 'seriesMaster' : 'single'): string {
    return this.insert(fields, categories, kind).id;
  }
  userEdit(id: string, set: Partial<EventFields>): void {
    const e = this.events.get(id)!;
    e.fields = applySet(e.fields, set);
    this.touch(e);
  }
  userSetCategories(id: string, categories: string[]): void {
    const e = this.events.get(id)!;
    e.categories = [...categories];
    this.touch(e);
  }
  userDelete(id: string): void {
    this.remove(id);
  }

  // ── the port ──
  async eventChanges(_mailbox: string, window: EventWindow, cursor: string | null, opts: MailboxEventOptions): Promise<MailboxEventDelta> {
    const mode = this.failures.take('eventChanges');
    if (mode === 'expired' && cursor !== null) throw new CursorExpiredError('injected: sync state not found');
    if (mode === 'throw' || mode === 'items' || mode === 'applied-throw') throw transport('eventChanges');
    const changes: SideChange<MappedEvent>[] = [];
    if (cursor === null) {
      for (const e of this.events.values()) if (listedIn(e.fields, window)) changes.push({ kind: 'upsert', item: this.toPort(e, opts) });
    } else {
      const since = Number(cursor.replace(/^seq:/, ''));
      if (!Number.isInteger(since)) throw new CursorExpiredError(`unreadable cursor ${cursor}`);
      for (const e of this.events.values()) {
        if (e.seq <= since) continue;
        // An event moved out of the window drops out of a calendar-view delta like a removal.
        changes.push(listedIn(e.fields, window) ? { kind: 'upsert', item: this.toPort(e, opts) } : { kind: 'delete', id: e.id });
      }
      for (const [id, at] of this.tombstones) if (at > since) changes.push({ kind: 'delete', id });
    }
    return { changes, cursor: `seq:${this.seq}`, warnings: {} };
  }

  async getEvents(_mailbox: string, ids: string[], opts: MailboxEventOptions): Promise<SideItem<MappedEvent>[]> {
    if (this.failures.take('getEvents')) throw transport('getEvents');
    return [...new Set(ids)].flatMap((id) => {
      const e = this.events.get(id);
      return e ? [this.toPort(e, opts)] : [];
    });
  }

  async createEvents(_mailbox: string, items: MailboxEventCreate[], opts: MailboxEventOptions): Promise<WriteResult[]> {
    const mode = this.failures.take('createEvents');
    if (mode === 'throw') throw transport('createEvents');
    if (mode === 'items') return items.map(() => retryableItem('create'));
    const results = items.map((item): WriteResult => {
      const earlier = [...this.events.values()].find(
        (e) => e.transactionId === item.transactionId,
      );
      if (earlier) return { ok: true, id: earlier.id, version: earlier.version };
      // In "selected" mode the companion tags what it creates with the category (graph-event.ts).
      const kind: EventKind = item.fields.recurrence !== undefined ? 'seriesMaster' : 'single';
      const e = this.insert(item.fields, opts.selection === 'selected' ? [opts.category] : [], kind, item.transactionId);
      this.engineWrites.create++;
      return { ok: true, id: e.id, version: e.version };
    });
    if (mode === 'applied-throw') throw transport('createEvents');
    return results;
  }

  async updateEvents(_mailbox: string, items: MailboxEventUpdate[]): Promise<WriteResult[]> {
    const mode = this.failures.take('updateEvents');
    if (mode === 'throw') throw transport('updateEvents');
    if (mode === 'items') return items.map(() => retryableItem('update'));
    const results = items.map((item): WriteResult => {
      const e = this.events.get(item.id);
      if (!e) {
        if (isOccurrenceId(item.id)) this.occurrenceWrites.push(item.id);
        return { ok: false, id: item.id, error: { code: 'ErrorItemNotFound', message: `update ${item.id}: not found`, retryable: false } };
      }
      if (item.version !== undefined && item.version !== e.version) {
        return { ok: false, id: item.id, error: { code: 'conflict', message: `update ${item.id}: the event changed after the given version (HTTP 412)`, retryable: true } };
      }
      e.fields = applySet(e.fields, item.set);
      this.touch(e);
      this.engineWrites.update++;
      return { ok: true, id: e.id, version: e.version };
    });
    if (mode === 'applied-throw') throw transport('updateEvents');
    return results;
  }

  async deleteEvents(_mailbox: string, ids: string[]): Promise<WriteResult[]> {
    const mode = this.failures.take('deleteEvents');
    if (mode === 'throw') throw transport('deleteEvents');
    if (mode === 'items') return ids.map(() => retryableItem('delete'));
    const results = ids.map((id): WriteResult => {
      if (this.remove(id)) this.engineWrites.delete++;
      else if (isOccurrenceId(id)) this.occurrenceWrites.push(id);
      return { ok: true, id, version: '' };
    });
    if (mode === 'applied-throw') throw transport('deleteEvents');
    return results;
  }

  /** The plain occurrences of a master that overlap the window, full fields as the port gives them; null once the master is gone. */
  async seriesInstances(_mailbox: string, masterId: string, window: EventWindow, _opts: MailboxEventOptions): Promise<MailboxSeriesInstance[] | null> {
    if (this.failures.take('seriesInstances')) throw transport('seriesInstances');
    const e = this.events.get(masterId);
    if (!e) return null;
    // Graph refuses /instances of an event that is no series master; the engine only asks for linked series.
    if (e.kind !== 'seriesMaster') throw new Error(`seriesInstances: ${masterId} is not a series master`);
    this.seriesReads++;
    return plainOccurrences(e.fields).flatMap((fields, i) =>
      overlaps(fields, window) ? [{ id: occurrenceId(masterId, i), kind: 'occurrence' as const, fields, originalStart: fields.start!, modifiedAt: e.modifiedAt, version: e.version }] : [],
    );
  }
}
