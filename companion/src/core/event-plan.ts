/**
 * plan() for events: decides which events are in the sync scope, then hands the rest to the
 * generic pair planner (pair-plan.ts) with the event model.
 *
 * The scope, as documented for admins in the README ("Events"):
 * - Private events (Graph sensitivity private/confidential, Salesforce IsPrivate) are synced only
 *   when the configuration allows private events.
 * - In "only events the rep selects" mode, a mailbox event is in scope only while it carries the
 *   configured category; events that come from Salesforce are created with that category.
 * - Event series, when the configuration syncs them, travel as a whole: the series master (its
 *   pattern and the fields every occurrence shares) is the item that pairs, is created, updated
 *   and deleted. Its occurrences, plain or modified, are never events of their own here: once the
 *   series is linked, edited and cancelled occurrences are synced slot by slot by a later step of
 *   the pass (engine/event-series-sync.ts), so they are skipped without being counted. A master is exempt from the
 *   window check, since connectors only list the masters of series with occurrences in the window
 *   (its own start may lie long before it). A master whose pattern could not be read is left out
 *   and counted too: copied without its pattern it would become a single event.
 *   With series off, masters, occurrences and exceptions all stay out on both sides and are
 *   counted, so the rep's status says how many were left alone.
 * - A cancelled meeting in the mailbox counts as deleted there.
 * - The sync window limits what is *created* on the other side; an event already linked keeps
 *   syncing wherever it moves, and leaving the window is never taken for a delete.
 * A linked event that leaves the scope (becomes private, loses its category) is unlinked; its
 * copy on the other side is deleted when delete propagation is on and that copy was not edited
 * since the last sync, and left alone otherwise. The event itself is never touched on the side
 * where it left the scope. If it comes back into scope it pairs again by subject, start and end.
 */
import { createHmac } from 'node:crypto';
import type { EventField, EventFields, MappedEvent } from './event.ts';
import { hashEventFields } from './event-hash.ts';
import { normaliseEvent } from './event-normalise.ts';
import { recurrenceInZone } from './recurrence-zone.ts';
import { MASS_DELETE_MIN, matchByKeys, planPairs, type ConflictPolicy, type ItemModel, type Plan, type SideSnapshot, type UnsettledCreate } from './pair-plan.ts';
import { SALESFORCE_EVENT_FIELDS } from './salesforce-event.ts';
import type { Direction, EventLink, SideItem } from './sync-types.ts';

export interface EventScopeOptions {
  selection: 'all' | 'selected';
  privateEvents: boolean;
  /** Event series on (Sync_Configuration__c Events_Sync_Series__c); absent = off. */
  series?: boolean;
}

/**
 * A side's view in this pass, before scoping. The engine accounts for every linked event: one
 * missing from a full listing or reported removed is looked up by id, and is then either in
 * `found` (it still exists, e.g. moved out of the window) or in `deleted` (confirmed gone).
 */
export interface EventSideInput {
  /** `items` is a full listing of the window (else: the changes since the last pass). */
  full: boolean;
  items: SideItem<MappedEvent>[];
  /** Linked events not in `items` that a lookup by id found. */
  found: SideItem<MappedEvent>[];
  /** Confirmed gone. */
  deleted: string[];
}

export interface EventPlanInput extends EventScopeOptions {
  userId: string;
  direction: Direction;
  conflictPolicy: ConflictPolicy;
  propagateDeletes: boolean;
  maxDeleteShare: number;
  salt: string;
  /** UTC instants; an unlinked event outside it is neither paired nor created. */
  window: { start: string; end: string };
  links: EventLink[];
  salesforce: EventSideInput;
  mailbox: EventSideInput;
  /**
   * Salesforce events held in an earlier pass, with the hash of the meeting key they were held
   * for. A mailbox read that is only the changes cannot show the untagged twin again, so a held
   * event stays held while its subject, start and end are unchanged — until the twin is tagged
   * (it then appears, selected, and the two pair) or a full listing decides afresh.
   */
  heldBefore: HeldEvent[];
  /**
   * "Selected events" mode, on a pass whose mailbox read is only the changes: the mailbox events
   * around the times of new Salesforce events, read for this pass. An untagged twin that did not
   * change lately is not in the changes, yet a copy beside it would put the meeting in the
   * calendar twice; these are only looked at for that.
   */
  mailboxAround?: SideItem<MappedEvent>[];
  /** See PairPlanInput.unsettledCreates. */
  unsettledCreates?: UnsettledCreate[];
  /**
   * The rep's mailbox address. A mailbox meeting whose organizer is someone else is the organizer's
   * copy: it follows the organizer, whose updates overwrite it, so it flows to Salesforce only and
   * Salesforce edits never go back to it (PairPlanInput.followMailbox).
   */
  repEmail?: string;
}

