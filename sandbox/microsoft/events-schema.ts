import { resolveZone, parseWall } from './calendar-time.ts';
import type { ExtendedProperty, InputError } from './contact-schema.ts';
import { isRecord } from './is-record.ts';
import { parseRecurrence, type Recurrence } from './events-recurrence.ts';

/**
 * The Graph v1.0 event resource as a request body: which properties a client may write and how
 * each is checked. Cross-property rules (all-day at midnight, end after start) need the merged
 * event and live in events-ops.ts.
 */
export interface EventTime {
  /** Local date and time in `zone`, as UTC-clock milliseconds (see calendar-time.ts). */
  wall: number;
  zone: string;
  iana: string;
}

export type EventProps = Record<string, unknown>;

export interface ParsedEvent {
  props: EventProps;
  start?: EventTime;
  end?: EventTime;
  /** undefined: not in the body; null: cleared. */
  recurrence?: Recurrence | null;
  extended: ExtendedProperty[];
  transactionId?: string;
}

type Kind = 'string' | 'boolean' | 'int' | 'strings' | 'body' | 'location' | 'attendees' | `enum:${string}`;

const WRITABLE: Record<string, Kind> = {
  subject: 'string',
  body: 'body',
  isAllDay: 'boolean',
  location: 'location',
  showAs: 'enum:free|tentative|busy|oof|workingElsewhere|unknown',
  sensitivity: 'enum:normal|personal|private|confidential',
  importance: 'enum:low|normal|high',
  isReminderOn: 'boolean',
  reminderMinutesBeforeStart: 'int',
  responseRequested: 'boolean',
  allowNewTimeProposals: 'boolean',
  hideAttendees: 'boolean',
  isOnlineMeeting: 'boolean',
  attendees: 'attendees',
  categories: 'strings',
};

/** Server-owned; accepted in a body and ignored, as Graph does when a client echoes a GET. */
const READ_ONLY = new Set([
  'id', 'changeKey', 'createdDateTime', 'lastModifiedDateTime', 'iCalUId', 'type', 'seriesMasterId', 'organizer',
  'bodyPreview', 'originalStartTimeZone', 'originalEndTimeZone', 'originalStart', 'isCancelled', 'isOrganizer',
  'webLink', 'responseStatus', 'hasAttachments', 'onlineMeeting', 'onlineMeetingUrl', 'onlineMeetingProvider',
  'isDraft', 'locations', 'uid',
]);

const EVENT_TYPE = 'Microsoft.OutlookServices.Event';

export const EVENT_PROPERTIES = [
  'id', 'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'categories', 'transactionId', 'originalStartTimeZone',
  'originalEndTimeZone', 'iCalUId', 'reminderMinutesBeforeStart', 'isReminderOn', 'hasAttachments', 'subject', 'bodyPreview',
  'importance', 'sensitivity', 'isAllDay', 'isCancelled', 'isOrganizer', 'responseRequested', 'seriesMasterId', 'showAs', 'type',
  'webLink', 'onlineMeetingUrl', 'isOnlineMeeting', 'allowNewTimeProposals', 'hideAttendees', 'responseStatus', 'body', 'start',
  'end', 'originalStart', 'location', 'recurrence', 'attendees', 'organizer',
];

const badRequest = (code: string, message: string): InputError => ({ status: 400, code, message });
const typeError = (prop: string, type: string) =>
  badRequest('RequestBodyRead', `Cannot convert the literal value of property '${prop}' to the expected type '${type}'.`);
const unknownProperty = (prop: string, type: string) =>
  badRequest(
    'RequestBodyRead',
    `The property '${prop}' does not exist on type '${type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
  );
export const zoneNotSupported = (name: string) =>
  badRequest('TimeZoneNotSupportedException', `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${name}'.`);

/** attendeeResponses: let a body set attendees' status (test hooks only; Graph ignores it on writes). */
export function parseEventInput(body: unknown, attendeeResponses = false): { ok: true; value: ParsedEvent } | { ok: false; error: InputError } {
  if (!isRecord(body)) return { ok: false, error: badRequest('BadRequest', 'Empty Payload. JSON content expected.') };
  const out: ParsedEvent = { props: {}, extended: [] };
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith('@odata.') || READ_ONLY.has(key)) continue;
    const fail = (error: InputError) => ({ ok: false as const, error });
    if (key === 'start' || key === 'end') {
      const t = parseTime(key, value);
      if ('error' in t) return fail(t.error);
      out[key] = t.value;
    } else if (key === 'recurrence') {
      const r = parseRecurrence(value);
      if ('error' in r) return fail(r.error);
      out.recurrence = r.value;
    } else if (key === 'transactionId') {
      if (value !== null && typeof value !== 'string') return fail(typeError(key, 'Edm.String'));
      if (typeof value === 'string') out.transactionId = value;
    } else if (key === 'singleValueExtendedProperties') {
      const e = parseExtended(value);
      if ('error' in e) return fail(e.error);
      out.extended = e.list;
    } else {
      const kind = WRITABLE[key];
      if (!kind) return fail(unknownProperty(key, EVENT_TYPE));
      const v = kind === 'attendees' ? parseAttendees(value, attendeeResponses) : parseValue(key, kind, value);
      if ('error' in v) return fail(v.error);
      out.props[key] = v.value;
    }
  }
  return { ok: true, value: out };
}

