/**
 * The attendee mapping: a mailbox event's people ⇄ the Salesforce event's EventRelation rows and
 * WhoId. Pure (no I/O, no clock); the connector looks records up and writes the plan.
 *
 * Salesforce facts it relies on (EventRelation object reference, Shared Activities on):
 * - one EventRelation row per person and event; IsInvitee marks an invitee, IsParent a related
 *   contact or lead (the WhoId and its siblings), IsWhat a related record such as an account;
 *   a contact that is both has one row with both flags;
 * - an event is related to up to 50 contacts or to one lead, never both;
 * - a non-recurring event holds up to 1,000 invitees, a recurring one 100;
 * - private events cannot be related to contacts, leads or records;
 * - Status is New, Accepted, Declined (and Maybe, Uninvited in the org emulator's picklist).
 *
 * Relating follows Lightning Sync: an address is matched to contacts, leads and users; users
 * become invitees; with auto-relate on, the event is related to the matching contacts, or to a
 * lead only when no attendee matches a contact and exactly one lead matches. An address that
 * matches several records of the kind that would be related is reported, never guessed.
 *
 * Removal is deliberately narrow so a relation a rep made in Salesforce is never undone on a
 * guess: a row is removed only when its person's address was an attendee at the last sync (the
 * engine keeps salted keys of those addresses, never the addresses) and is no longer one.
 *
 * Responses belong to the calendar (the invitee answers the organizer's mailbox), so an invitee
 * row's Status follows its attendee's response: none = New, accepted, declined, tentative = Maybe.
 * A row the rep marked Uninvited, and a person with no response read, are left as they are.
 * Salesforce has no required/optional flag on a relation: both kinds become plain invitees.
 */
import { createHmac } from 'node:crypto';
import type { MappingWarning } from './contact.ts';
import type { Attendee, AttendeeResponse } from './event.ts';

export const MAX_RELATED_CONTACTS = 50;
export const MAX_INVITEES = 1000;
export const MAX_SERIES_INVITEES = 100;

/** Key prefixes of the records an attendee can be: Contact, Lead, User. */
const PREFIX = { contact: '003', lead: '00Q', user: '005' } as const;
type PersonKind = keyof typeof PREFIX;

/** Records whose e-mail equals one address (lower-cased), as the connector found them. */
export interface EmailMatches {
  contacts: readonly string[];
  leads: readonly string[];
  users: readonly string[];
}

/** An EventRelation row as the connector reads it, with its person's e-mail where readable. */
export interface EventRelationRow {
  id: string;
  eventId: string;
  relationId: string;
  isInvitee: boolean;
  isParent: boolean;
  isWhat: boolean;
  /** Relation.Type: 'Contact', 'Lead', 'User', 'Account', … */
  type?: string;
  /** Lower-cased; absent when the record has none. */
  email?: string;
  name?: string;
  /** EventRelation.Status as Salesforce spells it. */
  status?: string;
}

/** EventRelation.Status values the mapping writes; Salesforce also has Uninvited, which it never writes. */
export type RelationStatus = 'New' | 'Accepted' | 'Declined' | 'Maybe';

export interface NewRelation {
  relationId: string;
  isInvitee: boolean;
  isParent: boolean;
  /** An invitee's answer; absent leaves Salesforce's default (New). */
  status?: RelationStatus;
}

/** A new Status for an existing invitee row, because the attendee answered otherwise in the mailbox. */
export interface StatusChange {
  id: string;
  status: RelationStatus;
}

export type UnresolvedReason =
  | 'several_contacts'
  | 'several_leads'
  | 'several_users'
  | 'one_lead_per_event'
  | 'lead_already_related'
  | 'contact_limit'
  | 'invitee_limit';

/** A person left unrelated, named by position only: rows about it are stored at rest. */
export interface UnresolvedAttendee {
  /** 0-based index into the attendees given, or the organizer. */
  attendeeIndex: number | 'organizer';
  reason: UnresolvedReason;
  /** Records that matched, or the limit that was reached. */
  count: number;
  /** Names no address, name or id: safe for an ItemErrorRow. */
  message: string;
}

