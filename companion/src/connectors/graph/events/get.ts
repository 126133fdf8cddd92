import type { MappedEvent } from '../../../core/event.ts';
import type { GraphEvent } from '../../../core/graph-event.ts';
import type { SideItem } from '../../../ports/items.ts';
import type { MailboxEventOptions } from '../../../ports/mailbox-events.ts';
import type { BatchDeps } from '../batch.ts';
import { mapEventRead, readEventsById, seriesMasterIdsOf } from './delta.ts';

/**
 * MailboxEventsPort.getEvents: the listed events read by id through $batch, wherever they sit in
 * the calendar, mapped exactly as a delta round maps them — occurrences resolved through their
 * series master, a cancelled occurrence or a member of a series that is gone left out as deleted.
 * Ids Graph answers 404 ErrorItemNotFound for are absent; any other failure (after the pipeline's
 * and runBatch's retries) throws, so an absent id always means the event is gone.
 * Results follow the order of `ids`, each id once. Mapping warnings are not part of this port.
 */
export async function getEvents(
  deps: BatchDeps,
  mailbox: string,
  ids: string[],
  opts: MailboxEventOptions,
): Promise<SideItem<MappedEvent>[]> {
  const found = await readEventsById(deps, mailbox, ids, 'get events');
  const present = [...found.values()].filter((raw): raw is GraphEvent => raw !== null);
  // Masters asked for in the same call are not read twice.
  const masterIds = [...seriesMasterIdsOf(present)].filter((id) => !found.has(id));
  const masters = await readEventsById(deps, mailbox, masterIds, 'get events: read series master');
  for (const [id, raw] of found) if (raw !== null && raw.type === 'seriesMaster') masters.set(id, raw);
  // A requested master that is gone takes its members with it, as in delta.
  for (const [id, raw] of found) if (raw === null) masters.set(id, null);

  const items: SideItem<MappedEvent>[] = [];
  for (const [id, raw] of found) {
    if (raw === null) continue;
    const read = mapEventRead(id, raw, masters, opts);
    if (read !== 'gone') items.push(read.item);
  }
  return items;
}
