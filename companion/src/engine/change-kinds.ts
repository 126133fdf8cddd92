/** The change routers for contacts and events (see record-changes.ts), bound to the store and Salesforce. */
import type { SalesforcePort } from '../ports/salesforce.ts';
import type { StateStore } from '../ports/state.ts';
import { cursorNames } from './cursors.ts';
import type { RecordKind } from './record-changes.ts';

export function contactKind(store: StateStore, salesforce: SalesforcePort): RecordKind {
  return {
    name: 'contact',
    replayCursor: cursorNames.contactChangeReplay,
    linkedUsers: (ids) => store.contactLinksBySfIds(ids),
    owners: async (ids) => (await salesforce.getContacts(ids)).map((c) => c.ownerId),
    addPending: (userId, ids) => store.addPendingSalesforceIds(userId, ids),
    forgetListed: (userId) => store.setCursor(cursorNames.salesforceContactsListed(userId), undefined),
  };
}

export function eventKind(store: StateStore, salesforce: SalesforcePort): RecordKind {
  return {
    name: 'event',
    replayCursor: cursorNames.eventChangeReplay,
    linkedUsers: (ids) => store.eventLinksBySfIds(ids),
    // Only the owner's own row counts: an invitee's child copy (IsChild) is not their event to sync.
    owners: async (ids) => (await salesforce.getEvents(ids, 'UTC')).filter((e) => !e.isChild).map((e) => e.ownerId),
    addPending: (userId, ids) => store.addPendingEventIds(userId, ids),
    forgetListed: (userId) => store.setCursor(cursorNames.salesforceEventsListed(userId), undefined),
    // A deleted series occurrence: its series is looked at again (engine/event-series-sync.ts).
    unlinkedDeletesMatter: true,
  };
}