export interface RelationPlanInput {
  /** The mailbox event's attendees (canonical, organizer excluded). */
  attendees: readonly Attendee[];
  organizer?: { email: string };
  /** The rep's own address: the rep owns the event and is never related to it. */
  repEmail: string;
  /** The rep's user id, for the same reason, should a lookup return it under another address. */
  repUserId?: string;
  autoRelate: boolean;
  isPrivate: boolean;
  /** A Lightning event series holds fewer invitees. */
  isSeries?: boolean;
  /** Lookup results by lower-cased address; an address not present matched nothing. */
  matches: ReadonlyMap<string, EmailMatches>;
  /** The Salesforce event's EventRelation rows now. */
  current: readonly EventRelationRow[];
  currentWhoId?: string | null;
  /** attendeeKeys of the people at the last sync (empty for an event never synced). */
  previousAttendeeKeys: ReadonlySet<string>;
  salt: string;
}

export interface RelationPlan {
  /** Absent: leave WhoId as it is. null: clear it. */
  whoId?: string | null;
  insert: NewRelation[];
  /** EventRelation ids to delete. */
  delete: string[];
  /** Invitee rows whose Status no longer matches their attendee's response. */
  statuses: StatusChange[];
  unresolved: UnresolvedAttendee[];
  warnings: MappingWarning[];
  /** Keys of this sync's people, for the engine to keep as the next previousAttendeeKeys. */
  attendeeKeys: string[];
}

/**
 * Salted keys of addresses, so the engine can remember who was an attendee without storing
 * addresses. The 'attendee' domain keeps them apart from field hashes made with the same salt.
 */
export function attendeeKeys(emails: Iterable<string>, salt: string): string[] {
  if (salt.length === 0) throw new TypeError('attendeeKeys needs a non-empty salt');
  const out = new Set<string>();
  for (const e of emails) {
    const address = normaliseEmail(e);
    if (address === undefined) continue;
    out.add(createHmac('sha256', salt).update(`attendee\u0000${address}`, 'utf8').digest('base64url').slice(0, 22));
  }
  return [...out].sort();
}

/**
 * One salted key for the responses the plan writes, so the engine notices an answer changing
 * without storing who answered what; undefined when no attendee has a response to write.
 */
export function responsesKey(attendees: readonly Attendee[], organizer: { email: string } | undefined, repEmail: string, salt: string): string | undefined {
  if (salt.length === 0) throw new TypeError('responsesKey needs a non-empty salt');
  const lines: string[] = [];
  for (const p of relatedPeople(attendees, organizer, repEmail)) {
    const status = p.position === 'organizer' ? undefined : statusOfResponse(attendees[p.position]?.response);
    if (status !== undefined) lines.push(`${p.email}\u0000${status}`);
  }
  if (lines.length === 0) return undefined;
  return createHmac('sha256', salt).update(`responses\u0000${lines.sort().join('\n')}`, 'utf8').digest('base64url').slice(0, 22);
}

function normaliseEmail(value: string | undefined): string | undefined {
  const address = value?.normalize('NFC').trim().toLowerCase();
  return address === undefined || address === '' ? undefined : address;
}

/** Ids compare on their case-sensitive 15-character form, so 15- and 18-character spellings agree. */
const idKey = (id: string): string => id.slice(0, 15);

function kindOf(id: string): PersonKind | undefined {
  for (const [kind, prefix] of Object.entries(PREFIX) as [PersonKind, string][]) if (id.startsWith(prefix)) return kind;
  return undefined;
}

/** Someone on an event, by lower-cased address, and where they stand on it. */
export interface Person {
  email: string;
  position: number | 'organizer';
}

function describePosition(position: number | 'organizer', total: number): string {
  return position === 'organizer' ? 'the organizer' : `attendee ${position + 1} of ${total}`;
}

const NO_MATCHES: EmailMatches = { contacts: [], leads: [], users: [] };

/**
 * The people a plan relates, each once, with where they stand on the event: the attendees that
 * are people and the organizer, without the rep. The engine keys them (attendeeKeys) to tell
 * whether an event's people changed before it looks anything up.
 */
