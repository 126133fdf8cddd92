/**
 * Attendees → Salesforce relations, after an events pass has settled its pairs. Attendees flow
 * from the mailbox to Salesforce only: the mailbox (Exchange, Google) sends invitations and
 * cancellations, never Salesforce, so Salesforce invitees are not written into the rep's calendar
 * (that would invite people from the rep's mailbox behind their back).
 *
 * A pair is looked at when the pass read its mailbox copy and the people on it (or the auto-relate
 * setting) changed since the last time their relations were settled. That is remembered in the
 * link's hashes under RELATED_KEY as salted keys of the addresses, never the addresses.
 */
import { attendeeKeys, planRelations, relatedPeople, responsesKey, type EventRelationRow, type RelationPlan, type StatusChange } from '../core/event-attendees.ts';
import type { EventFields } from '../core/event.ts';
import type { ItemLink } from '../core/sync-types.ts';
import type { EventRelationsPort, RelationInsert, WhoUpdate } from '../ports/event-relations.ts';
import type { WriteResult } from '../ports/items.ts';
import type { SyncUser } from '../ports/salesforce.ts';
import type { ItemErrorRow } from '../ports/state.ts';
import { warningRows } from './item-rows.ts';

/** Not an event field: the planner compares only the model's fields, so this entry just rides along. */
export const RELATED_KEY = '~related';

export interface RelationTarget {
  /** The link as it will be saved; its hashes get RELATED_KEY once the relations are settled. */
  link: ItemLink;
  mailbox: EventFields;
  /** The Salesforce event's WhoId as read in this pass; null for one just created; undefined when not read. */
  whoId: string | null | undefined;
  isSeries: boolean;
}

/**
 * What to remember for a pair: the Salesforce record the relations were settled on, the
 * auto-relate setting, whether the meeting was private (then nobody was related), the people
 * planRelations relates and their responses, as salted keys:
 * '<event id>#auto[-private]:<key>,<key>/<responses key>'. A replaced Salesforce copy, a meeting
 * made public, new people or answers all make it differ, and the pair is settled again.
 */
export function relatedMarker(sfId: string, fields: EventFields, autoRelate: boolean, salt: string, repEmail: string): string {
  const attendees = fields.attendees ?? [];
  const people = relatedPeople(attendees, fields.organizer, repEmail);
  const responses = responsesKey(attendees, fields.organizer, repEmail, salt);
  const mode = `${autoRelate ? 'auto' : 'invitees'}${fields.isPrivate === true ? '-private' : ''}`;
  return `${sfId.slice(0, 15)}#${mode}:${attendeeKeys(people.map((p) => p.email), salt).join(',')}${responses === undefined ? '' : `/${responses}`}`;
}

/**
 * Pairs whose relations need settling in this pass: those whose marker differs, and those with a
 * problem on record about their people (an ambiguous address the rep may since have cleaned up in
 * Salesforce), each only when the pass read its mailbox copy.
 */
export function relationTargets(
  links: ItemLink[],
  mailboxSeen: ReadonlyMap<string, EventFields>,
  whoIds: ReadonlyMap<string, string | null>,
  created: ReadonlySet<string>,
  autoRelate: boolean,
  salt: string,
  repEmail: string,
  isSeries: (fields: EventFields) => boolean,
  recheck: ReadonlySet<string> = new Set(),
): RelationTarget[] {
  const out: RelationTarget[] = [];
  for (const link of links) {
    if (link.parked) continue;
    const fields = mailboxSeen.get(link.mbId);
    if (!fields) continue;
    if (link.hashes[RELATED_KEY] === relatedMarker(link.sfId, fields, autoRelate, salt, repEmail) && !recheck.has(link.sfId)) continue;
    const whoId = created.has(link.sfId) ? null : whoIds.get(link.sfId);
    out.push({ link, mailbox: fields, whoId, isSeries: isSeries(fields) });
  }
  return out;
}

/**
 * Looks people up once for all targets, plans each event, applies the plans (delete, insert,
 * WhoId) and marks the links whose relations are now settled. An event whose WhoId was not read
 * is left for a pass that reads it: setting it on a guess could replace the rep's own choice.
 */
