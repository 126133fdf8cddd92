/**
 * An in-memory EventRelation table and person directory for engine tests: Salesforce's side of the
 * attendee mapping (ports/event-relations.ts), over the events of a FakeSalesforceEvents.
 *
 * The directory holds contacts, leads and users (ids with the prefixes 003, 00Q, 005, 18
 * characters), each with one e-mail address; lookups compare addresses in any case. Rows live in
 * one table; the rows of an event that no longer exists are gone (Salesforce deletes them with
 * the event). WhoId is kept on the Salesforce fake's events, so reads of the event see it; a write
 * of WhoId changes the event's version and modification time, as it does in Salesforce.
 *
 * Salesforce's rules the fake checks cheaply, failing the item as Salesforce would:
 *   - one row per person and event (DUPLICATE_VALUE);
 *   - no row on an event that is gone (ENTITY_IS_DELETED) or private (FIELD_INTEGRITY_EXCEPTION);
 *   - only contacts and leads are related (IsParent), never users; the owner is not invited;
 *   - an event is related to contacts or to one lead, never both;
 *   - Status is written only on invitee rows, and only as a known picklist value.
 * Setting WhoId to someone the event is not related to relates them (a parent row), as Salesforce
 * does; deleting the row of the WhoId person clears WhoId (the engine must name another).
 *
 * Failures: failures.failNext(method, count, mode) with the modes of event-sides.ts: 'throw' (before
 * anything happens), 'items' (a retryable error per item, nothing applied), 'applied-throw' (the
 * writes happen, then the response is lost). lookupByEmail and listRelations take 'throw' only.
 *
 * The rep acts in Salesforce through userRelate (relating a contact to an event by hand).
 */
import type { EmailMatches, EventRelationRow, EventRelationsPort, RelationInsert, StatusChange, WhoUpdate } from '../../companion/src/ports/event-relations.ts';
import type { WriteResult } from '../../companion/src/ports/items.ts';
import type { StateStore } from '../../companion/src/ports/state.ts';
import { FailureSwitch, TransportError, type FakeSalesforceEvents } from './event-sides.ts';

export type PersonKind = 'contact' | 'lead' | 'user';

export interface DirectoryPerson {
  id: string;
  kind: PersonKind;
  /** As stored in Salesforce (any case). */
  email: string;
  name: string;
}

export interface StoredRelation {
  id: string;
  eventId: string;
  relationId: string;
  isInvitee: boolean;
  isParent: boolean;
  status?: string;
}

export type RelationMethod = 'lookupByEmail' | 'listRelations' | 'insertRelations' | 'deleteRelations' | 'setWho' | 'setStatuses';

const PREFIX: Record<PersonKind, string> = { contact: '003', lead: '00Q', user: '005' };
const TYPE: Record<PersonKind, string> = { contact: 'Contact', lead: 'Lead', user: 'User' };
const STATUSES: ReadonlySet<string> = new Set(['New', 'Accepted', 'Declined', 'Maybe', 'Uninvited']);

const transport = (what: string) => new TransportError(`${what}: connection reset (injected)`);
const retryableItem = (what: string): WriteResult => ({ ok: false, error: { code: 'ServiceUnavailable', message: `${what}: service unavailable (injected)`, retryable: true } });
const refused = (code: string, message: string, id?: string): WriteResult => ({ ok: false, ...(id !== undefined ? { id } : {}), error: { code, message, retryable: false } });

export class FakeEventRelations implements EventRelationsPort {
  readonly failures = new FailureSwitch();
  /** Writes the engine made that took effect. */
  readonly engineWrites = { insert: 0, delete: 0, who: 0, status: 0 };
  /** Calls of each method that answered (or took effect), for tests that count what the engine asked. */
  readonly calls: Record<RelationMethod, number> = { lookupByEmail: 0, listRelations: 0, insertRelations: 0, deleteRelations: 0, setWho: 0, setStatuses: 0 };
  private readonly people = new Map<string, DirectoryPerson>();
  private readonly table = new Map<string, StoredRelation>();
  private rowIds = 0;
  private readonly personIds: Record<PersonKind, number> = { contact: 0, lead: 0, user: 0 };

  constructor(private readonly sf: FakeSalesforceEvents) {}

  // ── the directory ──
  /** A person in the org; `id` to give one a fixed id (e.g. the rep's own user). */
  addPerson(kind: PersonKind, email: string, name: string, id?: string): string {
    const personId = id ?? `${PREFIX[kind]}${String(++this.personIds[kind] + 100).padStart(12, '0')}AAA`;
    if (!personId.startsWith(PREFIX[kind]) || personId.length !== 18) throw new Error(`not an 18-character ${kind} id: ${personId}`);
    this.people.set(personId, { id: personId, kind, email, name });
    return personId;
  }