export function relatedPeople(attendees: readonly Attendee[], organizer: { email: string } | undefined, repEmail: string): Person[] {
  const rep = normaliseEmail(repEmail);
  const people: Person[] = [];
  const seen = new Set<string>();
  const add = (raw: string | undefined, position: number | 'organizer'): void => {
    const email = normaliseEmail(raw);
    if (email === undefined || email === rep || seen.has(email)) return;
    seen.add(email);
    people.push({ email, position });
  };
  attendees.forEach((a, i) => {
    // A room or piece of equipment is a Salesforce Calendar, not a person to match.
    if (a.type !== 'resource') add(a.email, i);
  });
  add(organizer?.email, 'organizer');
  return people;
}

export function planRelations(input: RelationPlanInput): RelationPlan {
  const rep = normaliseEmail(input.repEmail);
  const repUser = input.repUserId === undefined ? undefined : idKey(input.repUserId);
  const people = relatedPeople(input.attendees, input.organizer, input.repEmail);
  const seen = new Set(people.map((p) => p.email));
  const total = input.attendees.length;
  const keys = attendeeKeys(people.map((p) => p.email), input.salt);
  const plan: RelationPlan = { insert: [], delete: [], statuses: [], unresolved: [], warnings: [], attendeeKeys: keys };

  if (input.isPrivate) {
    if (people.length > 0) {
      plan.warnings.push({
        field: 'attendees',
        code: 'dropped',
        message: 'Salesforce private events cannot be related to contacts or leads; attendees were not related',
      });
    }
    return plan;
  }

  const unresolved = (p: Person, reason: UnresolvedReason, count: number, what: string): void => {
    plan.unresolved.push({ attendeeIndex: p.position, reason, count, message: `${describePosition(p.position, total)} ${what}` });
  };

  // Removals first: they free room under the limits for this sync's additions.
  const deletedPeople = new Set<string>();
  const kept: EventRelationRow[] = [];
  for (const row of input.current) {
    const email = normaliseEmail(row.email);
    const removable =
      !row.isWhat &&
      kindOf(row.relationId) !== undefined &&
      idKey(row.relationId) !== repUser &&
      email !== undefined &&
      email !== rep &&
      !seen.has(email) &&
      input.previousAttendeeKeys.has(attendeeKeys([email], input.salt)[0] as string);
    if (removable) {
      plan.delete.push(row.id);
      deletedPeople.add(idKey(row.relationId));
    } else {
      kept.push(row);
    }
  }
  const existing = new Map(kept.map((r) => [idKey(r.relationId), r]));
  const whoKept = input.currentWhoId && !deletedPeople.has(idKey(input.currentWhoId)) ? input.currentWhoId : undefined;
  let contactParents = kept.filter((r) => r.isParent && !r.isWhat && kindOf(r.relationId) === 'contact').length;
  const leadRelated =
    kept.some((r) => r.isParent && !r.isWhat && kindOf(r.relationId) === 'lead') || (whoKept !== undefined && kindOf(whoKept) === 'lead');
  const contactRelated = contactParents > 0 || (whoKept !== undefined && kindOf(whoKept) === 'contact');
  let invitees = kept.filter((r) => r.isInvitee).length;
  const inviteeLimit = input.isSeries === true ? MAX_SERIES_INVITEES : MAX_INVITEES;

  // Resolve every person before relating anyone: the lead rule looks at the event as a whole.
  const contactFor = new Map<Person, string>();
  const leadFor = new Map<Person, string>();
  const userFor = new Map<Person, string>();
  let anyContactMatched = false;
  for (const p of people) {
    const m = input.matches.get(p.email) ?? NO_MATCHES;
    const users = [...new Set(m.users.map(idKey))].filter((u) => u !== repUser);
    // The organizer owns their own copy of a meeting; only attendees are invited.
    if (p.position !== 'organizer') {
      if (users.length > 1) unresolved(p, 'several_users', users.length, `matches ${users.length} users; not invited`);
      else if (users.length === 1) userFor.set(p, m.users.find((u) => idKey(u) === users[0]) as string);
    }
    if (!input.autoRelate) continue;
    const contacts = [...new Set(m.contacts)];
    const leads = [...new Set(m.leads)];
    if (contacts.length > 0) anyContactMatched = true;
    if (contacts.length > 1) unresolved(p, 'several_contacts', contacts.length, `matches ${contacts.length} contacts; none was related`);
    else if (contacts.length === 1) contactFor.set(p, contacts[0] as string);
    else if (leads.length > 1) unresolved(p, 'several_leads', leads.length, `matches ${leads.length} leads; none was related`);
    else if (leads.length === 1) leadFor.set(p, leads[0] as string);
  }

  const newParents: string[] = [];
  const statusFor = (p: Person): RelationStatus | undefined =>
    p.position === 'organizer' ? undefined : statusOfResponse(input.attendees[p.position]?.response);
  const restated = new Set<string>();
  const relate = (p: Person, relationId: string, asParent: boolean): void => {
    const row = existing.get(idKey(relationId));
    if (row !== undefined) {
      const status = statusFor(p);
      const answerable = row.id !== '' && row.isInvitee && row.status !== 'Uninvited' && !restated.has(row.id);
      if (answerable && status !== undefined && row.status !== status) {
        restated.add(row.id);
        plan.statuses.push({ id: row.id, status });
      }
      return;
    }
    // The organizer is related as a person of the meeting, not invited to their own meeting.
    const asInvitee = p.position !== 'organizer';
    if (asInvitee && invitees >= inviteeLimit) {
      unresolved(p, 'invitee_limit', inviteeLimit, `not related: the event already has ${inviteeLimit} invitees`);
      return;
    }
    if (asParent && kindOf(relationId) === 'contact') {
      if (contactParents >= MAX_RELATED_CONTACTS) {
        unresolved(p, 'contact_limit', MAX_RELATED_CONTACTS, `not related: the event is already related to ${MAX_RELATED_CONTACTS} contacts`);
        return;
      }
      contactParents++;
    }
    if (asInvitee) invitees++;
    existing.set(idKey(relationId), { id: '', eventId: '', relationId, isInvitee: asInvitee, isParent: asParent, isWhat: false });
    const status = asInvitee ? statusFor(p) : undefined;
    plan.insert.push({ relationId, isInvitee: asInvitee, isParent: asParent, ...(status === undefined ? {} : { status }) });
    if (asParent) newParents.push(relationId);
  };

  const distinctLeads = [...new Set([...leadFor.values()].map(idKey))];
  for (const p of people) {
    const contact = contactFor.get(p);
    if (contact !== undefined) {
      if (leadRelated) unresolved(p, 'lead_already_related', 1, 'matches a contact, but the event is related to a lead; not related');
      else relate(p, contact, true);
    }
    const lead = leadFor.get(p);
    // Leads only count when no attendee matches a contact and the event is related to no contact.
    if (lead !== undefined && !anyContactMatched && !contactRelated) {
      if (distinctLeads.length > 1) {
        unresolved(p, 'one_lead_per_event', distinctLeads.length, `matches a lead, as do other attendees; an event can be related to one lead only`);
      } else if (!leadRelated || existing.has(idKey(lead))) {
        relate(p, lead, true);
      } else {
        unresolved(p, 'lead_already_related', 1, 'matches a lead, but the event is related to another lead; not related');
      }
    }
    const user = userFor.get(p);
    if (user !== undefined) relate(p, user, false);
  }

  const parentsAfter = [
    ...kept.filter((r) => r.isParent && !r.isWhat && (kindOf(r.relationId) === 'contact' || kindOf(r.relationId) === 'lead')).map((r) => r.relationId),
    ...newParents,
  ];
  if (input.currentWhoId) {
    if (whoKept === undefined) plan.whoId = parentsAfter[0] ?? null;
  } else if (parentsAfter.length > 0) {
    plan.whoId = parentsAfter[0] as string;
  }
  return plan;
}