export interface HeldEvent {
  sfId: string;
  keyHash: string;
}

/** 'series': series off, or a master without a readable pattern. */
export type ExclusionReason = 'private' | 'unselected' | 'series' | 'outside_window';

export interface EventPlanResult {
  plan: Plan<EventFields>;
  /**
   * "Selected events" mode: new Salesforce events not copied to the mailbox because the rep's
   * calendar already holds the same meeting (subject, start, end) without the category. Copying
   * would put the meeting in the calendar twice; the rep adds the category to pair them instead.
   */
  held: HeldEvent[];
  /** Unlinked events left alone this pass, by side and reason (counts only: no content). */
  excluded: Record<'salesforce' | 'mailbox', Partial<Record<ExclusionReason, number>>>;
  /** Mailbox ids of meetings someone else organizes; their links are to carry INVITED_KEY. */
  invited: ReadonlySet<string>;
}

/**
 * Marks, in a link's hashes, a pair whose mailbox copy is a meeting someone else organizes. It is
 * remembered because the copy is not always there to tell: once the rep deletes it from the
 * calendar, the pair must still follow the mailbox (a Salesforce edit never re-creates it there).
 */
export const INVITED_KEY = '~invited';

/** The fields both Salesforce and the mailbox hold on the event itself. */
export const SYNCED_EVENT_FIELDS: readonly EventField[] = SALESFORCE_EVENT_FIELDS;

/**
 * Salesforce's ShowAs has no tentative or working-elsewhere; both are written as Busy there. They
 * are compared as Busy too, so the Busy read back from Salesforce is not taken for an edit that
 * would then overwrite the rep's Tentative in the mailbox.
 */
export function comparableEvent(fields: EventFields): EventFields {
  const n = normaliseEvent(fields);
  if (n.showAs === undefined || n.showAs === 'tentative' || n.showAs === 'workingElsewhere') n.showAs = 'busy';
  // Salesforce holds a series only in the zone of the rep who saves it (Recurrence2PatternTimeZone
  // is read-only): a series zone can never be synced there, so it is no difference either. Both
  // sides' patterns are told in UTC days, so Monday 20:00 in New York and Tuesday 01:00 in
  // London (the same instants) compare equal; a pattern that cannot be told so keeps its days.
  if (n.recurrence !== undefined) n.recurrence = recurrenceInZone(n.recurrence, n.start, 'UTC').recurrence ?? { ...n.recurrence, timeZone: 'UTC' };
  return n;
}

export function eventModel(salt: string): ItemModel<EventFields> {
  return {
    noun: 'events',
    fields: SYNCED_EVENT_FIELDS,
    mailboxFields: SYNCED_EVENT_FIELDS,
    hash: (data) => hashEventFields(comparableEvent(data), salt),
    has: (data, field) => normaliseEvent(data)[field] !== undefined,
    // Recurrence2PatternText can be created but not updated (salesforce-event.ts).
    salesforceCreateOnly: ['recurrence'],
    match: matchEvents,
  };
}

/**
 * Pairs unlinked events by subject (trimmed, case-insensitive) + start + end, a series master only
 * with a master; ambiguity never pairs.
 */
export function matchEvents(sfItems: SideItem<EventFields>[], mbItems: SideItem<EventFields>[]): Map<string, SideItem<EventFields>> {
  return matchByKeys(sfItems, mbItems, [meetingKey]);
}

/** The meeting key as an HMAC, so a hold can be remembered without storing the subject. */
export function meetingKeyHash(fields: EventFields, salt: string): string | undefined {
  const key = meetingKey(fields);
  return key === undefined ? undefined : createHmac('sha256', salt).update(`event-key\u0000${key}`, 'utf8').digest('base64url').slice(0, 22);
}

/**
 * Subject (trimmed, any case) + start + end: what makes two events the same meeting. A master's
 * start and end are its first occurrence's, which a single event can share; the marker keeps the
 * two apart. Singles keep the key they always had, since held events are stored by its hash.
 */