function parseTime(key: string, value: unknown): { value: EventTime } | { error: InputError } {
  if (!isRecord(value) || typeof value.dateTime !== 'string') return { error: typeError(key, 'Microsoft.OutlookServices.DateTimeTimeZone') };
  const zoneName = typeof value.timeZone === 'string' ? value.timeZone : 'UTC';
  const zone = resolveZone(zoneName);
  if (!zone) return { error: zoneNotSupported(zoneName) };
  const wall = parseWall(value.dateTime, zone);
  if (wall === undefined) return { error: typeError('DateTime', 'Edm.DateTime') };
  return { value: { wall, zone: zone.name, iana: zone.iana } };
}

function parseValue(key: string, kind: Kind, value: unknown): { value: unknown } | { error: InputError } {
  if (value === null) return { value: null };
  if (kind.startsWith('enum:')) {
    const allowed = kind.slice(5).split('|');
    const hit = typeof value === 'string' ? allowed.find((a) => a.toLowerCase() === value.toLowerCase()) : undefined;
    return hit ? { value: hit } : { error: typeError(key, `microsoft.graph.${key}`) };
  }
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? { value } : { error: typeError(key, 'Edm.String') };
    case 'boolean':
      return typeof value === 'boolean' ? { value } : { error: typeError(key, 'Edm.Boolean') };
    case 'int':
      return Number.isInteger(value) ? { value } : { error: typeError(key, 'Edm.Int32') };
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? { value: [...value] } : { error: typeError(key, 'Collection(Edm.String)') };
    case 'body': {
      if (!isRecord(value)) return { error: typeError(key, 'Microsoft.OutlookServices.ItemBody') };
      const contentType = typeof value.contentType === 'string' && value.contentType.toLowerCase() === 'html' ? 'html' : 'text';
      return { value: { contentType, content: typeof value.content === 'string' ? value.content : '' } };
    }
    case 'location': {
      if (!isRecord(value)) return { error: typeError(key, 'Microsoft.OutlookServices.Location') };
      return { value: { ...value, displayName: typeof value.displayName === 'string' ? value.displayName : '' } };
    }
    case 'attendees':
      return parseAttendees(value, false);
  }
  return { error: typeError(key, 'Edm.String') };
}

function parseAttendees(value: unknown, withResponses: boolean): { value: unknown } | { error: InputError } {
  if (!Array.isArray(value)) return { error: typeError('attendees', 'Collection(Microsoft.OutlookServices.Attendee)') };
  const list: Array<Record<string, unknown>> = [];
  for (const a of value) {
    if (!isRecord(a) || !isRecord(a.emailAddress) || typeof a.emailAddress.address !== 'string') {
      return { error: typeError('attendees', 'Microsoft.OutlookServices.Attendee') };
    }
    const type = typeof a.type === 'string' && ['required', 'optional', 'resource'].includes(a.type) ? a.type : 'required';
    const name = typeof a.emailAddress.name === 'string' ? a.emailAddress.name : a.emailAddress.address;
    // Responses are the attendees' to give; only the test hooks pass a status through.
    const status = withResponses && isRecord(a.status) && typeof a.status.response === 'string' ? { response: a.status.response, time: String(a.status.time ?? '0001-01-01T00:00:00Z') } : undefined;
    list.push({ type, emailAddress: { name, address: a.emailAddress.address }, ...(status ? { status } : {}) });
  }
  return { value: list };
}

function parseExtended(value: unknown): { list: ExtendedProperty[] } | { error: InputError } {
  if (!Array.isArray(value)) return { error: typeError('singleValueExtendedProperties', 'Collection(microsoft.graph.singleValueLegacyExtendedProperty)') };
  const list: ExtendedProperty[] = [];
  for (const item of value) {
    if (!isRecord(item) || typeof item.id !== 'string' || typeof item.value !== 'string') {
      return { error: badRequest('ErrorInvalidProperty', 'The extended property is missing its id or value.') };
    }
    list.push({ id: item.id, value: item.value });
  }
  return { list };
}