/** One row the attendee step would write, before any lookup: what `syncline map` shows an admin. */
export interface RelationPreview {
  email: string;
  /** 'invitee' for an attendee; the organizer is only related (with auto-relate on), never invited. */
  as: 'invitee' | 'organizer';
  status?: RelationStatus;
}

/**
 * The relations a mailbox event's people would become, and why some would not: rooms are not
 * people, private events relate nobody, optional attendees lose the flag. Which record each
 * address matches (contact, lead, user, several, none) is only known at sync, from the org.
 */
export function previewRelations(
  attendees: readonly Attendee[],
  organizer: { email: string } | undefined,
  opts: { repEmail?: string; isPrivate?: boolean },
): { relations: RelationPreview[]; warnings: MappingWarning[] } {
  const warnings: MappingWarning[] = [];
  const total = attendees.length;
  attendees.forEach((a, i) => {
    if (a.type === 'resource') {
      warnings.push({ field: 'attendees', code: 'dropped', message: `attendee ${i + 1} of ${total} is a room or resource, not a person: it is not related` });
    }
  });
  const people = relatedPeople(attendees, organizer, opts.repEmail ?? '');
  if (opts.isPrivate === true) {
    if (people.length > 0) warnings.push({ field: 'attendees', code: 'dropped', message: 'a private event is related to nobody in Salesforce' });
    return { relations: [], warnings };
  }
  if (attendees.some((a) => a.type === 'optional')) {
    warnings.push({ field: 'attendees', code: 'dropped', message: 'Salesforce has no optional invitees: optional attendees are invited like required ones' });
  }
  const relations = people.map((p): RelationPreview => {
    if (p.position === 'organizer') return { email: p.email, as: 'organizer' };
    const status = statusOfResponse(attendees[p.position]?.response);
    return { email: p.email, as: 'invitee', ...(status === undefined ? {} : { status }) };
  });
  return { relations, warnings };
}