  person(id: string): DirectoryPerson | undefined {
    return this.people.get(id);
  }

  // ── what a test reads ──
  /** Every row of an event (copies), in insertion order. */
  rowsOf(eventId: string): StoredRelation[] {
    this.prune();
    return [...this.table.values()].filter((r) => r.eventId === eventId).map((r) => ({ ...r }));
  }

  /** Every row (copies). */
  allRows(): StoredRelation[] {
    this.prune();
    return [...this.table.values()].map((r) => ({ ...r }));
  }

  // ── the rep, in Salesforce ──
  /**
   * The rep relates a contact or lead to an event by hand (the Name field): a parent row, and the
   * WhoId when the event has none. false when Salesforce would refuse it (as the item would fail).
   */
  async userRelate(store: StateStore, eventId: string, relationId: string): Promise<boolean> {
    const r = this.insertOne({ eventId, relationId, isInvitee: false, isParent: true });
    if (!r.ok) return false;
    const e = this.sf.events.get(eventId)!;
    if (e.whoId === undefined) {
      this.sf.writeWho(eventId, relationId);
      await store.addPendingEventIds(this.sf.userId, [eventId]);
    }
    return true;
  }

  // ── the port ──
  async lookupByEmail(_asUserId: string, emails: string[]): Promise<Map<string, EmailMatches>> {
    if (this.failures.take('lookupByEmail')) throw transport('lookupByEmail');
    this.calls.lookupByEmail++;
    const out = new Map<string, EmailMatches>();
    for (const raw of emails) {
      const email = raw.toLowerCase();
      const found: Record<PersonKind, string[]> = { contact: [], lead: [], user: [] };
      for (const p of this.people.values()) if (p.email.toLowerCase() === email) found[p.kind].push(p.id);
      out.set(email, { contacts: found.contact, leads: found.lead, users: found.user });
    }
    return out;
  }

  async listRelations(eventIds: string[]): Promise<EventRelationRow[]> {
    if (this.failures.take('listRelations')) throw transport('listRelations');
    this.calls.listRelations++;
    this.prune();
    const wanted = new Set(eventIds);
    return [...this.table.values()]
      .filter((r) => wanted.has(r.eventId))
      .map((r): EventRelationRow => {
        const p = this.people.get(r.relationId);
        return {
          id: r.id,
          eventId: r.eventId,
          relationId: r.relationId,
          isInvitee: r.isInvitee,
          isParent: r.isParent,
          isWhat: false,
          ...(p ? { type: TYPE[p.kind], email: p.email.toLowerCase(), name: p.name } : {}),
          ...(r.status !== undefined ? { status: r.status } : {}),
        };
      });
  }

  async insertRelations(_asUserId: string, items: RelationInsert[]): Promise<WriteResult[]> {
    return this.write('insertRelations', 'insert relation', items, (item) => {
      const r = this.insertOne(item);
      if (r.ok) this.engineWrites.insert++;
      return r;
    });
  }

  async deleteRelations(_asUserId: string, ids: string[]): Promise<WriteResult[]> {
    return this.write('deleteRelations', 'delete relation', ids, (id) => {
      const row = this.table.get(id);
      if (row) {
        this.table.delete(id);
        this.engineWrites.delete++;
        // The WhoId person's row is gone: Salesforce leaves the event without a WhoId.
        if (this.sf.events.get(row.eventId)?.whoId === row.relationId) this.sf.writeWho(row.eventId, null);
      }
      return { ok: true, id, version: '' };
    });
  }

  async setWho(_asUserId: string, items: WhoUpdate[]): Promise<WriteResult[]> {
    return this.write('setWho', 'set WhoId', items, (item) => {
      const e = this.sf.events.get(item.eventId);
      if (!e) return refused('ENTITY_IS_DELETED', `set WhoId of ${item.eventId}: entity is deleted`, item.eventId);
      if (item.whoId !== null) {
        const p = this.people.get(item.whoId);
        if (!p || p.kind === 'user') return refused('INVALID_CROSS_REFERENCE_KEY', `set WhoId of ${item.eventId}: not a contact or lead`, item.eventId);
        if (e.fields.isPrivate === true) return refused('FIELD_INTEGRITY_EXCEPTION', `set WhoId of ${item.eventId}: a private event cannot be related`, item.eventId);
        const rows = this.rowsOf(item.eventId);
        if (!rows.some((r) => r.relationId === item.whoId)) {
          const r = this.insertOne({ eventId: item.eventId, relationId: item.whoId, isInvitee: false, isParent: true });
          if (!r.ok) return { ...r, id: item.eventId };
        } else if (!rows.some((r) => r.relationId === item.whoId && r.isParent)) {
          const row = [...this.table.values()].find((r) => r.eventId === item.eventId && r.relationId === item.whoId)!;
          const clash = this.parentClash(item.eventId, p.kind);
          if (clash) return refused('FIELD_INTEGRITY_EXCEPTION', `set WhoId of ${item.eventId}: ${clash}`, item.eventId);
          row.isParent = true;
        }
      }
      const version = this.sf.writeWho(item.eventId, item.whoId);
      this.engineWrites.who++;
      return { ok: true, id: item.eventId, version };
    });
  }