function meetingKey(data: EventFields): string | undefined {
  const n = normaliseEvent(data);
  if (n.start === undefined || n.end === undefined) return undefined;
  const key = `${(n.subject ?? '').toLowerCase()}\u0000${n.start}\u0000${n.end}`;
  return n.recurrence === undefined ? key : `${key}\u0000series`;
}

/**
 * Why an event is out of the sync scope on its side, or undefined when it is in. 'implied': an
 * occurrence (plain or modified) of a series that syncs; its master pairs, and the series step
 * syncs the occurrence itself.
 */
export function scopeExclusion(side: 'salesforce' | 'mailbox', event: MappedEvent, opts: EventScopeOptions): ExclusionReason | 'implied' | undefined {
  if (event.kind !== 'single') {
    if (opts.series !== true) return 'series';
    if (event.kind === 'occurrence' || event.kind === 'exception') return 'implied';
    if (normaliseEvent(event.fields).recurrence === undefined) return 'series';
  }
  if (normaliseEvent(event.fields).isPrivate === true && !opts.privateEvents) return 'private';
  if (side === 'mailbox' && opts.selection === 'selected' && !event.selected) return 'unselected';
  return undefined;
}

/** Whether an event overlaps the window. All-day dates are taken as whole UTC days, a day's slack either way. */
export function inWindow(fields: EventFields, window: { start: string; end: string }): boolean {
  const n = normaliseEvent(fields);
  if (n.start === undefined || n.end === undefined) return false;
  const DAY = 86_400_000;
  const slack = n.isAllDay === true ? DAY : 0;
  const start = Date.parse(n.isAllDay === true ? `${n.start}T00:00:00Z` : n.start) - slack;
  const end = Date.parse(n.isAllDay === true ? `${n.end}T00:00:00Z` : n.end) + slack;
  return start < Date.parse(window.end) && end > Date.parse(window.start);
}

/**
 * The span to read the mailbox over for the untagged twins of `events` (EventPlanInput.mailboxAround):
 * from the earliest start to the latest end, all-day dates widened by a day for the zone, within
 * the sync window. Undefined when there is nothing to look for.
 */
export function twinWindow(events: EventFields[], window: { start: string; end: string }): { start: string; end: string } | undefined {
  const DAY = 86_400_000;
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const fields of events) {
    const n = normaliseEvent(fields);
    if (n.start === undefined || n.end === undefined) continue;
    const allDay = n.isAllDay === true;
    const start = Date.parse(allDay ? `${n.start}T00:00:00Z` : n.start) - (allDay ? DAY : 0);
    const end = Date.parse(allDay ? `${n.end}T00:00:00Z` : n.end) + (allDay ? DAY : 0);
    if (!Number.isFinite(start) || !Number.isFinite(end)) continue;
    from = Math.min(from, start);
    to = Math.max(to, end);
  }
  from = Math.max(from, Date.parse(window.start));
  to = Math.min(to, Date.parse(window.end));
  if (!(from < to)) return undefined;
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  return { start: iso(from), end: iso(to) };
}

/** Mailbox meetings someone else organizes (see EventPlanInput.repEmail). */
function invitedCopies(input: EventPlanInput): Set<string> {
  const rep = input.repEmail?.trim().toLowerCase();
  const out = new Set<string>();
  if (!rep) return out;
  for (const item of [...input.mailbox.items, ...input.mailbox.found]) {
    const organizer = item.data.fields.organizer?.email.trim().toLowerCase();
    if (organizer && organizer !== rep) out.add(item.id);
  }
  for (const link of input.links) if (link.hashes[INVITED_KEY] !== undefined) out.add(link.mbId);
  return out;
}

