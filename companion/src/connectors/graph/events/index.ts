/**
 * Microsoft 365 calendar events through Microsoft Graph: calendarView/delta for reading (occurrence
 * stubs resolved through their series masters), batched GETs by id for events wherever they sit
 * (getEvents), /events/{master}/instances for the instances of one series over a window
 * (seriesInstances), and JSON $batch for writing. It reuses the contacts connector's token source, Graph
 * HTTP wrapper, $batch runner and error parsing, and the shared HTTP pipeline, so it has the same
 * per-mailbox limit and retry behaviour.
 */
import type { Log } from '../../../ports/log.ts';
import type { MailboxEventsPort } from '../../../ports/mailbox-events.ts';
import { createGraphClient, type GraphClient, type GraphClientOptions } from '../client.ts';
import { readEventDelta } from './delta.ts';
import { getEvents } from './get.ts';
import { readSeriesInstances } from './instances.ts';
import { createEvents, deleteEvents, updateEvents } from './writes.ts';

export interface GraphEventsConnectorOptions extends GraphClientOptions {
  /** Events per delta page (Prefer: odata.maxpagesize). Default 100. */
  pageSize?: number;
  /** A client shared with the contacts connector, so both count against one per-mailbox limit; its owner closes it. */
  client?: GraphClient;
}

export function createGraphEventsConnector(opts: GraphEventsConnectorOptions): MailboxEventsPort & { close(): Promise<void> } {
  const pageSize = opts.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError('pageSize must be a positive integer');
  const shared = opts.client;
  const client = shared ?? createGraphClient(opts);
  const deps = client.deps;

  return {
    eventChanges: (mailbox, window, cursor, eventOpts) => readEventDelta({ ...deps, pageSize }, mailbox, window, cursor, eventOpts),
    getEvents: (mailbox, ids, eventOpts) => getEvents(deps, mailbox, ids, eventOpts),
    createEvents: (mailbox, items, eventOpts) => createEvents(deps, mailbox, items, eventOpts),
    updateEvents: (mailbox, items, eventOpts) => updateEvents(deps, mailbox, items, eventOpts),
    deleteEvents: (mailbox, ids) => deleteEvents(deps, mailbox, ids),
    seriesInstances: (mailbox, masterId, window, eventOpts) => readSeriesInstances({ ...deps, pageSize }, mailbox, masterId, window, eventOpts),
    async close() {
      if (!shared) client.close();
    },
  };
}
