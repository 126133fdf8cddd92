/**
 * One sync pass for one user's contacts: read both sides, plan, write, then record links and
 * cursors. Per-item failures never stop the pass; cursors only move past what was applied, so a
 * crash or a retryable failure means the next pass re-reads and re-applies (idempotently).
 */
import type { ContactField, ContactFields } from '../core/contact.ts';
import { planContacts, type SideSnapshot } from '../core/contact-plan.ts';
import { hashContactFields } from '../core/hash.ts';
import { CursorExpiredError, type MailboxContactsPort } from '../ports/mailbox.ts';
import type { SalesforcePort, SyncUser } from '../ports/salesforce.ts';
import type { ItemErrorRow, StateStore, UserStatusRow } from '../ports/state.ts';
import type { Clock } from '../ports/clock.ts';
import type { Log } from '../ports/log.ts';
import { cursorNames } from './cursors.ts';
import { collectWrites, executeWrites, settle, type SideWriter, type Target } from './pair-writes.ts';
import { conflictRows, conflictsOnRecord, isFailureRow, newestRow, warningRows } from './item-rows.ts';

export interface ContactSyncDeps {
  salesforce: SalesforcePort;
  mailbox: MailboxContactsPort;
  mailboxFields: readonly ContactField[];
  store: StateStore;
  clock: Clock;
  log: Log;
  salt: string;
}

export interface ContactSyncOutcome {
  userId: string;
  skipped?: 'contacts_disabled';
  halted?: string;
  full: boolean;
  writes: { mailbox: number; salesforce: number };
  failures: number;
  conflicts: number;
  linked: number;
}

export async function syncUserContacts(deps: ContactSyncDeps, user: SyncUser): Promise<ContactSyncOutcome> {
  const { store, clock } = deps;
  const userId = user.userId;
  const outcome: ContactSyncOutcome = { userId, full: false, writes: { mailbox: 0, salesforce: 0 }, failures: 0, conflicts: 0, linked: 0 };
  if (!user.configuration.contacts.enabled) {
    outcome.skipped = 'contacts_disabled';
    return outcome;
  }

  const previous = await store.getUserStatus(userId);
  const links = await store.contactLinks(userId);
  const folderId = await deps.mailbox.ensureContactFolder(user.email);

  const deltaCursorName = cursorNames.mailboxContactsDelta(userId);
  let cursor = (await store.getCursor(deltaCursorName)) ?? null;
  let delta;
  try {
    delta = await deps.mailbox.contactChanges(user.email, folderId, cursor);
  } catch (err) {
    if (!(err instanceof CursorExpiredError)) throw err;
    deps.log('warn', 'mailbox delta cursor expired; listing the whole folder', { userId });
    cursor = null;
    delta = await deps.mailbox.contactChanges(user.email, folderId, null);
  }
  const mailboxFull = cursor === null;
  const salesforceListed = (await store.getCursor(cursorNames.salesforceContactsListed(userId))) === 'yes';
  const salesforceFull = mailboxFull || !salesforceListed;
  outcome.full = mailboxFull || salesforceFull;

  if (!previous || outcome.full) {
    await saveStatus(deps, userId, previous, { state: previous ? 'syncing' : 'initial_sync' });
  }

  const pendingIds = salesforceFull ? [] : await store.pendingSalesforceIds(userId);
  const sfSnapshot = await salesforceSnapshot(deps, user, salesforceFull, pendingIds);
  const mbSnapshot: SideSnapshot = { full: mailboxFull, items: [], deleted: [] };
  for (const change of delta.changes) {
    if (change.kind === 'upsert') mbSnapshot.items.push(change.item);
    else mbSnapshot.deleted.push(change.id);
  }

  const plan = planContacts({
    userId,
    direction: user.configuration.contacts.direction,
    // Both come from the user's Sync_Configuration__c: the admin decides them in Salesforce.
    conflictPolicy: user.configuration.conflictPolicy,
    salt: deps.salt,
    links,
    salesforce: sfSnapshot.snapshot,
    mailbox: mbSnapshot,
    mailboxFields: deps.mailboxFields,
    maxDeleteShare: user.configuration.maxDeleteShare,
  });
  if (plan.halted) {
    outcome.halted = plan.message;
    deps.log('error', 'sync stopped by safety valve', { userId, reason: plan.reason });
    await saveStatus(deps, userId, previous, { state: 'stopped', lastErrorCode: plan.reason, lastError: plan.message });
    return outcome;
  }

  const writes = collectWrites(plan.pairs);
  await executeWrites(contactWriters(deps, user, folderId), writes, deps.log, userId);

  const errors: ItemErrorRow[] = [];
  const now = clock.now().toISOString();
  const { upserts, removals, retryMailbox, retrySalesforceIds, relist } = settle(userId, plan.pairs, writes, errors, now, hashContactFields({}, deps.salt));
  for (const w of writes) if (w.result?.ok) outcome.writes[w.target]++;
  const conflicts = conflictRows(userId, plan.pairs, user.configuration.conflictPolicy, now);
  outcome.conflicts = conflicts.length;
  for (const pair of plan.pairs) {
    for (const c of pair.conflicts) {
      deps.log('info', 'field conflict resolved by policy', { userId, sfId: pair.sfId, mbId: pair.mbId, field: c.field, winner: c.winner });
    }
  }
  for (const w of sfSnapshot.warnings) errors.push(w);
  for (const [id, warnings] of Object.entries(delta.warnings)) errors.push(...warningRows(userId, 'mailbox', id, warnings, now));

  await store.saveContactLinks(upserts, removals);
  if (relist.has('mailbox')) await store.setCursor(deltaCursorName, undefined);
  else if (!retryMailbox) await store.setCursor(deltaCursorName, delta.cursor);
  if (relist.has('salesforce')) await store.setCursor(cursorNames.salesforceContactsListed(userId), undefined);
  else if (salesforceFull && retrySalesforceIds.size === 0) await store.setCursor(cursorNames.salesforceContactsListed(userId), 'yes');
  const processed = pendingIds.filter((id) => !retrySalesforceIds.has(id));
  if (processed.length > 0) await store.clearPendingSalesforceIds(userId, processed);
  if (retrySalesforceIds.size > 0) await store.addPendingSalesforceIds(userId, [...retrySalesforceIds]);

  const touched = new Set<string>([...sfSnapshot.snapshot.items.map((i) => i.id), ...sfSnapshot.snapshot.deleted, ...mbSnapshot.items.map((i) => i.id), ...mbSnapshot.deleted]);
  const before = await store.itemErrors(userId, 'contact');
  const onRecord = conflictsOnRecord(before, conflicts, clock.now().getTime());
  // Decided conflicts stay on record for a week; other problems of contacts this pass did not read still stand.
  const kept = before.filter((e) => (e.code === 'policy_conflict' ? onRecord.has(e) : !outcome.full && !touched.has(e.itemId)));
  const allErrors = [...kept, ...errors, ...conflicts];
  await store.setItemErrors(userId, allErrors, 'contact');

  const linkedNow = await store.contactLinks(userId);
  outcome.linked = linkedNow.length;
  outcome.failures = errors.filter(isFailureRow).length;
  const direction = user.configuration.contacts.direction;
  // The newest error still standing, not just this pass's: a quiet pass must not hide an unfixed contact.
  const standing = allErrors.filter(isFailureRow);
  const lastFailure = newestRow(standing);
  await saveStatus(deps, userId, previous, {
    state: retryMailbox || retrySalesforceIds.size > 0 ? 'error' : 'idle',
    lastSyncToMailbox: direction !== 'mailbox_to_salesforce' ? now : previous?.lastSyncToMailbox,
    lastSyncToSalesforce: direction !== 'salesforce_to_mailbox' ? now : previous?.lastSyncToSalesforce,
    contactsLinked: linkedNow.length,
    contactsFailed: standing.length,
    lastErrorCode: lastFailure?.code,
    lastError: lastFailure?.message,
  });
  return outcome;
}

