import type { MappingWarning } from '../../../core/contact.ts';
import type { MappedEvent } from '../../../core/event.ts';
import { fromGraphEvent, type GraphEvent } from '../../../core/graph-event.ts';
import type { SideChange, SideItem } from '../../../ports/items.ts';
import { CursorExpiredError } from '../../../ports/mailbox.ts';
import type { EventWindow, MailboxEventDelta, MailboxEventOptions } from '../../../ports/mailbox-events.ts';
import { runBatch, type BatchDeps } from '../batch.ts';
import { GraphError, graphErrorOf, parseGraphError } from '../errors.ts';
import { PREFER_IMMUTABLE_ID, userPath } from '../graph-http.ts';
import { versionOf } from '../raw-cache.ts';

/** Every time in a response in UTC: the mapping reads each value against the zone named beside it anyway. */
export const PREFER_UTC = 'outlook.timezone="UTC"';

/** Prefer header of each single-event GET: immutable ids and UTC, as on delta pages. */
const PREFER_EVENT_READ = `${PREFER_IMMUTABLE_ID}, ${PREFER_UTC}`;

/** Error codes Graph uses when a delta or skip token can no longer be resumed. */
const EXPIRED_CODES = new Set(['syncstatenotfound', 'resyncrequired', 'syncstateinvalid', 'invaliddeltatoken']);

export interface EventDeltaDeps extends BatchDeps {
  pageSize: number;
}

