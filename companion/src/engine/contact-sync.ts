/**
 * One sync pass for one user's contacts: read both sides, plan, write, then record links and
 * cursors. Per-item failures never stop the pass; cursors only move past what was applied, so a
 * crash or a retryable failure means the next pass re-reads and re-applies (idempotently).
 */
import type { ContactField, ContactFields, MappingWarning } from '../core/contact.ts';
import { planContacts, type PairPlan, type SideSnapshot, type WriteOp } from '../core/contact-plan.ts';
import { hashContactFields } from '../core/hash.ts';
import type { ContactLink } from '../core/sync-types.ts';
import type { ItemError, WriteResult } from '../ports/items.ts';
import { CursorExpiredError, type MailboxContactsPort } from '../ports/mailbox.ts';
import type { SalesforcePort, SyncUser } from '../ports/salesforce.ts';
import type { ItemErrorRow, StateStore, UserStatusRow } from '../ports/state.ts';
import type { Clock } from '../ports/clock.ts';
import type { Log } from '../ports/log.ts';
import { cursorNames } from './cursors.ts';

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

type Target = 'mailbox' | 'salesforce';

interface PendingWrite {
  pair: PairPlan;
  target: Target;
  op: WriteOp;
  result?: WriteResult;
}

const GONE_CODES = new Set(['NOT_FOUND', 'ENTITY_IS_DELETED', 'ErrorItemNotFound', 'ResourceNotFound', 'not_found']);

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
  await executeWrites(deps, user, folderId, writes);

  const errors: ItemErrorRow[] = [];
  const now = clock.now().toISOString();
  const { upserts, removals, retryMailbox, retrySalesforceIds, relist } = settle(deps, userId, plan.pairs, writes, errors, now);
  for (const w of writes) if (w.result?.ok) outcome.writes[w.target]++;
  outcome.conflicts = plan.pairs.reduce((n, p) => n + p.conflicts.length, 0);
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
  const kept = outcome.full ? [] : (await store.itemErrors(userId)).filter((e) => !touched.has(e.itemId));
  const allErrors = [...kept, ...errors];
  await store.setItemErrors(userId, allErrors);

  const linkedNow = await store.contactLinks(userId);
  outcome.linked = linkedNow.length;
  outcome.failures = errors.filter((e) => e.code !== 'unresolved').length;
  const direction = user.configuration.contacts.direction;
  // The newest error still standing, not just this pass's: a quiet pass must not hide an unfixed contact.
  const standing = allErrors.filter((e) => e.code !== 'unresolved');
  const lastFailure = standing.reduce<ItemErrorRow | undefined>((a, e) => (!a || e.at >= a.at ? e : a), undefined);
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

function collectWrites(pairs: PairPlan[]): PendingWrite[] {
  const writes: PendingWrite[] = [];
  for (const pair of pairs) {
    if (pair.toMailbox) writes.push({ pair, target: 'mailbox', op: pair.toMailbox });
    if (pair.toSalesforce) writes.push({ pair, target: 'salesforce', op: pair.toSalesforce });
  }
  return writes;
}

async function executeWrites(deps: ContactSyncDeps, user: SyncUser, folderId: string, writes: PendingWrite[]): Promise<void> {
  const group = (target: Target, op: WriteOp['op']) => writes.filter((w) => w.target === target && w.op.op === op);
  const assign = (ws: PendingWrite[], results: WriteResult[]) => {
    ws.forEach((w, i) => {
      w.result = results[i] ?? { ok: false, error: { code: 'no_result', message: 'the connector returned no result for this item', retryable: true } };
    });
  };
  const guard = async (ws: PendingWrite[], run: () => Promise<WriteResult[]>) => {
    if (ws.length === 0) return;
    try {
      assign(ws, await run());
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      deps.log('warn', 'batch write failed; items will be retried', { userId: user.userId, count: ws.length, error: message });
      assign(ws, ws.map(() => ({ ok: false, error: { code: 'request_failed', message, retryable: true } })));
    }
  };

  const mbDeletes = group('mailbox', 'delete');
  await guard(mbDeletes, () => deps.mailbox.deleteContacts(user.email, mbDeletes.map((w) => w.pair.mbId!)));
  const mbUpdates = group('mailbox', 'update');
  await guard(mbUpdates, () =>
    deps.mailbox.updateContacts(
      user.email,
      mbUpdates.map((w) => {
        const op = w.op as Extract<WriteOp, { op: 'update' }>;
        return { id: w.pair.mbId!, version: op.version || undefined, set: op.set };
      }),
    ),
  );
  const mbCreates = group('mailbox', 'create');
  await guard(mbCreates, () => deps.mailbox.createContacts(user.email, folderId, mbCreates.map((w) => (w.op as Extract<WriteOp, { op: 'create' }>).data)));

  const sfDeletes = group('salesforce', 'delete');
  await guard(sfDeletes, () => deps.salesforce.deleteContacts(user.userId, sfDeletes.map((w) => w.pair.sfId!)));
  const sfUpdates = group('salesforce', 'update');
  await guard(sfUpdates, () =>
    deps.salesforce.updateContacts(
      user.userId,
      sfUpdates.map((w) => ({ id: w.pair.sfId!, set: (w.op as Extract<WriteOp, { op: 'update' }>).set })),
    ),
  );
  const sfCreates = group('salesforce', 'create');
  await guard(sfCreates, () =>
    deps.salesforce.createContacts(
      user.userId,
      sfCreates.map((w) => ({ ownerId: user.userId, data: (w.op as Extract<WriteOp, { op: 'create' }>).data })),
    ),
  );
}

