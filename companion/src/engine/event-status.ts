/**
 * Folds an events pass into the user's status row. Contacts and events share one row (one
 * Sync_User_Status__c per rep): counts are per kind, and the state is the worse of the two — a
 * rep whose events are stopped by a safety valve shows 'stopped' even if contacts are fine.
 */
import type { UserStatusRow } from '../ports/state.ts';
import type { EventSyncOutcome } from './event-sync.ts';
import { newestRow } from './item-rows.ts';

const SEVERITY: Record<UserStatusRow['state'], number> = { initial_sync: 0, syncing: 0, idle: 0, error: 1, stopped: 2 };

/**
 * `contactsActive`: the contacts pass ran just before and wrote the row's state, so that state
 * stands for contacts; otherwise the row's state is stale and only the events pass counts.
 */
export function withEventStatus(
  previous: UserStatusRow | undefined,
  outcome: EventSyncOutcome,
  contactsActive: boolean,
  now: string,
): UserStatusRow {
  const base: UserStatusRow = previous ?? { userId: outcome.userId, state: 'idle', contactsLinked: 0, contactsFailed: 0, updatedAt: now };
  const newest = newestRow(outcome.standing);
  const events: Pick<UserStatusRow, 'state' | 'lastErrorCode' | 'lastError'> = outcome.halted
    ? { state: 'stopped', lastErrorCode: outcome.halted.reason, lastError: outcome.halted.message }
    : { state: outcome.retrying ? 'error' : 'idle', lastErrorCode: newest?.code, lastError: newest?.message };
  const row: UserStatusRow = {
    ...base,
    eventsLinked: outcome.linked,
    eventsFailed: outcome.halted ? (base.eventsFailed ?? 0) : outcome.standing.length,
    updatedAt: now,
  };
  if (!contactsActive) {
    row.state = events.state;
    row.lastErrorCode = events.lastErrorCode;
    row.lastError = events.lastError;
  } else if (SEVERITY[events.state] > SEVERITY[base.state] || (!base.lastErrorCode && events.lastErrorCode)) {
    // The worse state wins, and an events error shows when contacts have none to show.
    if (SEVERITY[events.state] > SEVERITY[base.state]) row.state = events.state;
    row.lastErrorCode = events.lastErrorCode;
    row.lastError = events.lastError;
  }
  if (!outcome.halted) {
    const direction = outcome.direction;
    if (direction !== 'mailbox_to_salesforce') row.lastSyncToMailbox = now;
    if (direction !== 'salesforce_to_mailbox') row.lastSyncToSalesforce = now;
  }
  if (row.lastErrorCode === undefined) delete row.lastErrorCode;
  if (row.lastError === undefined) delete row.lastError;
  return row;
}
