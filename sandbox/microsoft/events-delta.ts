import { preferredBodyType, preferredZone, withApplied } from './calendar-prefer.ts';
import { type CalendarState, type EventRecord, type Occurrence } from './calendar-store.ts';
import { overlaps, parseWindow, queryParam, viewItems, type Window } from './calendar-view.ts';
import type { Zone } from './calendar-time.ts';
import type { DeltaState } from './delta-tokens.ts';
import { calendarOf } from './events-api.ts';
import { renderEvent, renderStub, type EventRenderOptions } from './events-json.ts';
import { graphError, type GraphResult } from './graph-errors.ts';
import { fromInputError, metadataUrl, ok, type Target } from './graph-context.ts';
import { parsePrefer, preferenceApplied } from './odata.ts';

/** Delta state plus the window of the first request, which the tokens carry from then on. */
interface CalendarDeltaState extends DeltaState {
  window: Window;
}

const UNSUPPORTED = ['$select', '$filter', '$orderby', '$search', '$expand', '$top', '$skip'];

interface Entry {
  seq: number;
  id: string;
  render: () => Record<string, unknown>;
}

/**
 * GET /calendarView/delta. Rounds are cut at the calendar's sequence number like contacts delta.
 * The initial round lists single events, exceptions (full) and occurrences (stubs) in the window;
 * series masters never appear (microsoftgraph/microsoft-graph-docs-contrib#7968). Later rounds
 * list what changed, and `@removed` for what went away, including items now outside the window
 * (event-delta docs: filter removals by your own range).
 */
export function handleEventsDelta(t: Target): GraphResult {
  const { req, svc, mailbox } = t;
  const cal = calendarOf(t);
  const skipToken = queryParam(req.query, '$skiptoken');
  const deltaToken = queryParam(req.query, '$deltatoken');
  const token = skipToken || deltaToken;
  const base = `${svc.graphUrl}/users/${mailbox.id}/calendarView/delta`;
  const tokenKey = `calendarView:${cal.id}`;
  let state: CalendarDeltaState;
  if (token) {
    const read = svc.deltaTokens.read(token);
    if (!read.ok && read.reason === 'malformed') return graphError(req.ctx, 400, 'BadRequest', 'Badly formed token.');
    if (!read.ok) return graphError(req.ctx, 410, 'SyncStateNotFound', read.message, { headers: { Location: `${base}?$deltatoken=` } });
    const s = read.state as Partial<CalendarDeltaState>; // signed by us; the window is checked below
    if (s.mailboxId !== mailbox.id || s.folderId !== tokenKey || !s.window) return graphError(req.ctx, 400, 'BadRequest', 'Badly formed token.');
    state = s as CalendarDeltaState;
  } else {
    const refused = UNSUPPORTED.filter((p) => queryParam(req.query, p) !== undefined);
    if (refused.length) {
      // UNVERIFIED wording, modelled on the contacts delta refusal.
      return graphError(req.ctx, 400, 'ErrorInvalidUrlQuery', `The following parameters are not supported with change tracking over the 'Events' resource: '${refused.join(', ')}'.`);
    }
    const w = parseWindow(req.query);
    if ('error' in w) return fromInputError(req.ctx, w.error);
    state = { mailboxId: mailbox.id, folderId: tokenKey, phase: 'initial', from: 0, to: cal.seq, window: w };
  }
  if (state.phase === 'changes' && !state.cursor && !skipToken) state = { ...state, to: cal.seq };

  const pref = preferredZone(req.headers);
  if ('error' in pref) return fromInputError(req.ctx, pref.error);
  const bodyPref = preferredBodyType(req.headers);
  const owner = { name: mailbox.displayName, address: mailbox.userPrincipalName };
  const opts: EventRenderOptions = { zone: pref.zone, bodyType: bodyPref.bodyType, owner, withType: true };
  const prefs = parsePrefer(req.headers);
  const pageSize = Math.min(prefs.maxPageSize ?? svc.defaultPageSize, svc.maxDeltaPageSize) || 1;
  const all = state.phase === 'initial' ? initialEntries(t, cal, state, opts) : changeEntries(t, cal, state, opts);
  const entries = all.filter((e) => after(e, state.cursor));
  const page = entries.slice(0, pageSize);
  const body: Record<string, unknown> = { '@odata.context': metadataUrl(svc, 'Collection(event)') };
  const last = page.at(-1);
  if (entries.length > pageSize && last) {
    body['@odata.nextLink'] = `${base}?$skiptoken=${svc.deltaTokens.issue({ ...state, cursor: { seq: last.seq, id: last.id } })}`;
  } else {
    const next: CalendarDeltaState = { mailboxId: mailbox.id, folderId: tokenKey, phase: 'changes', from: state.to, to: state.to, window: state.window };
    body['@odata.deltaLink'] = `${base}?$deltatoken=${svc.deltaTokens.issue(next)}`;
  }
  body.value = page.map((e) => e.render());
  const applied = [pref.applied, bodyPref.applied].filter(Boolean).join(',') || undefined;
  const headers = withApplied(preferenceApplied({ maxPageSize: prefs.maxPageSize === undefined ? undefined : pageSize }), applied);
  return ok(body, 200, headers);
}

