import { isMidnight, utcToWall } from './calendar-time.ts';
import { utcOf, type CalendarState, type CalendarStore, type EventRecord, type Occurrence } from './calendar-store.ts';
import type { InputError } from './contact-schema.ts';
import type { Recurrence } from './events-recurrence.ts';
import { parseEventInput, type EventProps, type EventTime } from './events-schema.ts';

/**
 * Create and update with Exchange's cross-property rules, shared by the API routes and the
 * mailbox-owner hooks so both reach the same states. Nothing is written unless all checks pass.
 */
export type OpResult<T> = { ok: true; value: T } | { ok: false; error: InputError };

const fail = (status: number, code: string, message: string): { ok: false; error: InputError } => ({ ok: false, error: { status, code, message } });

/** UNVERIFIED wording: no Graph doc or issue in the corpus quotes the all-day midnight error. */
export const ALL_DAY_NOT_MIDNIGHT = {
  code: 'ErrorInvalidRequest',
  message: "Your request can't be completed. If the event is an all-day event, the start and end times must be at midnight.",
};

/** Graph's "Update event" page documents this refusal and its message. */
export const OCCURRENCE_CROSSING = { code: 'ErrorOccurrenceCrossingBoundary', message: 'Modified occurrence is crossing or overlapping adjacent occurrence.' };

const DAY_MS = 86_400_000;

/**
 * Outlook's rule for a moved occurrence: not to or before the day of the previous occurrence, not
 * to or after the day of the next one. Neighbours are the instances that exist now, by slot, so a
 * cancelled neighbour widens the room. UNVERIFIED: the zone days are counted in; the series' own
 * start zone is used here.
 */
function crossesNeighbour(store: CalendarStore, cal: CalendarState, target: EventRecord | Occurrence, start: EventTime): boolean {
  const master = 'master' in target ? target.master : target.seriesMasterId ? cal.events.get(target.seriesMasterId) : undefined;
  const slot = target.originalStart;
  if (!master || slot === undefined) return false;
  const zone = master.start.iana;
  const dayOf = (t: EventTime) => Math.floor(utcToWall(utcOf(t), zone) / DAY_MS);
  const day = dayOf(start);
  let before: EventTime | undefined;
  let after: EventTime | undefined;
  // A year each way holds a daily series' neighbours within the store's expansion cap; a neighbour
  // further off (a year of cancelled occurrences) is not looked for, which only lets a move through.
  for (const i of store.instances(cal, master, slot - 366 * DAY_MS, slot + 366 * DAY_MS)) {
    const at = i.originalStart;
    if (at === undefined || at === slot) continue;
    if (at < slot) before = i.start;
    else if (after === undefined) after = i.start;
  }
  return (before !== undefined && day <= dayOf(before)) || (after !== undefined && day >= dayOf(after));
}

function checkTimes(isAllDay: boolean, start: EventTime, end: EventTime): InputError | undefined {
  if (isAllDay) {
    if (!isMidnight(start.wall) || !isMidnight(end.wall)) return { status: 400, ...ALL_DAY_NOT_MIDNIGHT };
    // Outlook REST's observed wording for an all-day event shorter than a day.
    if (end.wall - start.wall < 86_400_000) {
      return { status: 400, code: 'ErrorInvalidRequest', message: 'The duration of an event marked as All day must be at least 24 hours.' };
    }
    return undefined;
  }
  // Observed for an end before the start (microsoftgraph/microsoft-graph-docs#7919).
  if (utcOf(end) < utcOf(start)) return { status: 400, code: 'ErrorPropertyValidationFailure', message: 'At least one property failed validation.' };
  return undefined;
}

export function createEvent(
  store: CalendarStore,
  cal: CalendarState,
  body: unknown,
  attendeeResponses = false,
): OpResult<{ rec: EventRecord; duplicate: boolean }> {
  const parsed = parseEventInput(body, attendeeResponses);
  if (!parsed.ok) return parsed;
  const input = parsed.value;
  if (input.transactionId !== undefined) {
    const existing = [...cal.events.values()].find((e) => e.transactionId === input.transactionId);
    if (existing) return { ok: true, value: { rec: existing, duplicate: true } };
  }
  if (!input.start || !input.end) {
    return fail(400, 'ErrorPropertyValidationFailure', 'At least one property failed validation.');
  }
  const bad = checkTimes(input.props.isAllDay === true, input.start, input.end);
  if (bad) return { ok: false, error: bad };
  const props = Object.fromEntries(Object.entries(input.props).filter(([, v]) => v !== null));
  const rec = store.create(cal, {
    props,
    start: input.start,
    end: input.end,
    recurrence: input.recurrence ?? undefined,
    extended: input.extended,
    transactionId: input.transactionId,
  });
  return { ok: true, value: { rec, duplicate: false } };
}

export function updateEvent(
  store: CalendarStore,
  cal: CalendarState,
  target: EventRecord | Occurrence,
  body: unknown,
  attendeeResponses = false,
): OpResult<EventRecord> {
  const parsed = parseEventInput(body, attendeeResponses);
  if (!parsed.ok) return parsed;
  const input = parsed.value;
  const isInstance = 'master' in target || target.kind === 'exception';
  if (isInstance && input.recurrence !== undefined) {
    return fail(400, 'ErrorPropertyValidationFailure', 'At least one property failed validation.');
  }
  const baseProps: EventProps = 'master' in target ? structuredClone(target.master.props) : target.props;
  const props: EventProps = { ...baseProps };
  for (const [k, v] of Object.entries(input.props)) {
    if (v === null) delete props[k];
    else props[k] = v;
  }
  const start = input.start ?? target.start;
  const end = input.end ?? target.end;
  const bad = checkTimes(props.isAllDay === true, start, end);
  if (bad) return { ok: false, error: bad };
  if (isInstance && utcOf(start) !== utcOf(target.start) && crossesNeighbour(store, cal, target, start)) {
    return fail(400, OCCURRENCE_CROSSING.code, OCCURRENCE_CROSSING.message);
  }
  let recurrence: Recurrence | undefined;
  if (!isInstance) recurrence = input.recurrence === undefined ? (target as EventRecord).recurrence : (input.recurrence ?? undefined);
  const rec = 'master' in target ? store.makeException(cal, target) : target;
  store.update(cal, rec, { props, start, end, recurrence, extended: input.extended });
  return { ok: true, value: rec };
}