interface DeltaPage {
  value?: Array<Record<string, unknown>>;
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

type Seen = { removed: true } | { removed: false; raw: GraphEvent };

export const eventUrl = (mailbox: string, id: string): string => `${userPath(mailbox)}/events/${encodeURIComponent(id)}`;

/** Graph's version of an event: changeKey, or the inside of its `W/"…"` etag. */
export function eventVersion(raw: GraphEvent): string {
  const etag = raw['@odata.etag'];
  return versionOf({ ...(raw.changeKey ? { changeKey: raw.changeKey } : {}), ...(typeof etag === 'string' ? { '@odata.etag': etag } : {}) });
}

function modifiedAtOf(raw: GraphEvent): { modifiedAt?: string } {
  return typeof raw.lastModifiedDateTime === 'string' ? { modifiedAt: raw.lastModifiedDateTime } : {};
}

/**
 * One round of calendarView/delta: follows nextLinks to the deltaLink, keeps the last state of
 * each id (items repeat across pages and rounds), then resolves occurrence stubs through their
 * series masters. Nothing is returned before the whole round, masters included, has been read,
 * so a failure leaves the cursor where it was and the round is simply read again.
 */
export async function readEventDelta(
  deps: EventDeltaDeps,
  mailbox: string,
  window: EventWindow,
  cursor: string | null,
  opts: MailboxEventOptions,
): Promise<MailboxEventDelta> {
  const seen = new Map<string, Seen>();
  const query = new URLSearchParams({ startDateTime: window.start, endDateTime: window.end });
  // The window goes in the first request only; Graph's links carry it from then on.
  let link = cursor ?? `${userPath(mailbox)}/calendarView/delta?${query.toString()}`;
  let graphIssued = cursor !== null;
  let deltaLink: string | undefined;

  while (deltaLink === undefined) {
    const res = await deps.graph.call(mailbox, link, { prefer: [`odata.maxpagesize=${deps.pageSize}`, PREFER_UTC] });
    if (res.status !== 200) {
      const err = await graphErrorOf('event delta', res);
      const expired =
        res.status === 410 ||
        EXPIRED_CODES.has(err.code.toLowerCase()) ||
        // A link Graph gave us that it now calls malformed ("Badly formed token") cannot be mended.
        (graphIssued && res.status === 400);
      if (expired) throw new CursorExpiredError(`event delta: cursor no longer valid (HTTP ${res.status} ${err.code})`);
      throw err;
    }
    const page = ((await res.json()) ?? {}) as DeltaPage;
    for (const item of page.value ?? []) {
      const id = item.id;
      if (typeof id !== 'string' || id === '') continue;
      // Re-inserting moves the id to its last position: the last state Graph reported wins.
      seen.delete(id);
      seen.set(id, '@removed' in item ? { removed: true } : { removed: false, raw: item as GraphEvent });
    }
    if (typeof page['@odata.deltaLink'] === 'string') deltaLink = page['@odata.deltaLink'];
    else {
      const next = page['@odata.nextLink'];
      if (typeof next !== 'string') throw new Error('event delta: a page had neither nextLink nor deltaLink');
      if (next === link) throw new Error('event delta: Graph returned the same nextLink twice');
      link = next;
      graphIssued = true;
    }
  }

  const masters = await readMasters(deps, mailbox, seen);
  const changes = new Map<string, SideChange<MappedEvent>>();
  const warnings: Record<string, MappingWarning[]> = {};
  const put = (change: SideChange<MappedEvent>, itemWarnings: MappingWarning[] = []): void => {
    const id = change.kind === 'upsert' ? change.item.id : change.id;
    changes.delete(id);
    changes.set(id, change);
    delete warnings[id];
    if (itemWarnings.length > 0) warnings[id] = itemWarnings;
  };

  // Masters first, so an engine that applies changes in order meets a series before its members.
  for (const [masterId, master] of masters) {
    if (master === null) {
      put({ kind: 'delete', id: masterId });
      continue;
    }
    const mapped = mapEvent(masterId, master, opts);
    put({ kind: 'upsert', item: mapped.item }, mapped.warnings);
  }

  for (const [id, entry] of seen) {
    if (entry.removed) {
      // Graph may also report removals outside the window; an id the engine never linked is a no-op.
      put({ kind: 'delete', id });
      continue;
    }
    // calendarView never lists masters (they are read above); a cancelled one still counts as a delete.
    if (entry.raw.type === 'seriesMaster' && entry.raw.isCancelled !== true) continue;
    const read = mapEventRead(id, entry.raw, masters, opts);
    if (read === 'gone') put({ kind: 'delete', id });
    else put({ kind: 'upsert', item: read.item }, read.warnings);
  }

  return { changes: [...changes.values()], cursor: deltaLink, warnings };
}

/** One event as read, ready for the engine; mapping warnings beside it. */
export interface EventRead {
  item: SideItem<MappedEvent>;
  warnings: MappingWarning[];
}

/** A full event (single, series master, exception) as the engine sees it: fromGraphEvent, its version and modification time. */
function mapEvent(id: string, raw: GraphEvent, opts: MailboxEventOptions): EventRead {
  const mapped = fromGraphEvent(raw, opts);
  const createdAs = typeof raw.transactionId === 'string' && raw.transactionId !== '' ? { createdAs: raw.transactionId } : {};
  return { item: { id, version: eventVersion(raw), ...modifiedAtOf(raw), ...createdAs, data: mapped.event }, warnings: mapped.warnings };
}

/**
 * An event Graph returned (a delta entry or a GET by id) as the engine sees it, or 'gone' when it
 * stands for a deletion: a cancelled occurrence, or a member of a series whose master is gone.
 * An occurrence is resolved through its master (resolveOccurrence); `masters` must hold the master
 * of every occurrence and exception passed in (see seriesMasterIdsOf), null for one that is gone.
 */
export function mapEventRead(
  id: string,
  raw: GraphEvent,
  masters: ReadonlyMap<string, GraphEvent | null>,
  opts: MailboxEventOptions,
): EventRead | 'gone' {
  if (raw.isCancelled === true) return 'gone';
  const masterId = typeof raw.seriesMasterId === 'string' && raw.seriesMasterId !== '' ? raw.seriesMasterId : undefined;
  const master = masterId === undefined ? undefined : masters.get(masterId);
  // The series is gone (404): its occurrences and exceptions go with it.
  if (masterId !== undefined && master === null) return 'gone';
  if (raw.type === 'occurrence' && master) {
    const resolved = resolveOccurrence(raw, master, opts);
    return {
      item: { id, version: eventVersion(raw) || eventVersion(master), ...modifiedAtOf(master), data: resolved.event },
      warnings: resolved.warnings,
    };
  }
  return mapEvent(id, raw, opts);
}

/**
 * An occurrence stub as the full event it stands for: every field from the master, the stub's
 * own start and end, no recurrence (that belongs to the master). Its slot is the stub's start
 * (an unmodified occurrence sits in its slot by definition), as fromGraphEvent works it out.
 */
function resolveOccurrence(stub: GraphEvent, master: GraphEvent, opts: MailboxEventOptions): { event: MappedEvent; warnings: MappingWarning[] } {
  const slot = fromGraphEvent(stub, opts).event;
  const full = fromGraphEvent(
    {
      ...master,
      id: stub.id,
      type: 'singleInstance',
      seriesMasterId: null,
      recurrence: null,
      ...(stub.start ? { start: stub.start } : {}),
      ...(stub.end ? { end: stub.end } : {}),
    },
    opts,
  );
  const event: MappedEvent = { ...full.event, kind: 'occurrence', seriesMasterId: master.id ?? stub.seriesMasterId ?? '' };
  if (slot.originalStart !== undefined) event.originalStart = slot.originalStart;
  return { event, warnings: full.warnings };
}

/** The series master ids of the occurrences and exceptions among `events`. */
export function seriesMasterIdsOf(events: Iterable<GraphEvent>): Set<string> {
  const ids = new Set<string>();
  for (const raw of events) {
    const masterId = raw.seriesMasterId;
    if ((raw.type === 'occurrence' || raw.type === 'exception') && typeof masterId === 'string' && masterId !== '') ids.add(masterId);
  }
  return ids;
}

/** The master of every series with a member in this round, read once each (readEventsById). null: the master is gone. */
async function readMasters(deps: BatchDeps, mailbox: string, seen: Map<string, Seen>): Promise<Map<string, GraphEvent | null>> {
  const members = [...seen.values()].flatMap((entry) => (entry.removed ? [] : [entry.raw]));
  return readEventsById(deps, mailbox, [...seriesMasterIdsOf(members)], 'event delta: read series master');
}

/**
 * Events by id, each read once through $batch (runBatch sends at most 20 per request and retries
 * inner 429 and 5xx), with the same Prefer headers as delta pages. null: the event is gone (404
 * ErrorItemNotFound). Any other answer, once the retries are spent, throws GraphError naming
 * `operation`: a read that failed must never pass for a deletion.
 */
export async function readEventsById(
  deps: BatchDeps,
  mailbox: string,
  ids: readonly string[],
  operation: string,
): Promise<Map<string, GraphEvent | null>> {
  const list = [...new Set(ids)];
  const events = new Map<string, GraphEvent | null>();
  if (list.length === 0) return events;
  const outs = await runBatch(
    deps,
    mailbox,
    list.map((id) => ({ method: 'GET', url: eventUrl(mailbox, id), headers: { Prefer: PREFER_EVENT_READ } })),
  );
  outs.forEach((out, i) => {
    const id = list[i]!;
    if (out.status === 200 && out.body && typeof out.body === 'object') events.set(id, out.body as GraphEvent);
    // Only "no such item" means the event is gone; any other 404 (a mailbox not found) must not delete.
    else if (out.status === 404 && parseGraphError(out.body).code === 'ErrorItemNotFound') events.set(id, null);
    else {
      // The caller's work is done again next time: an event we could not read must not turn into a delete.
      throw new GraphError(operation, out.status, parseGraphError(out.body).code);
    }
  });
  return events;
}