function after(e: Entry, cursor: DeltaState['cursor']): boolean {
  if (!cursor) return true;
  return e.seq > cursor.seq || (e.seq === cursor.seq && e.id > cursor.id);
}

/**
 * Vanished series instances are reported only around the window: a long series would otherwise
 * flood every client with removals for slots it never saw. A day of slack covers zone shifts.
 */
const nearWindow = (slot: number, w: Window) => slot >= w.from - 86_400_000 && slot < w.to + 86_400_000;

const bySeqThenId = (a: Entry, b: Entry) => a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const seqOf = (i: EventRecord | Occurrence) => ('master' in i ? i.master.seq : i.seq);

function entryOf(i: EventRecord | Occurrence, seq: number, zone: Zone, opts: EventRenderOptions): Entry {
  return { seq, id: i.id, render: () => ('master' in i ? renderStub(i, zone) : renderEvent(i, opts)) };
}

const removed = (id: string, seq: number): Entry => ({
  seq,
  id,
  render: () => ({ '@odata.type': '#microsoft.graph.event', id, '@removed': { reason: 'deleted' } }),
});

function initialEntries(t: Target, cal: CalendarState, state: CalendarDeltaState, opts: EventRenderOptions): Entry[] {
  // Every initial entry sorts at sequence 0 so the cursor orders them by id alone.
  return viewItems(t.svc.store.calendars, cal, state.window)
    .filter((i) => seqOf(i) <= state.to)
    .map((i) => entryOf(i, 0, opts.zone, opts))
    .sort(bySeqThenId);
}

function changeEntries(t: Target, cal: CalendarState, state: CalendarDeltaState, opts: EventRenderOptions): Entry[] {
  const changed = (seq: number) => seq > state.from && seq <= state.to;
  const byId = new Map<string, Entry>();
  const visible = viewItems(t.svc.store.calendars, cal, state.window);
  const present = new Set(visible.map((i) => i.id));
  for (const i of visible) if (changed(seqOf(i))) byId.set(i.id, entryOf(i, seqOf(i), opts.zone, opts));
  // A stored event that changed and now lies outside the window is gone from this view.
  for (const rec of cal.events.values()) {
    if (rec.kind !== 'seriesMaster' && changed(rec.seq) && !present.has(rec.id) && !overlaps(rec, state.window)) byId.set(rec.id, removed(rec.id, rec.seq));
  }
  for (const ts of cal.tombstones) {
    if (!changed(ts.seq) || present.has(ts.id) || (ts.slot !== undefined && !nearWindow(ts.slot, state.window))) continue;
    byId.set(ts.id, removed(ts.id, ts.seq));
  }
  return [...byId.values()].sort(bySeqThenId);
}