interface Settlement {
  upserts: ContactLink[];
  removals: Array<{ userId: string; sfId: string }>;
  /** A retryable failure on a mailbox-originated change: keep the delta cursor so it is read again. */
  retryMailbox: boolean;
  /** Salesforce ids to look at again next pass (retryable failures on Salesforce-originated changes). */
  retrySalesforceIds: Set<string>;
  /**
   * Sides where a create failed in a way that may have created the item after all (timeout,
   * dropped connection). The next pass lists that side in full, so pairing by e-mail and name
   * adopts such an orphan instead of creating it a second time.
   */
  relist: Set<Target>;
}

/** Turns write results into the links to store: agreed hashes move only for writes that succeeded. */
function settle(
  deps: ContactSyncDeps,
  userId: string,
  pairs: PairPlan[],
  writes: PendingWrite[],
  errors: ItemErrorRow[],
  now: string,
): Settlement {
  const out: Settlement = { upserts: [], removals: [], retryMailbox: false, retrySalesforceIds: new Set(), relist: new Set() };
  const absentHashes = hashContactFields({}, deps.salt);
  const byPair = new Map<PairPlan, PendingWrite[]>();
  for (const w of writes) byPair.set(w.pair, [...(byPair.get(w.pair) ?? []), w]);

  for (const pair of pairs) {
    const pw = byPair.get(pair) ?? [];
    let sfId = pair.sfId;
    let mbId = pair.mbId;
    let sfVersion = pair.sfVersion ?? pair.base?.sfVersion ?? '';
    let mbVersion = pair.mbVersion ?? pair.base?.mbVersion ?? '';
    const hashes = { ...(pair.base?.hashes ?? {}), ...pair.agreed };
    let deleteFailed = false;
    let createFailed = false;

    for (const w of pw) {
      const r = w.result!;
      const ok = r.ok || (w.op.op === 'delete' && GONE_CODES.has(r.error.code));
      if (!ok) {
        const error = (r as { ok: false; error: ItemError }).error;
        // The change came from the other side; the failure is reported against the item we tried to write from.
        const sourceSide: Target = w.target === 'mailbox' ? 'salesforce' : 'mailbox';
        const sourceId = sourceSide === 'salesforce' ? (pair.sfId ?? pair.base?.sfId) : (pair.mbId ?? pair.base?.mbId);
        errors.push({
          userId,
          side: w.target,
          itemId: (w.target === 'mailbox' ? (pair.mbId ?? pair.sfId) : (pair.sfId ?? pair.mbId)) ?? '',
          code: error.code,
          message: error.message,
          fields: error.fields ?? [],
          at: now,
        });
        if (error.retryable) {
          if (sourceSide === 'mailbox') out.retryMailbox = true;
          else if (sourceId) out.retrySalesforceIds.add(sourceId);
          if (w.op.op === 'create') out.relist.add(w.target);
        }
        if (w.op.op === 'delete') deleteFailed = true;
        if (w.op.op === 'create') createFailed = true;
        continue;
      }
      if (w.op.op === 'delete') continue;
      const agreed = { ...w.op.agreed };
      if (r.ok) {
        if (w.target === 'mailbox') {
          if (w.op.op === 'create') mbId = r.id;
          mbVersion = r.version || mbVersion;
        } else {
          if (w.op.op === 'create') sfId = r.id;
          sfVersion = r.version || sfVersion;
        }
        for (const warning of r.warnings ?? []) {
          // Salesforce kept its own value for a field it could not take (e.g. no account by that name): agree on what
          // Salesforce now holds, so the mailbox value stays "changed" and is offered again instead of being wiped.
          if (warning.code === 'unresolved' && w.target === 'salesforce') {
            const f = warning.field as ContactField;
            if (w.op.op === 'create') agreed[f] = absentHashes[f]!;
            else delete agreed[f];
          }
          errors.push({ userId, side: w.target, itemId: w.target === 'salesforce' ? (sfId ?? '') : (mbId ?? ''), code: warning.code, message: warning.message, fields: [warning.field], at: now });
        }
      }
      Object.assign(hashes, agreed);
    }

    if (pair.unlink) {
      const oldSfId = pair.base?.sfId;
      if (oldSfId && !deleteFailed) out.removals.push({ userId, sfId: oldSfId });
      // A re-created item gets a new link below; a plain delete ends here.
      if (pair.reason !== 'recreated') continue;
      if (createFailed) continue;
    }
    if (createFailed || !sfId || !mbId) continue;
    out.upserts.push({ userId, sfId, mbId, sfVersion, mbVersion, hashes });
  }
  return out;
}

function warningRows(userId: string, side: Target, itemId: string, warnings: MappingWarning[], at: string): ItemErrorRow[] {
  return warnings.map((w) => ({ userId, side, itemId, code: w.code, message: w.message, fields: [w.field], at }));
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
