import { formatWall, utcToWall, type Zone } from './calendar-time.ts';
import { utcOf, type EventRecord, type Occurrence } from './calendar-store.ts';
import { bodyPreview, renderBody, type BodyType, type StoredBody } from './events-body.ts';
import type { EventTime } from './events-schema.ts';

export interface EventRenderOptions {
  /** Prefer: outlook.timezone, UTC otherwise. */
  zone: Zone;
  /** Prefer: outlook.body-content-type, HTML otherwise. */
  bodyType?: BodyType;
  /** The mailbox owner: organizer of everything in the calendar. */
  owner: { name: string; address: string };
  select?: string[];
  expandExtended?: string[];
  withType?: boolean;
}

const NO_TIME = '0001-01-01T00:00:00Z';
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
export const eventEtag = (changeKey: string): string => `W/"${changeKey}"`;

/**
 * Timed events are converted to the requested zone. All-day events are floating dates: Outlook
 * returns their midnights unchanged whatever zone is asked for (learn.microsoft.com Q&A 1382503).
 */
function renderTime(t: EventTime, isAllDay: boolean, zone: Zone): { dateTime: string; timeZone: string } {
  const wall = isAllDay ? t.wall : utcToWall(utcOf(t), zone.iana);
  return { dateTime: formatWall(wall), timeZone: zone.name };
}

/** The occurrence stub calendarView/delta sends instead of the full instance (api-notes B.3). */
export function renderStub(occ: Occurrence, zone: Zone): Record<string, unknown> {
  const allDay = occ.master.props.isAllDay === true;
  return {
    '@odata.type': '#microsoft.graph.event',
    '@odata.etag': eventEtag(occ.master.changeKey),
    id: occ.id,
    seriesMasterId: occ.master.id,
    type: 'occurrence',
    start: renderTime(occ.start, allDay, zone),
    end: renderTime(occ.end, allDay, zone),
  };
}

/** A full event (stored or generated) as Graph returns it, in Graph's property order. */
export function renderEvent(item: EventRecord | Occurrence, opts: EventRenderOptions): Record<string, unknown> {
  const occ = 'master' in item ? item : undefined;
  const rec = occ ? occ.master : (item as EventRecord);
  const p = rec.props;
  const body = p.body as StoredBody | undefined; // stored by events-schema.ts in this shape
  const type = occ ? 'occurrence' : rec.kind;
  const allDay = p.isAllDay === true;
  const location = { displayName: '', locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {}, ...(p.location as object | undefined) };
  const originalStart = occ ? occ.originalStart : rec.originalStart;
  const out: Record<string, unknown> = {};
  if (opts.withType) out['@odata.type'] = '#microsoft.graph.event';
  out['@odata.etag'] = eventEtag(rec.changeKey);
  out.id = item.id;
  const all: Record<string, () => unknown> = {
    createdDateTime: () => iso(rec.created),
    lastModifiedDateTime: () => iso(rec.modified),
    changeKey: () => rec.changeKey,
    categories: () => [...((p.categories as string[] | undefined) ?? [])],
    // Only returned when the creating app set it (event resource docs).
    ...(rec.transactionId !== undefined && !occ ? { transactionId: () => rec.transactionId } : {}),
    originalStartTimeZone: () => item.start.zone,
    originalEndTimeZone: () => item.end.zone,
    iCalUId: () => (occ ? `${rec.iCalUId.slice(0, -16)}${originalStart?.toString(16).toUpperCase().padStart(16, '0')}` : rec.iCalUId),
    reminderMinutesBeforeStart: () => p.reminderMinutesBeforeStart ?? 15,
    isReminderOn: () => p.isReminderOn ?? true,
    hasAttachments: () => false,
    subject: () => p.subject ?? '',
    bodyPreview: () => bodyPreview(body),
    importance: () => p.importance ?? 'normal',
    sensitivity: () => p.sensitivity ?? 'normal',
    isAllDay: () => allDay,
    isCancelled: () => false,
    isOrganizer: () => true,
    responseRequested: () => p.responseRequested ?? true,
    seriesMasterId: () => (occ ? rec.id : (rec.seriesMasterId ?? null)),
    showAs: () => p.showAs ?? 'busy',
    type: () => type,
    webLink: () => `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(item.id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: () => null,
    isOnlineMeeting: () => p.isOnlineMeeting ?? false,
    onlineMeetingProvider: () => 'unknown',
    allowNewTimeProposals: () => p.allowNewTimeProposals ?? true,
    isDraft: () => false,
    hideAttendees: () => p.hideAttendees ?? false,
    responseStatus: () => ({ response: 'organizer', time: NO_TIME }),
    body: () => renderBody(body, opts.bodyType ?? 'html'),
    start: () => renderTime(item.start, allDay, opts.zone),
    end: () => renderTime(item.end, allDay, opts.zone),
    ...(originalStart !== undefined ? { originalStart: () => iso(originalStart) } : {}),
    location: () => location,
    locations: () => (location.displayName ? [location] : []),
    recurrence: () => (type === 'seriesMaster' && rec.recurrence ? structuredClone(rec.recurrence) : null),
    attendees: () =>
      ((p.attendees as Array<Record<string, unknown>> | undefined) ?? []).map((a) => ({ status: { response: 'none', time: NO_TIME }, ...a })),
    organizer: () => ({ emailAddress: { ...opts.owner } }),
    onlineMeeting: () => null,
  };
  const wanted = opts.select ?? Object.keys(all);
  for (const key of wanted) {
    const get = all[key];
    if (get) out[key] = get();
  }
  if (opts.expandExtended) {
    const ids = opts.expandExtended.map((i) => i.toLowerCase());
    out.singleValueExtendedProperties = [...rec.extended.values()].filter((e) => ids.includes(e.id.toLowerCase())).map((e) => ({ id: e.id, value: e.value }));
  }
  return out;
}
