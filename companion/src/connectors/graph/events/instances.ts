import { fromGraphEvent, type GraphEvent } from '../../../core/graph-event.ts';
import type { EventWindow, MailboxEventOptions, MailboxSeriesInstance } from '../../../ports/mailbox-events.ts';
import { graphErrorOf } from '../errors.ts';
import { PREFER_UTC, eventUrl, eventVersion, type EventDeltaDeps } from './delta.ts';

const OPERATION = 'series instances';

interface InstancesPage {
  value?: Array<Record<string, unknown>>;
  '@odata.nextLink'?: string;
}

/**
 * MailboxEventsPort.seriesInstances: GET /events/{master}/instances over `window`, every page
 * (nextLinks followed until a page has none), with the same Prefer headers as delta pages
 * (graph.call adds the immutable-id one). Cancelled instances are left out. null when the master
 * is gone (404 ErrorItemNotFound, on any page); any other failure throws the GraphError, so an
 * instance that could not be read never looks like a cancelled one. Nothing is returned before
 * every page has been read. Errors carry status and code only, never event content.
 */
export async function readSeriesInstances(
  deps: EventDeltaDeps,
  mailbox: string,
  masterId: string,
  window: EventWindow,
  opts: MailboxEventOptions,
): Promise<MailboxSeriesInstance[] | null> {
  const query = new URLSearchParams({ startDateTime: window.start, endDateTime: window.end });
  let link = `${eventUrl(mailbox, masterId)}/instances?${query.toString()}`;
  // Keyed by id: an instance repeated across pages (the series changed while we paged) counts once, last state wins.
  const instances = new Map<string, MailboxSeriesInstance>();
  const followed = new Set<string>([link]);

  for (;;) {
    const res = await deps.graph.call(mailbox, link, { prefer: [`odata.maxpagesize=${deps.pageSize}`, PREFER_UTC] });
    if (res.status !== 200) {
      const err = await graphErrorOf(OPERATION, res);
      // Only "no such item" means the master is gone; any other 404 (a mailbox not found) must not.
      if (res.status === 404 && err.code === 'ErrorItemNotFound') return null;
      throw err;
    }
    const page = ((await res.json()) ?? {}) as InstancesPage;
    for (const item of page.value ?? []) {
      const raw = item as GraphEvent;
      if (typeof raw.id !== 'string' || raw.id === '' || raw.isCancelled === true) continue;
      instances.delete(raw.id);
      instances.set(raw.id, mapInstance(raw.id, raw, opts));
    }
    const next = page['@odata.nextLink'];
    if (typeof next !== 'string') break;
    if (followed.has(next)) throw new Error(`${OPERATION}: Graph returned the same nextLink twice`);
    followed.add(next);
    link = next;
  }
  return [...instances.values()];
}

/**
 * An instance as /instances returns it: in full, inherited values included. fromGraphEvent maps
 * an occurrence as a stub (kind and slot, no fields), so its fields are read as those of a lone
 * event; an exception carries its own fields and slot and maps as it is.
 */
function mapInstance(id: string, raw: GraphEvent, opts: MailboxEventOptions): MailboxSeriesInstance {
  const { event } = fromGraphEvent(raw, opts);
  const fields =
    event.kind === 'occurrence'
      ? fromGraphEvent({ ...raw, type: 'singleInstance', seriesMasterId: null, recurrence: null }, opts).event.fields
      : event.fields;
  const instance: MailboxSeriesInstance = { id, kind: event.kind, fields, version: eventVersion(raw) };
  if (event.originalStart !== undefined) instance.originalStart = event.originalStart;
  if (typeof raw.lastModifiedDateTime === 'string') instance.modifiedAt = raw.lastModifiedDateTime;
  return instance;
}
