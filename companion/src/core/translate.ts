/**
 * One item from one system's shape to another's, through the canonical model — what
 * `syncline map` prints so an admin can see why something looks different on the other side.
 */
import type { ContactFields, MappingWarning } from './contact.ts';
import { fromSalesforceContact, toSalesforceContact, type SalesforceContactRecord } from './salesforce-contact.ts';
import { fromGraphContact, toGraphContact, GRAPH_CONTACT_FIELDS, type GraphContact } from './graph-contact.ts';
import { normaliseContact } from './normalise.ts';
import type { EventFields, MappedEvent } from './event.ts';
import { fromGraphEvent, toGraphEvent, type GraphEvent } from './graph-event.ts';
import { fromSalesforceEvent, toSalesforceEvent, SALESFORCE_EVENT_FIELDS, type SalesforceEventRecord } from './salesforce-event.ts';
import { normaliseEvent } from './event-normalise.ts';
import { previewRelations, type RelationPreview } from './event-attendees.ts';

export type ItemKind = 'salesforce:contact' | 'graph:contact' | 'salesforce:event' | 'graph:event';
export const ITEM_KINDS: readonly ItemKind[] = ['salesforce:contact', 'graph:contact', 'salesforce:event', 'graph:event'];

/** What an event mapping needs to know about the rep and the configuration. */
export interface TranslateOptions {
  /** IANA zone of the rep (Salesforce User.TimeZoneSidKey); default UTC. */
  timeZone?: string;
  /** Outlook category marking selected events; default 'Salesforce'. */
  category?: string;
  selection?: 'all' | 'selected';
}

export interface Translation {
  /** The record as the target system would be sent it. */
  record: Record<string, unknown>;
  /** The canonical fields in between, normalised: what Syncline compares and hashes. */
  canonical: Record<string, unknown>;
  warnings: Array<MappingWarning & { stage: 'read' | 'write' }>;
  /** Events: where the item sits in a series and whether the rep's selection includes it. */
  event?: Omit<MappedEvent, 'fields'>;
  /** Events: problems that stop the write altogether (nothing is half-written). */
  errors?: MappingWarning[];
  /**
   * Mailbox event → Salesforce: the EventRelation rows its people would become, each once its
   * address matches a contact, lead or user at sync (see the README's Attendees section).
   */
  relations?: RelationPreview[];
}

export class TranslateError extends Error {}

export function isItemKind(s: string): s is ItemKind {
  return (ITEM_KINDS as readonly string[]).includes(s);
}

export function translate(from: ItemKind, to: ItemKind, input: unknown, opts: TranslateOptions = {}): Translation {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new TranslateError(`input must be one ${from} as a JSON object`);
  }
  const [fromSystem, fromType] = from.split(':');
  const [toSystem, toType] = to.split(':');
  if (fromType !== toType) throw new TranslateError(`cannot map a ${fromType} to a ${toType}`);
  if (fromSystem === toSystem) throw new TranslateError(`--from and --to are both ${from}: nothing to map`);
  if (fromType === 'event') return translateEvent(from, input, opts);

  const read = from === 'salesforce:contact' ? fromSalesforceContact(input as SalesforceContactRecord) : fromGraphContact(input as GraphContact);
  const canonical = normaliseContact(read.fields);
  const warnings: Translation['warnings'] = read.warnings.map((w) => ({ ...w, stage: 'read' as const }));
  let record: Record<string, unknown>;
  if (to === 'salesforce:contact') {
    const out = toSalesforceContact(present(canonical, Object.keys(canonical) as Array<keyof ContactFields>));
    record = { ...out.record };
    if (out.accountName !== undefined) record['Account'] = { Name: out.accountName };
    warnings.push(...out.warnings.map((w) => ({ ...w, stage: 'write' as const })));
  } else {
    const fields = Object.keys(canonical) as Array<keyof ContactFields>;
    for (const f of fields) {
      if (!GRAPH_CONTACT_FIELDS.includes(f)) {
        warnings.push({ field: f, code: 'dropped', message: `Microsoft 365 contacts have no place for ${f}; it stays in Salesforce only`, stage: 'write' });
      }
    }
    const out = toGraphContact(present(canonical, fields.filter((f) => GRAPH_CONTACT_FIELDS.includes(f))));
    record = { ...out.body };
    warnings.push(...out.warnings.map((w) => ({ ...w, stage: 'write' as const })));
  }
  return { record, canonical: { ...canonical }, warnings };
}

function present(fields: ContactFields, keys: Array<keyof ContactFields>): Partial<ContactFields> {
  const out: Partial<ContactFields> = {};
  for (const k of keys) (out as Record<string, unknown>)[k] = fields[k];
  return out;
}

function translateEvent(from: ItemKind, input: object, opts: TranslateOptions): Translation {
  const timeZone = opts.timeZone ?? 'UTC';
  const graphOpts = { category: opts.category ?? 'Salesforce', selection: opts.selection ?? 'all', defaultTimeZone: timeZone } as const;
  const read = from === 'salesforce:event' ? fromSalesforceEvent(input as SalesforceEventRecord, { userTimeZone: timeZone }) : fromGraphEvent(input as GraphEvent, graphOpts);
  const { fields, ...event } = read.event;
  const canonical = normaliseEvent(fields);
  const warnings: Translation['warnings'] = read.warnings.map((w) => ({ ...w, stage: 'read' as const }));
  const keys = Object.keys(canonical) as Array<keyof EventFields>;
  const set: Partial<EventFields> = {};
  for (const k of keys) (set as Record<string, unknown>)[k] = canonical[k];
  if (from === 'graph:event') {
    for (const k of keys) {
      // People are written as EventRelation rows, shown under `relations`.
      if (k !== 'timeZone' && k !== 'attendees' && k !== 'organizer' && !SALESFORCE_EVENT_FIELDS.includes(k)) {
        warnings.push({ field: k, code: 'dropped', message: `${k} is not a field of the Event record`, stage: 'write' });
      }
    }
    // isOrganizer says the organizer is the mailbox's owner, the rep, who is never related to their own event.
    // The fields as read, not the canonical ones: positions follow the attendee list as Outlook shows it, as in the rep's status.
    const repEmail = (input as GraphEvent).isOrganizer === true ? fields.organizer?.email : undefined;
    const people = previewRelations(fields.attendees ?? [], fields.organizer, { ...(repEmail ? { repEmail } : {}), isPrivate: canonical.isPrivate === true });
    warnings.push(...people.warnings.map((w) => ({ ...w, stage: 'write' as const })));
    const out = toSalesforceEvent(set, { userTimeZone: timeZone });
    warnings.push(...out.warnings.map((w) => ({ ...w, stage: 'write' as const })));
    return { record: out.record, canonical: { ...canonical }, warnings, event, errors: out.errors, relations: people.relations };
  }
  const out = toGraphEvent(set, { ...graphOpts, create: true });
  warnings.push(...out.warnings.map((w) => ({ ...w, stage: 'write' as const })));
  return { record: { ...out.body }, canonical: { ...canonical }, warnings, event, errors: [] };
}
