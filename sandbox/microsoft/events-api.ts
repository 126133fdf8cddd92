import { preferredBodyType, preferredZone, withApplied } from './calendar-prefer.ts';
import type { CalendarState, EventRecord, Occurrence } from './calendar-store.ts';
import { parseWindow, viewItems } from './calendar-view.ts';
import { eventEtag, renderEvent, type EventRenderOptions } from './events-json.ts';
import { matchesEvent, parseEventFilter } from './events-filter.ts';
import { createEvent, updateEvent } from './events-ops.ts';
import { EVENT_PROPERTIES } from './events-schema.ts';
import { graphError, type GraphResult } from './graph-errors.ts';
import { fromInputError, metadataUrl, noContent, ok, type Target } from './graph-context.ts';
import { parseExtendedExpand, parseNonNegativeInt, parseSelect } from './odata.ts';

const EVENT_TYPE = 'microsoft.graph.event';
const MAX_TOP = 1000;

export const calendarOf = (t: Target): CalendarState => t.svc.store.calendars.of(t.mailbox.id);

/** Zone preference, $select and $expand, or the error to answer with. */
export function renderSetup(t: Target, withQuery = true): { opts: EventRenderOptions; applied?: string } | GraphResult {
  const pref = preferredZone(t.req.headers);
  if ('error' in pref) return fromInputError(t.req.ctx, pref.error);
  const owner = { name: t.mailbox.displayName, address: t.mailbox.userPrincipalName };
  const body = preferredBodyType(t.req.headers);
  const applied = [pref.applied, body.applied].filter(Boolean).join(',') || undefined;
  const base = { zone: pref.zone, bodyType: body.bodyType, owner };
  if (!withQuery) return { opts: base, applied };
  const sel = parseSelect(t.req.query, [...EVENT_PROPERTIES, 'singleValueExtendedProperties'], EVENT_TYPE);
  if ('error' in sel) return fromInputError(t.req.ctx, sel.error);
  const exp = parseExtendedExpand(t.req.query);
  if ('error' in exp) return fromInputError(t.req.ctx, exp.error);
  const select = sel.select?.filter((s) => s !== 'singleValueExtendedProperties');
  return { opts: { ...base, select, expandExtended: exp.ids }, applied };
}

export const isResult = (v: object): v is GraphResult => 'status' in v;

const entityContext = (t: Target) => metadataUrl(t.svc, `users('${t.mailbox.id}')/events/$entity`);

function answer(t: Target, body: Record<string, unknown>, applied: string | undefined, status = 200): GraphResult {
  const r = ok(body, status);
  return { ...r, headers: withApplied(r.headers, applied) };
}

/** GET /events: single events and series masters (instances live in calendarView). */
export function listEvents(t: Target): GraphResult {
  const setup = renderSetup(t);
  if (isResult(setup)) return setup;
  const filter = parseEventFilter(t.req.query);
  if ('error' in filter) return fromInputError(t.req.ctx, filter.error);
  const page = paging(t);
  if (isResult(page)) return page;
  const matching = [...calendarOf(t).events.values()]
    .filter((e) => e.kind !== 'exception')
    .filter((e) => filter.clauses.every((c) => matchesEvent(e, c)));
  return pageOf(t, matching, page, `users('${t.mailbox.id}')/events`, setup);
}

/** GET /calendarView?startDateTime&endDateTime: instances overlapping the window, full. */
export function calendarView(t: Target): GraphResult {
  const setup = renderSetup(t);
  if (isResult(setup)) return setup;
  const w = parseWindow(t.req.query);
  if ('error' in w) return fromInputError(t.req.ctx, w.error);
  const page = paging(t);
  if (isResult(page)) return page;
  return pageOf(t, viewItems(t.svc.store.calendars, calendarOf(t), w), page, `users('${t.mailbox.id}')/calendarView`, setup);
}

/** GET /events/{master}/instances: occurrences and exceptions in the window; cancelled ones are gone. */
export function listInstances(t: Target, item: EventRecord | Occurrence): GraphResult {
  const setup = renderSetup(t);
  if (isResult(setup)) return setup;
  const w = parseWindow(t.req.query);
  if ('error' in w) return fromInputError(t.req.ctx, w.error);
  if ('master' in item || item.kind !== 'seriesMaster') {
    // UNVERIFIED: what Graph answers for instances of a non-recurring event.
    return graphError(t.req.ctx, 400, 'ErrorInvalidRequest', 'The specified item is not a recurring series master.');
  }
  const page = paging(t);
  if (isResult(page)) return page;
  const items = viewItems(t.svc.store.calendars, calendarOf(t), w).filter((i) => ('master' in i ? i.master.id : i.seriesMasterId) === item.id);
  return pageOf(t, items, page, `users('${t.mailbox.id}')/events('${item.id}')/instances`, setup);
}