const STATUS_OF_RESPONSE: Readonly<Partial<Record<AttendeeResponse, RelationStatus>>> = {
  none: 'New',
  accepted: 'Accepted',
  declined: 'Declined',
  tentative: 'Maybe',
};

/** The Status an invitee row should hold for a mailbox response; undefined when there is none to write. */
export function statusOfResponse(response: AttendeeResponse | undefined): RelationStatus | undefined {
  return response === undefined ? undefined : STATUS_OF_RESPONSE[response];
}

const RESPONSE_FROM_STATUS: Readonly<Record<string, AttendeeResponse>> = {
  New: 'none',
  Accepted: 'accepted',
  Declined: 'declined',
  // Salesforce has no "tentative"; the emulator's picklist (after the field reference) has Maybe.
  Maybe: 'tentative',
};

/**
 * Salesforce invitees → canonical attendees, for the mailbox. Only people Salesforce holds are
 * here: a mailbox attendee with no contact, lead or user has no Salesforce row, so the engine
 * must merge this list into the mailbox's rather than replace it. Uninvited rows, related-only
 * rows (IsParent without IsInvitee), records and the owner's own row are left out.
 */
export function attendeesFromRelations(
  rows: readonly EventRelationRow[],
  opts: { ownerEmail?: string; ownerId?: string } = {},
): { attendees: Attendee[]; warnings: MappingWarning[] } {
  const owner = normaliseEmail(opts.ownerEmail);
  const ownerId = opts.ownerId === undefined ? undefined : idKey(opts.ownerId);
  const byEmail = new Map<string, Attendee>();
  let withoutEmail = 0;
  for (const row of rows) {
    if (!row.isInvitee || row.isWhat || row.status === 'Uninvited' || idKey(row.relationId) === ownerId) continue;
    const email = normaliseEmail(row.email);
    if (email === undefined) {
      withoutEmail++;
      continue;
    }
    if (email === owner || byEmail.has(email)) continue;
    const attendee: Attendee = { email, type: 'required' };
    const name = row.name?.replace(/\s+/g, ' ').trim();
    if (name) attendee.name = name;
    const response = row.status === undefined ? undefined : RESPONSE_FROM_STATUS[row.status];
    if (response !== undefined) attendee.response = response;
    byEmail.set(email, attendee);
  }
  const warnings: MappingWarning[] =
    withoutEmail === 0
      ? []
      : [{ field: 'attendees', code: 'dropped', message: `${withoutEmail} Salesforce invitee(s) without an e-mail address left out` }];
  const attendees = [...byEmail.values()].sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  return { attendees, warnings };
}