  async setStatuses(_asUserId: string, items: StatusChange[]): Promise<WriteResult[]> {
    return this.write('setStatuses', 'set status', items, (item) => {
      const row = this.table.get(item.id);
      if (!row) return refused('ENTITY_IS_DELETED', `set status of ${item.id}: entity is deleted`, item.id);
      if (!row.isInvitee) return refused('FIELD_INTEGRITY_EXCEPTION', `set status of ${item.id}: not an invitee`, item.id);
      if (!STATUSES.has(item.status)) return refused('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `set status of ${item.id}: bad value`, item.id);
      row.status = item.status;
      this.engineWrites.status++;
      return { ok: true, id: item.id, version: '' };
    });
  }

  /** One write call: an injected failure first, then each item on its own, then (applied-throw) the answer lost. */
  private write<T>(method: RelationMethod, what: string, items: T[], one: (item: T) => WriteResult): WriteResult[] {
    const mode = this.failures.take(method);
    if (mode === 'throw') throw transport(method);
    if (mode === 'items') return items.map(() => retryableItem(what));
    this.calls[method]++;
    this.prune();
    const results = items.map(one);
    if (mode === 'applied-throw') throw transport(method);
    return results;
  }

  // ── Salesforce's rules ──
  private insertOne(item: RelationInsert): WriteResult {
    this.prune();
    const e = this.sf.events.get(item.eventId);
    if (!e) return refused('ENTITY_IS_DELETED', `insert relation on ${item.eventId}: entity is deleted`);
    if (e.fields.isPrivate === true) return refused('FIELD_INTEGRITY_EXCEPTION', `insert relation on ${item.eventId}: a private event cannot be related`);
    const p = this.people.get(item.relationId);
    if (!p) return refused('INVALID_CROSS_REFERENCE_KEY', `insert relation on ${item.eventId}: no such record`);
    if (!item.isInvitee && !item.isParent) return refused('FIELD_INTEGRITY_EXCEPTION', `insert relation on ${item.eventId}: neither invitee nor related`);
    if (item.isParent && p.kind === 'user') return refused('FIELD_INTEGRITY_EXCEPTION', `insert relation on ${item.eventId}: a user cannot be related as a contact or lead`);
    if (item.isInvitee && p.id.slice(0, 15) === e.ownerId.slice(0, 15)) return refused('FIELD_INTEGRITY_EXCEPTION', `insert relation on ${item.eventId}: the owner cannot be invited`);
    if (item.status !== undefined && (!item.isInvitee || !STATUSES.has(item.status))) return refused('FIELD_INTEGRITY_EXCEPTION', `insert relation on ${item.eventId}: bad status`);
    if ([...this.table.values()].some((r) => r.eventId === item.eventId && r.relationId === item.relationId)) {
      return refused('DUPLICATE_VALUE', `insert relation on ${item.eventId}: duplicate value found: RelationId duplicates value on record`);
    }
    if (item.isParent) {
      const clash = this.parentClash(item.eventId, p.kind);
      if (clash) return refused('FIELD_INTEGRITY_EXCEPTION', `insert relation on ${item.eventId}: ${clash}`);
    }
    const id = `0RE${String(++this.rowIds).padStart(12, '0')}AAA`;
    this.table.set(id, {
      id,
      eventId: item.eventId,
      relationId: item.relationId,
      isInvitee: item.isInvitee,
      isParent: item.isParent,
      // Salesforce's default Status of an invitee row.
      ...(item.isInvitee ? { status: item.status ?? 'New' } : {}),
    });
    return { ok: true, id, version: '' };
  }

  /** Why a new parent of this kind cannot join the event's parents: contacts or one lead, never both. */
  private parentClash(eventId: string, kind: PersonKind): string | undefined {
    const parents = [...this.table.values()].filter((r) => r.eventId === eventId && r.isParent).map((r) => this.people.get(r.relationId)?.kind);
    if (kind === 'lead' && parents.length > 0) return 'an event related to a contact or lead cannot be related to a lead as well';
    if (kind === 'contact' && parents.includes('lead')) return 'an event related to a lead cannot be related to a contact';
    return undefined;
  }

  /** Rows of events that no longer exist are gone with them. */
  private prune(): void {
    for (const [id, r] of this.table) if (!this.sf.events.has(r.eventId)) this.table.delete(id);
  }
}
