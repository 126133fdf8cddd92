/**
 * Turns CDC change events into per-user work: which users' mailboxes a change concerns, and which
 * record ids their next pass must re-read. Field values in the event are ignored on purpose — the
 * pass re-reads the record, which also covers diff-encoded long text and gap events. One router
 * per kind of record (contacts, events); they differ only in where links and pending ids live.
 */
import type { RecordChangeEvent } from '../ports/salesforce.ts';
import type { StateStore } from '../ports/state.ts';
import type { Log } from '../ports/log.ts';

export interface RecordKind {
  /** For log lines. */
  name: string;
  /** Cursor holding the last processed replay id of this kind's channel. */
  replayCursor: string;
  /** Users whose links name these ids. */
  linkedUsers(ids: string[]): Promise<Array<{ userId: string; sfId: string }>>;
  /** Owners of records among ids (for records no link names and whose event carried no owner). */
  owners(ids: string[]): Promise<string[]>;
  addPending(userId: string, ids: string[]): Promise<void>;
  /** Makes the user's next pass list Salesforce in full (this kind). */
  forgetListed(userId: string): Promise<void>;
  /**
   * A delete of a record no link names still concerns users (events: an occurrence of a linked
   * series is a row of its own, never linked). A delete event carries no owner, so it goes to the
   * user who made it when that is a sync user, else to every sync user.
   */
  unlinkedDeletesMatter?: boolean;
}

export interface ChangeRouterDeps {
  store: StateStore;
  log: Log;
  /** Users Syncline currently serves. */
  isSyncUser(userId: string): boolean;
  allSyncUsers(): string[];
  enqueue(userId: string): Promise<void>;
}

export async function routeRecordChange(deps: ChangeRouterDeps, kind: RecordKind, event: RecordChangeEvent): Promise<void> {
  if (event.fromUs) {
    deps.log('debug', 'skipped our own change', { kind: kind.name, replayId: event.replayId, changeType: event.changeType });
  } else if (event.changeType === 'GAP_OVERFLOW' || event.recordIds.some((id) => id.endsWith('*'))) {
    // No usable ids: every user re-lists Salesforce on the next pass.
    deps.log('warn', 'change event without record ids; reconciling all users', { kind: kind.name, changeType: event.changeType });
    await reconcileAll(deps, kind);
  } else {
    const users = new Set<string>();
    const links = await kind.linkedUsers(event.recordIds);
    for (const l of links) users.add(l.userId);
    if (event.ownerId && deps.isSyncUser(event.ownerId)) users.add(event.ownerId);
    const unknown = event.recordIds.filter((id) => !links.some((l) => l.sfId === id));
    const deleted = event.changeType === 'DELETE' || event.changeType === 'GAP_DELETE';
    if (unknown.length > 0 && !event.ownerId && !deleted) {
      // An unlinked record changed without telling us its owner (e.g. an update): ask Salesforce.
      for (const owner of await kind.owners(unknown)) if (deps.isSyncUser(owner)) users.add(owner);
    } else if (unknown.length > 0 && deleted && kind.unlinkedDeletesMatter) {
      if (deps.isSyncUser(event.commitUser)) users.add(event.commitUser);
      else for (const userId of deps.allSyncUsers()) users.add(userId);
    }
    for (const userId of users) {
      await kind.addPending(userId, event.recordIds);
      await deps.enqueue(userId);
    }
  }
  await deps.store.setCursor(kind.replayCursor, String(event.replayId));
}

/** Forget that Salesforce was listed, so each user's next pass lists it in full; used when events were lost. */
export async function reconcileAll(deps: Pick<ChangeRouterDeps, 'allSyncUsers' | 'enqueue'>, kind: Pick<RecordKind, 'forgetListed'>): Promise<void> {
  for (const userId of deps.allSyncUsers()) {
    await kind.forgetListed(userId);
    await deps.enqueue(userId);
  }
}