function paging(t: Target): { top: number; skip: number } | GraphResult {
  const top = parseNonNegativeInt(t.req.query, '$top');
  if ('error' in top) return fromInputError(t.req.ctx, top.error);
  const skip = parseNonNegativeInt(t.req.query, '$skip');
  if ('error' in skip) return fromInputError(t.req.ctx, skip.error);
  if ((top.value ?? 0) > MAX_TOP) return graphError(t.req.ctx, 400, 'ErrorInvalidArgument', `The value of $top must be between 1 and ${MAX_TOP}.`);
  return { top: top.value || t.svc.defaultPageSize, skip: skip.value ?? 0 };
}

function pageOf(
  t: Target,
  items: Array<EventRecord | Occurrence>,
  page: { top: number; skip: number },
  context: string,
  setup: { opts: EventRenderOptions; applied?: string },
): GraphResult {
  const slice = items.slice(page.skip, page.skip + page.top);
  const body: Record<string, unknown> = { '@odata.context': metadataUrl(t.svc, context), value: slice.map((e) => renderEvent(e, setup.opts)) };
  if (page.skip + page.top < items.length) {
    const next = new URLSearchParams(t.req.query);
    next.set('$top', String(page.top));
    next.set('$skip', String(page.skip + page.top));
    body['@odata.nextLink'] = `${t.svc.graphUrl}${t.req.path}?${next.toString()}`;
  }
  return answer(t, body, setup.applied);
}

export function createEventRoute(t: Target): GraphResult {
  const setup = renderSetup(t, false);
  if (isResult(setup)) return setup;
  const cal = calendarOf(t);
  const made = createEvent(t.svc.store.calendars, cal, t.req.body);
  if (!made.ok) return fromInputError(t.req.ctx, made.error);
  // A retried create with a known transactionId gets the event the first attempt made.
  if (!made.value.duplicate) t.svc.store.calendars.writes++;
  return answer(t, { '@odata.context': entityContext(t), ...renderEvent(made.value.rec, setup.opts) }, setup.applied, 201);
}

export function getEventRoute(t: Target, item: EventRecord | Occurrence): GraphResult {
  const setup = renderSetup(t);
  if (isResult(setup)) return setup;
  return answer(t, { '@odata.context': entityContext(t), ...renderEvent(item, setup.opts) }, setup.applied);
}

export function updateEventRoute(t: Target, item: EventRecord | Occurrence): GraphResult {
  const conflict = checkIfMatch(t, item);
  if (conflict) return conflict;
  const setup = renderSetup(t, false);
  if (isResult(setup)) return setup;
  const done = updateEvent(t.svc.store.calendars, calendarOf(t), item, t.req.body);
  if (!done.ok) return fromInputError(t.req.ctx, done.error);
  t.svc.store.calendars.writes++;
  return answer(t, { '@odata.context': entityContext(t), ...renderEvent(done.value, setup.opts) }, setup.applied);
}

export function deleteEventRoute(t: Target, item: EventRecord | Occurrence): GraphResult {
  const conflict = checkIfMatch(t, item);
  if (conflict) return conflict;
  t.svc.store.calendars.delete(calendarOf(t), item);
  t.svc.store.calendars.writes++;
  return noContent();
}

/** Same rule as contacts: the @odata.etag, or the bare change key, must match the current one. */
function checkIfMatch(t: Target, item: EventRecord | Occurrence): GraphResult | undefined {
  const header = t.req.headers['if-match'];
  if (header === undefined || header.trim() === '*') return undefined;
  const changeKey = 'master' in item ? item.master.changeKey : item.changeKey;
  const strip = (s: string) => s.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  if (header.split(',').some((p) => p.trim() === eventEtag(changeKey) || strip(p.trim()) === changeKey)) return undefined;
  return graphError(
    t.req.ctx,
    412,
    'ErrorIrresolvableConflict',
    'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.',
  );
}

/** GET /calendar and /calendars: the one default calendar. */
export function renderCalendar(t: Target): Record<string, unknown> {
  const cal = calendarOf(t);
  return {
    id: cal.id,
    name: 'Calendar',
    color: 'auto',
    hexColor: '',
    isDefaultCalendar: true,
    changeKey: cal.id.slice(-16),
    canShare: true,
    canViewPrivateItems: true,
    canEdit: true,
    allowedOnlineMeetingProviders: ['teamsForBusiness'],
    defaultOnlineMeetingProvider: 'teamsForBusiness',
    isTallyingResponses: true,
    isRemovable: false,
    owner: { name: t.mailbox.displayName, address: t.mailbox.userPrincipalName },
  };
}

export const getCalendar = (t: Target): GraphResult =>
  ok({ '@odata.context': metadataUrl(t.svc, `users('${t.mailbox.id}')/calendar/$entity`), ...renderCalendar(t) });

export const listCalendars = (t: Target): GraphResult =>
  ok({ '@odata.context': metadataUrl(t.svc, `users('${t.mailbox.id}')/calendars`), value: [renderCalendar(t)] });
