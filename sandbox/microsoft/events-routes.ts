import type { EventRecord, Occurrence } from './calendar-store.ts';
import {
  calendarOf,
  calendarView,
  createEventRoute,
  deleteEventRoute,
  getCalendar,
  getEventRoute,
  listCalendars,
  listEvents,
  listInstances,
  updateEventRoute,
} from './events-api.ts';
import { handleEventsDelta } from './events-delta.ts';
import { Errors, graphError, type GraphResult } from './graph-errors.ts';
import type { GraphRequest, Target } from './graph-context.ts';
import { isWellFormedItemId } from './ids.ts';

export interface CalendarRoute {
  access: 'read' | 'write';
  run: (t: Target) => GraphResult;
}

const DELTA = new Set(['delta', 'delta()', 'microsoft.graph.delta', 'microsoft.graph.delta()']);

/**
 * The calendar surface under /users/{u}: /events, /calendarView, /calendar/… and
 * /calendars/{default id}/…. Returns undefined for paths that are not calendar paths.
 */
export function matchCalendarRoute(req: GraphRequest, rest: string[]): CalendarRoute | GraphResult | undefined {
  const head = rest[0]?.toLowerCase();
  if (head === 'calendar') {
    if (rest.length === 1) return req.method === 'GET' ? { access: 'read', run: getCalendar } : Errors.methodNotAllowed(req.ctx);
    return inCalendar(req, rest.slice(1));
  }
  if (head === 'calendars') {
    if (rest.length === 1) return req.method === 'GET' ? { access: 'read', run: listCalendars } : Errors.methodNotAllowed(req.ctx);
    const id = rest[1] ?? '';
    if (!isWellFormedItemId(id)) return graphError(req.ctx, 400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
    const inner = rest.length === 2 ? (req.method === 'GET' ? { access: 'read' as const, run: getCalendar } : Errors.methodNotAllowed(req.ctx)) : inCalendar(req, rest.slice(2));
    if ('status' in inner) return inner;
    // Only the default calendar exists; checked at run time like items, since ids are per mailbox.
    return { access: inner.access, run: (t) => (calendarOf(t).id === id ? inner.run(t) : Errors.itemNotFound(t.req.ctx)) };
  }
  if (head === 'events' || head === 'calendarview') return inCalendar(req, rest);
  return undefined;
}

function inCalendar(req: GraphRequest, rest: string[]): CalendarRoute | GraphResult {
  const m = req.method;
  const not = () => Errors.methodNotAllowed(req.ctx);
  const head = rest[0]?.toLowerCase();
  if (head === 'calendarview') {
    if (rest.length === 1) return m === 'GET' ? { access: 'read', run: calendarView } : not();
    if (rest.length === 2 && DELTA.has(rest[1]?.toLowerCase() ?? '')) return m === 'GET' ? { access: 'read', run: handleEventsDelta } : not();
    return Errors.segmentNotFound(req.ctx, rest[1] ?? '');
  }
  if (head !== 'events') return Errors.segmentNotFound(req.ctx, rest[0] ?? '');
  if (rest.length === 1) {
    if (m === 'GET') return { access: 'read', run: listEvents };
    if (m === 'POST') return { access: 'write', run: createEventRoute };
    return not();
  }
  const id = rest[1] ?? '';
  if (!isWellFormedItemId(id)) return graphError(req.ctx, 400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
  // Looked up when the request runs, not when it is routed: a $batch may create or delete it first.
  const withEvent = (fn: (t: Target, item: EventRecord | Occurrence) => GraphResult) => (t: Target) => {
    const item = t.svc.store.calendars.find(calendarOf(t), id);
    return item ? fn(t, item) : Errors.itemNotFound(t.req.ctx);
  };
  if (rest.length === 2) {
    if (m === 'GET') return { access: 'read', run: withEvent(getEventRoute) };
    if (m === 'PATCH') return { access: 'write', run: withEvent(updateEventRoute) };
    if (m === 'DELETE') return { access: 'write', run: withEvent(deleteEventRoute) };
    return not();
  }
  if (rest.length === 3 && rest[2]?.toLowerCase() === 'instances') return m === 'GET' ? { access: 'read', run: withEvent(listInstances) } : not();
  return Errors.segmentNotFound(req.ctx, rest[2] ?? '');
}