export async function settleRelations(
  port: EventRelationsPort,
  user: SyncUser,
  salt: string,
  targets: RelationTarget[],
  now: string,
): Promise<ItemErrorRow[]> {
  const errors: ItemErrorRow[] = [];
  const ready = targets.filter((t) => t.whoId !== undefined);
  if (ready.length === 0) return errors;
  const autoRelate = user.configuration.events.autoRelate;
  const emails = new Set<string>();
  for (const t of ready) {
    for (const a of t.mailbox.attendees ?? []) emails.add(a.email.toLowerCase());
    if (t.mailbox.organizer) emails.add(t.mailbox.organizer.email.toLowerCase());
  }
  const matches = emails.size > 0 ? await port.lookupByEmail(user.userId, [...emails]) : new Map();
  const rows = await port.listRelations(ready.map((t) => t.link.sfId));
  const rowsOf = new Map<string, EventRelationRow[]>();
  for (const r of rows) rowsOf.set(r.eventId, [...(rowsOf.get(r.eventId) ?? []), r]);

  const plans = new Map<RelationTarget, RelationPlan>();
  for (const t of ready) {
    const plan = planRelations({
      attendees: t.mailbox.attendees ?? [],
      ...(t.mailbox.organizer ? { organizer: t.mailbox.organizer } : {}),
      repEmail: user.email,
      repUserId: user.userId,
      autoRelate,
      isPrivate: t.mailbox.isPrivate === true,
      isSeries: t.isSeries,
      matches,
      current: rowsOf.get(t.link.sfId) ?? [],
      currentWhoId: t.whoId,
      previousAttendeeKeys: new Set(previousKeys(t.link.hashes[RELATED_KEY], t.link.sfId)),
      salt,
    });
    plans.set(t, plan);
    const id = t.link.sfId;
    errors.push(...warningRows(user.userId, 'salesforce', id, plan.warnings, now));
    for (const u of plan.unresolved) {
      errors.push({ userId: user.userId, side: 'salesforce', itemId: id, code: 'unresolved', message: `event ${id}: ${u.message}`, fields: ['attendees'], at: now });
    }
  }

  const failed = new Set<RelationTarget>();
  const apply = async <T>(label: string, items: Array<{ t: RelationTarget; item: T }>, run: (items: T[]) => Promise<WriteResult[]>) => {
    if (items.length === 0) return;
    let results: WriteResult[];
    try {
      results = await run(items.map((i) => i.item));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      results = items.map(() => ({ ok: false, error: { code: 'request_failed', message, retryable: true } }));
    }
    items.forEach(({ t }, i) => {
      const r = results[i];
      if (r?.ok) return;
      failed.add(t);
      const error = r && !r.ok ? r.error : { code: 'no_result', message: 'no result for this item', fields: [] as string[] };
      errors.push({ userId: user.userId, side: 'salesforce', itemId: t.link.sfId, code: error.code, message: `event ${t.link.sfId}: ${label}: ${error.message}`, fields: ['attendees'], at: now });
    });
  };
  const each = <T>(pick: (p: RelationPlan, t: RelationTarget) => T[]) => [...plans].flatMap(([t, p]) => pick(p, t).map((item) => ({ t, item })));
  await apply('removing a relation', each((p) => p.delete), (ids) => port.deleteRelations(user.userId, ids));
  await apply('adding a relation', each<RelationInsert>((p, t) => p.insert.map((r) => ({ ...r, eventId: t.link.sfId }))), (items) => port.insertRelations(user.userId, items));
  await apply('setting the related person', each<WhoUpdate>((p, t) => (p.whoId === undefined ? [] : [{ eventId: t.link.sfId, whoId: p.whoId }])), (items) => port.setWho(user.userId, items));
  await apply('recording a response', each<StatusChange>((p) => p.statuses), (items) => port.setStatuses(user.userId, items));

  for (const t of plans.keys()) {
    // A failure leaves the marker as it was, so the next pass that reads this event tries again.
    if (failed.has(t)) continue;
    t.link.hashes[RELATED_KEY] = relatedMarker(t.link.sfId, t.mailbox, autoRelate, salt, user.email);
  }
  return errors;
}

/** The people at the last settle, only if it was on this record: a new copy has none of the old one's rows. */
function previousKeys(marker: string | undefined, sfId: string): string[] {
  if (!marker) return [];
  const head = marker.slice(0, marker.indexOf(':'));
  // A marker stored before it named its record ('auto:…') was settled on the link's record of the time.
  if (head.includes('#') && !head.startsWith(`${sfId.slice(0, 15)}#`)) return [];
  // Keys are base64url, so '/' only ever starts the responses key.
  const keys = marker.slice(marker.indexOf(':') + 1).split('/')[0] ?? '';
  return keys === '' ? [] : keys.split(',');
}
