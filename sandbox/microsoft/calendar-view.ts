import { parseInstant } from './calendar-time.ts';
import { utcOf, type CalendarState, type CalendarStore, type EventRecord, type Occurrence } from './calendar-store.ts';
import type { InputError } from './contact-schema.ts';

export interface Window {
  from: number;
  to: number;
}

/** Query names are matched case-insensitively: the docs write both startDateTime and startdatetime. */
export function queryParam(query: URLSearchParams, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of query) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/** Verified wording: microsoftgraph/microsoft-graph-docs#57 quotes this answer to a bare /calendarView. */
const MISSING: InputError = {
  status: 400,
  code: 'ErrorInvalidParameter',
  message: 'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
};

export function parseWindow(query: URLSearchParams): Window | { error: InputError } {
  const rawFrom = queryParam(query, 'startDateTime');
  const rawTo = queryParam(query, 'endDateTime');
  if (rawFrom === undefined || rawTo === undefined) return { error: MISSING };
  const from = parseInstant(rawFrom);
  const to = parseInstant(rawTo);
  if (from === undefined || to === undefined) {
    const name = from === undefined ? 'StartDateTime' : 'EndDateTime';
    // UNVERIFIED wording for a malformed window value.
    return { error: { status: 400, code: 'ErrorInvalidParameter', message: `The value '${from === undefined ? rawFrom : rawTo}' of parameter '${name}' is invalid.` } };
  }
  return { from, to };
}

/** calendarView semantics: an item shows when it overlaps the window; a zero-length one when it starts inside. */
export function overlaps(item: EventRecord | Occurrence, w: Window): boolean {
  const s = utcOf(item.start);
  const e = utcOf(item.end);
  return s < w.to && (e > w.from || (s === e && s >= w.from));
}

/** What a calendar view lists: single events, occurrences and exceptions, never masters. */
export function viewItems(store: CalendarStore, cal: CalendarState, w: Window): Array<EventRecord | Occurrence> {
  const out: Array<EventRecord | Occurrence> = [];
  for (const rec of cal.events.values()) {
    if (rec.kind === 'seriesMaster') {
      const duration = Math.max(0, utcOf(rec.end) - utcOf(rec.start));
      for (const i of store.instances(cal, rec, w.from - duration - 1, w.to)) if ('master' in i && overlaps(i, w)) out.push(i);
    } else if (overlaps(rec, w)) {
      out.push(rec);
    }
  }
  return out.sort((a, b) => utcOf(a.start) - utcOf(b.start) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