export function planEvents(input: EventPlanInput): EventPlanResult {
  const excluded: EventPlanResult['excluded'] = { salesforce: {}, mailbox: {} };
  for (const side of ['salesforce', 'mailbox'] as const) {
    const src = input[side];
    // A listing that comes back empty and would take linked events with it looks like a broken
    // listing (wrong mailbox, lost permission), not a rep clearing the calendar. Small calendars
    // are left to the mass-delete rule, so a rep deleting the last few events is not stopped.
    const active = input.links.filter((l) => !l.parked).length;
    if (src.full && src.items.length === 0 && src.deleted.length > 0 && active > MASS_DELETE_MIN) {
      const where = side === 'salesforce' ? 'Salesforce' : 'The mailbox';
      const other = side === 'salesforce' ? 'the mailbox' : 'Salesforce';
      return {
        plan: {
          halted: true,
          reason: side === 'salesforce' ? 'salesforce_empty' : 'mailbox_empty',
          message: `${where} listed no events for user ${input.userId} while ${active} are linked; sync stopped instead of deleting them from ${other}.`,
        },
        excluded,
        held: [],
        invited: new Set(),
      };
    }
  }
  // Every linked event is accounted for (listed, found or deleted), so neither side is "full" for the planner.
  const scope = (side: 'salesforce' | 'mailbox', src: EventSideInput, linkedIds: Set<string>): SideSnapshot<EventFields> => {
    const out: SideSnapshot<EventFields> = { full: false, complete: src.full, items: [], deleted: [...src.deleted], leftScope: [] };
    for (const item of [...src.items, ...src.found]) {
      const linked = linkedIds.has(item.id);
      if (side === 'mailbox' && item.data.cancelled === true) {
        if (linked) out.deleted.push(item.id);
        continue;
      }
      const inView = linked || item.data.kind === 'seriesMaster' || inWindow(item.data.fields, input.window);
      const reason = scopeExclusion(side, item.data, input) ?? (inView ? undefined : 'outside_window');
      if (reason === undefined) {
        const { data, ...rest } = item;
        out.items.push({ ...rest, data: data.fields });
      } else if (linked || createSources[side].has(item.id)) {
        // The source of a create whose outcome is unknown counts as having left the scope too, so its result is not kept in sync.
        out.leftScope!.push(item.id);
      } else if (reason !== 'implied') {
        excluded[side][reason] = (excluded[side][reason] ?? 0) + 1;
      }
    }
    return out;
  };
  const createSources = { salesforce: new Set<string>(), mailbox: new Set<string>() };
  for (const uc of input.unsettledCreates ?? []) createSources[uc.from].add(uc.sourceId);
  const linkedMb = new Set(input.links.map((l) => l.mbId));
  const salesforce = scope('salesforce', input.salesforce, new Set(input.links.map((l) => l.sfId)));
  const mailbox = scope('mailbox', input.mailbox, linkedMb);
  const held: HeldEvent[] = [];
  if (input.selection === 'selected') {
    const keyHash = (fields: EventFields) => meetingKeyHash(fields, input.salt);
    const unselected = [...input.mailbox.items, ...input.mailbox.found, ...(input.mailboxAround ?? [])].filter(
      (i) => !linkedMb.has(i.id) && i.data.cancelled !== true && scopeExclusion('mailbox', i.data, input) === 'unselected',
    );
    const twins = new Set(unselected.map((i) => keyHash(i.data.fields)));
    // A tagged twin in view pairs by itself; an earlier hold only stands for what is out of view.
    const tagged = new Set(mailbox.items.filter((i) => !linkedMb.has(i.id)).map((i) => keyHash(i.data)));
    const before = input.mailbox.full ? new Map<string, string>() : new Map(input.heldBefore.map((h) => [h.sfId, h.keyHash]));
    const linkedSf = new Set(input.links.map((l) => l.sfId));
    salesforce.items = salesforce.items.filter((i) => {
      if (linkedSf.has(i.id)) return true;
      const key = keyHash(i.data);
      if (key === undefined || tagged.has(key) || !(twins.has(key) || before.get(i.id) === key)) return true;
      held.push({ sfId: i.id, keyHash: key });
      return false;
    });
    // Held events not in this pass's Salesforce read stay held.
    const seen = new Set(salesforce.items.map((i) => i.id).concat(held.map((h) => h.sfId)));
    if (!input.salesforce.full) for (const h of input.heldBefore) if (!seen.has(h.sfId) && !input.salesforce.deleted.includes(h.sfId)) held.push(h);
  }
  const invited = invitedCopies(input);
  const plan = planPairs(eventModel(input.salt), {
    userId: input.userId,
    direction: input.direction,
    conflictPolicy: input.conflictPolicy,
    links: input.links,
    salesforce,
    mailbox,
    propagateDeletes: input.propagateDeletes,
    maxDeleteShare: input.maxDeleteShare,
    park: true,
    survivorsRead: true,
    followMailbox: invited,
    ...(input.unsettledCreates ? { unsettledCreates: input.unsettledCreates } : {}),
  });
  return { plan, excluded, held, invited };
}