async function salesforceSnapshot(
  deps: ContactSyncDeps,
  user: SyncUser,
  full: boolean,
  pendingIds: string[],
): Promise<{ snapshot: SideSnapshot; warnings: ItemErrorRow[] }> {
  const now = deps.clock.now().toISOString();
  const warnings: ItemErrorRow[] = [];
  if (full) {
    const items = await deps.salesforce.listOwnedContacts(user.userId);
    for (const i of items) warnings.push(...warningRows(user.userId, 'salesforce', i.id, i.warnings, now));
    return { snapshot: { full: true, items: items.map(({ id, version, data }) => ({ id, version, data })), deleted: [] }, warnings };
  }
  if (pendingIds.length === 0) return { snapshot: { full: false, items: [], deleted: [] }, warnings };
  const found = await deps.salesforce.getContacts(pendingIds);
  // A contact that left the user's scope (deleted, or now owned by someone else) is gone for this user's mailbox.
  const inScope = found.filter((c) => c.ownerId === user.userId);
  const inScopeIds = new Set(inScope.map((c) => c.id));
  for (const i of inScope) warnings.push(...warningRows(user.userId, 'salesforce', i.id, i.warnings, now));
  return {
    snapshot: {
      full: false,
      items: inScope.map(({ id, version, data }) => ({ id, version, data })),
      deleted: pendingIds.filter((id) => !inScopeIds.has(id)),
    },
    warnings,
  };
}

function contactWriters(deps: ContactSyncDeps, user: SyncUser, folderId: string): Record<Target, SideWriter<ContactFields>> {
  return {
    mailbox: {
      delete: (ws) => deps.mailbox.deleteContacts(user.email, ws.map((w) => w.pair.mbId!)),
      update: (ws) => deps.mailbox.updateContacts(user.email, ws.map((w) => ({ id: w.pair.mbId!, version: w.op.version || undefined, set: w.op.set }))),
      create: (ws) => deps.mailbox.createContacts(user.email, folderId, ws.map((w) => w.op.data)),
    },
    salesforce: {
      delete: (ws) => deps.salesforce.deleteContacts(user.userId, ws.map((w) => w.pair.sfId!)),
      update: (ws) => deps.salesforce.updateContacts(user.userId, ws.map((w) => ({ id: w.pair.sfId!, set: w.op.set }))),
      create: (ws) => deps.salesforce.createContacts(user.userId, ws.map((w) => ({ ownerId: user.userId, data: w.op.data }))),
    },
  };
}

async function saveStatus(
  deps: ContactSyncDeps,
  userId: string,
  previous: UserStatusRow | undefined,
  patch: Partial<UserStatusRow>,
): Promise<void> {
  const row: UserStatusRow = {
    userId,
    state: 'idle',
    contactsLinked: 0,
    contactsFailed: 0,
    ...previous,
    ...patch,
    updatedAt: deps.clock.now().toISOString(),
  };
  await deps.store.saveUserStatus(row);
}

export type { ContactFields };
