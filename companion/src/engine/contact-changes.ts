/**
 * Turns Contact change events into per-user work: which users' mailboxes a change concerns, and
 * which record ids their next pass must re-read. Field values in the event are ignored on purpose —
 * the pass re-reads the record, which also covers diff-encoded long text and gap events.
 */
import type { RecordChangeEvent, SalesforcePort } from '../ports/salesforce.ts';
import type { StateStore } from '../ports/state.ts';
import type { Log } from '../ports/log.ts';
import { cursorNames } from './cursors.ts';

export interface ChangeRouterDeps {
  salesforce: SalesforcePort;
  store: StateStore;
  log: Log;
  /** Users Syncline currently serves. */
  isSyncUser(userId: string): boolean;
  allSyncUsers(): string[];
  enqueue(userId: string): Promise<void>;
}

export async function routeContactChange(deps: ChangeRouterDeps, event: RecordChangeEvent): Promise<void> {
  if (event.fromUs) {
    deps.log('debug', 'skipped our own change', { replayId: event.replayId, changeType: event.changeType });
  } else if (event.changeType === 'GAP_OVERFLOW' || event.recordIds.some((id) => id.endsWith('*'))) {
    // No usable ids: every user re-lists Salesforce on the next pass.
    deps.log('warn', 'change event without record ids; reconciling all users', { changeType: event.changeType });
    await reconcileAll(deps);
  } else {
    const users = new Set<string>();
    const links = await deps.store.contactLinksBySfIds(event.recordIds);
    for (const l of links) users.add(l.userId);
    if (event.ownerId && deps.isSyncUser(event.ownerId)) users.add(event.ownerId);
    const unknown = event.recordIds.filter((id) => !links.some((l) => l.sfId === id));
    if (unknown.length > 0 && !event.ownerId && event.changeType !== 'DELETE' && event.changeType !== 'GAP_DELETE') {
      // An unlinked record changed without telling us its owner (e.g. an update): ask Salesforce.
      for (const c of await deps.salesforce.getContacts(unknown)) if (deps.isSyncUser(c.ownerId)) users.add(c.ownerId);
    }
    for (const userId of users) {
      await deps.store.addPendingSalesforceIds(userId, event.recordIds);
      await deps.enqueue(userId);
    }
  }
  await deps.store.setCursor(cursorNames.contactChangeReplay, String(event.replayId));
}

/** Forget that Salesforce was listed, so each user's next pass lists it in full; used when events were lost. */
export async function reconcileAll(deps: Pick<ChangeRouterDeps, 'store' | 'allSyncUsers' | 'enqueue'>): Promise<void> {
  for (const userId of deps.allSyncUsers()) {
    await deps.store.setCursor(cursorNames.salesforceContactsListed(userId), undefined);
    await deps.enqueue(userId);
  }
}
