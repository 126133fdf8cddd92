/**
 * In-memory Salesforce and mailbox calendars for engine tests, observable by the engine the way
 * the real services are: versions change on every write, deleted ids are gone (getEvents omits
 * them), the mailbox delta returns what changed since a cursor (current state as upserts, removals
 * as deletes; everything in the window when the cursor is null), a mailbox update carrying a stale
 * version fails with a retryable conflict (Graph's 412), and a mailbox create repeating a
 * transactionId answers with the event the first one made. Items are kept as canonical
 * EventFields: the wire mappings have their own tests.
 *
 * Tests act as the rep through user*() methods. A Salesforce edit also records the id as pending
 * in the store, as the CDC router does in production for changes that are not the companion's own.
 *
 * Failures: failNext(method, count, mode) makes the next `count` calls of a method fail:
 *   'throw'         the request fails before anything happens (transport error);
 *   'items'         every item gets a retryable per-item error, nothing is applied;
 *   'applied-throw' the writes happen, then the response is lost (a timeout after the fact);
 *   'expired'       eventChanges with a cursor throws CursorExpiredError.
 */
import type { EventFields, EventKind, MappedEvent } from '../../companion/src/core/event.ts';
import { SALESFORCE_EVENT_FIELDS } from '../../companion/src/core/salesforce-event.ts';
import type { WriteResult } from '../../companion/src/ports/items.ts';
import { CursorExpiredError } from '../../companion/src/ports/mailbox.ts';
import type { SideChange, SideItem } from '../../companion/src/ports/items.ts';
import type {
  EventWindow,
  MailboxEventCreate,
  MailboxEventDelta,
  MailboxEventOptions,
  MailboxEventsPort,
  MailboxEventUpdate,
} from '../../companion/src/ports/mailbox-events.ts';
import type { EventUpdate, SalesforceEvent, SalesforcePort } from '../../companion/src/ports/salesforce.ts';
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

const transport = (what: string) => new TransportError(`${what}: connection reset (injected)`);
const retryableItem = (what: string): WriteResult => ({ ok: false, error: { code: 'ServiceUnavailable', message: `${what}: service unavailable (injected)`, retryable: true } });

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

export class FakeSalesforceEvents implements SalesforcePort {
  readonly events = new Map<string, StoredEvent & { ownerId: string }>();
  readonly failures = new FailureSwitch();
  /** Writes the engine made that took effect. */
  readonly engineWrites: WriteCounts = { create: 0, update: 0, delete: 0 };
  private ids = 0;
  private versions = 0;

  constructor(
    private readonly clock: LogicalClock,
    readonly userId: string,
  ) {}

  private newVersion(): string {
    return `sv${++this.versions}`;
  }

  private toPort(e: StoredEvent & { ownerId: string }): SalesforceEvent {
    return {
      id: e.id,
      version: e.version,
      modifiedAt: e.modifiedAt,
      data: { fields: structuredClone(e.fields), kind: e.kind, selected: true },
      ownerId: e.ownerId,
      isChild: false,
      // Like the connector, which always reads WhoId; these events are never related to anyone here.
      whoId: null,
      warnings: [],
    };
  }

  private insert(fields: EventFields, kind: EventKind): string {
    const id = `00U${String(++this.ids).padStart(6, '0')}`;
    this.events.set(id, { id, version: this.newVersion(), modifiedAt: this.clock.next(), fields: salesforceView(fields), kind, ownerId: this.userId });
    return id;
  }

  private modify(id: string, set: Partial<EventFields>): StoredEvent {
    const e = this.events.get(id)!;
    e.fields = salesforceView(applySet(e.fields, set));
    e.version = this.newVersion();
    e.modifiedAt = this.clock.next();
    return e;
  }

  // ── the rep, in Salesforce ──
  async userCreate(store: StateStore, fields: EventFields, kind: EventKind = 'single'): Promise<string> {
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
    return [...this.events.values()].filter((e) => e.ownerId === userId && overlaps(e.fields, window)).map((e) => this.toPort(e));
  }

  async getEvents(ids: string[]): Promise<SalesforceEvent[]> {
    if (this.failures.take('getEvents')) throw transport('getEvents');
    return [...new Set(ids)].flatMap((id) => {
      const e = this.events.get(id);
      return e ? [this.toPort(e)] : [];
    });
  }

  async createEvents(_asUserId: string, items: Array<{ ownerId: string; data: EventFields }>): Promise<WriteResult[]> {
    const mode = this.failures.take('createEvents');
    if (mode === 'throw') throw transport('createEvents');
    if (mode === 'items') return items.map(() => retryableItem('create'));
    const results = items.map((item): WriteResult => {
      const id = this.insert(item.data, 'single');
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
      if (!this.events.has(item.id)) return { ok: false, id: item.id, error: { code: 'ENTITY_IS_DELETED', message: `update ${item.id}: entity is deleted`, retryable: false } };
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
      // Already gone counts as deleted (the port's contract).
      return { ok: true, id, version: '' };
    });
    if (mode === 'applied-throw') throw transport('deleteEvents');
    return results;
  }

  // These calendars hold no series (engine tests of series run on the sandbox): the series step never reaches them.
  seriesOccurrences = async () => this.unused();

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
  userCreate(fields: EventFields, categories: string[], kind: EventKind = 'single'): string {
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
      for (const e of this.events.values()) if (overlaps(e.fields, window)) changes.push({ kind: 'upsert', item: this.toPort(e, opts) });
    } else {
      const since = Number(cursor.replace(/^seq:/, ''));
      if (!Number.isInteger(since)) throw new CursorExpiredError(`unreadable cursor ${cursor}`);
      for (const e of this.events.values()) {
        if (e.seq <= since) continue;
        // An event moved out of the window drops out of a calendar-view delta like a removal.
        changes.push(overlaps(e.fields, window) ? { kind: 'upsert', item: this.toPort(e, opts) } : { kind: 'delete', id: e.id });
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
      const e = this.insert(item.fields, opts.selection === 'selected' ? [opts.category] : [], 'single', item.transactionId);
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
      if (!e) return { ok: false, id: item.id, error: { code: 'ErrorItemNotFound', message: `update ${item.id}: not found`, retryable: false } };
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
      return { ok: true, id, version: '' };
    });
    if (mode === 'applied-throw') throw transport('deleteEvents');
    return results;
  }

  // These calendars hold no series (engine tests of series run on the sandbox): the series step never reaches them.
  async seriesInstances(): Promise<never> {
    throw new Error('FakeMailboxEvents: holds no series');
  }
}
