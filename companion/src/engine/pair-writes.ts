/**
 * Carrying out a plan's writes and turning their results into links: shared by every kind of
 * item. Writes are grouped per side and operation so each goes out as one batch; a batch that
 * throws fails only its own items (retryably), and agreed hashes move only for writes that succeeded.
 */
import type { PairPlan, UnsettledCreate, WriteOp } from '../core/pair-plan.ts';
import type { ItemLink, UnsettledWrite } from '../core/sync-types.ts';
import type { WriteResult } from '../ports/items.ts';
import type { ItemErrorRow } from '../ports/state.ts';
import type { Log } from '../ports/log.ts';

export type Target = 'mailbox' | 'salesforce';

export interface PendingWrite<F> {
  pair: PairPlan<F>;
  target: Target;
  op: WriteOp<F>;
  /** A create's idempotency key, where the target side takes one (set by the engine before writing). */
  key?: string;
  result?: WriteResult;
}

export type CreateWrite<F> = PendingWrite<F> & { op: Extract<WriteOp<F>, { op: 'create' }> };
export type UpdateWrite<F> = PendingWrite<F> & { op: Extract<WriteOp<F>, { op: 'update' }> };

/** One side's writes for one kind of item; results come back in the order of the items. */
export interface SideWriter<F> {
  delete(writes: PendingWrite<F>[]): Promise<WriteResult[]>;
  update(writes: UpdateWrite<F>[]): Promise<WriteResult[]>;
  create(writes: CreateWrite<F>[]): Promise<WriteResult[]>;
}

export function collectWrites<F>(pairs: PairPlan<F>[]): PendingWrite<F>[] {
  const writes: PendingWrite<F>[] = [];
  for (const pair of pairs) {
    if (pair.toMailbox) writes.push({ pair, target: 'mailbox', op: pair.toMailbox });
    if (pair.replaces) writes.push({ pair, target: 'salesforce', op: { op: 'delete' } });
    if (pair.toSalesforce) writes.push({ pair, target: 'salesforce', op: pair.toSalesforce });
  }
  return writes;
}

/**
 * Runs one batch call for `items` and gives each its result. The call never fails the pass: if it
 * throws, every item fails retryably (`onThrow` logs it), and an item the connector gave no result
 * for fails retryably too.
 */
export async function runWriteBatch<W extends { result?: WriteResult }>(items: W[], call: () => Promise<WriteResult[]>, onThrow: (err: unknown) => void): Promise<void> {
  if (items.length === 0) return;
  let results: WriteResult[];
  try {
    results = await call();
  } catch (err) {
    onThrow(err);
    const message = err instanceof Error ? err.message : String(err);
    results = items.map(() => ({ ok: false, error: { code: 'request_failed', message, retryable: true } }));
  }
  items.forEach((item, i) => {
    item.result = results[i] ?? { ok: false, error: { code: 'no_result', message: 'the connector returned no result for this item', retryable: true } };
  });
}

/** Mailbox first, then Salesforce; on each side deletes, then updates, then creates. */
export async function executeWrites<F>(
  writers: Record<Target, SideWriter<F>>,
  writes: PendingWrite<F>[],
  log: Log,
  userId: string,
): Promise<void> {
  const guard = <W extends PendingWrite<F>>(ws: W[], run: (ws: W[]) => Promise<WriteResult[]>) =>
    runWriteBatch(ws, () => run(ws), (err) => {
      log('warn', 'batch write failed; items will be retried', { userId, count: ws.length, error: err instanceof Error ? err.message : String(err) });
    });
  for (const target of ['mailbox', 'salesforce'] as const) {
    const writer = writers[target];
    const mine = writes.filter((w) => w.target === target);
    await guard(mine.filter((w) => w.op.op === 'delete'), (ws) => writer.delete(ws));
    await guard(mine.filter((w): w is UpdateWrite<F> => w.op.op === 'update'), (ws) => writer.update(ws));
    // A replacement is created only once the item it replaces is gone, so the two never stand side by side.
    const blocked = new Set(mine.filter((w) => w.op.op === 'delete' && w.pair.replaces !== undefined && !w.result?.ok).map((w) => w.pair));
    for (const w of mine) {
      if (w.op.op === 'create' && blocked.has(w.pair)) {
        w.result = { ok: false, error: { code: 'replace_blocked', message: `${w.pair.replaces} could not be deleted, so its replacement was not created; tried again next pass`, retryable: false } };
      }
    }
    await guard(mine.filter((w): w is CreateWrite<F> => w.op.op === 'create' && !blocked.has(w.pair)), (ws) => writer.create(ws));
  }
}

export interface Settlement {
  upserts: ItemLink[];
  removals: Array<{ userId: string; sfId: string }>;
  /** A retryable failure on a mailbox-originated change: keep the delta cursor so it is read again. */
  retryMailbox: boolean;
  /** Salesforce ids to look at again next pass (retryable failures on Salesforce-originated changes). */
  retrySalesforceIds: Set<string>;
  /**
   * Sides where a create failed in a way that may have created the item after all (timeout,
   * dropped connection). The next pass lists that side in full, so pairing adopts such an
   * orphan instead of creating it a second time.
   */
  relist: Set<Target>;
  /** Creates that failed in a way that may have applied them: the next pass looks for their result first. */
  unsettledCreates: UnsettledCreate[];
}

/**
 * Turns write results into the links to store: agreed hashes move only for writes that succeeded.
 * `absentHashes` are the hashes of an empty item: a field Salesforce could not take on create
 * ('unresolved' warning) is agreed as empty, so the mailbox value is offered again later.
 */
export function settle<F>(
  userId: string,
  pairs: PairPlan<F>[],
  writes: PendingWrite<F>[],
  errors: ItemErrorRow[],
  now: string,
  absentHashes: Record<string, string>,
): Settlement {
  const out: Settlement = { upserts: [], removals: [], retryMailbox: false, retrySalesforceIds: new Set(), relist: new Set(), unsettledCreates: [] };
  const byPair = new Map<PairPlan<F>, PendingWrite<F>[]>();
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
    // What may have been written although the request failed (a timeout, a dropped connection).
    const unsettled: Partial<Record<Target, UnsettledWrite>> = { ...(pair.unsettled ?? {}) };

    for (const w of pw) {
      const r = w.result!;
      // "Already gone" is a successful delete by the ports' contract: every failure here is one.
      if (!r.ok) {
        const error = r.error;
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
          if (w.op.op === 'update') unsettled[w.target] = { hashes: { ...w.op.agreed } };
          if (w.op.op === 'delete') unsettled[w.target] = { delete: true };
          if (w.op.op === 'create' && sourceId) out.unsettledCreates.push({ from: sourceSide, sourceId, hashes: { ...w.op.agreed }, ...(w.key ? { key: w.key } : {}) });
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
            if (w.op.op === 'create') agreed[warning.field] = absentHashes[warning.field]!;
            else delete agreed[warning.field];
          }
          errors.push({ userId, side: w.target, itemId: w.target === 'salesforce' ? (sfId ?? '') : (mbId ?? ''), code: warning.code, message: warning.message, fields: [warning.field], at: now });
        }
      }
      Object.assign(hashes, agreed);
    }

    const states = {
      ...(pair.parked ? { parked: pair.parked } : {}),
      ...(Object.keys(unsettled).length > 0 ? { unsettled } : {}),
    };
    // A replaced item is gone once its delete succeeded, whether or not the replacement was created.
    if (pair.replaces && !deleteFailed) out.removals.push({ userId, sfId: pair.replaces });
    if (pair.replaces && deleteFailed) {
      // Its replacement waits for the delete. The link stays as it was, with the delete noted as
      // unsettled, so a delete that did land is known next pass as ours, not taken for the rep's.
      if (pair.base) out.upserts.push({ ...pair.base, ...states });
      continue;
    }
    if (pair.unlink) {
      const old = pair.base;
      if (deleteFailed) {
        // The pair stays until the delete is known to have landed (or not): the next pass reads both copies.
        if (old) out.upserts.push({ ...old, ...states });
        continue;
      }
      if (old) out.removals.push({ userId, sfId: old.sfId });
      // A re-created item gets a new link below; a plain delete ends here.
      if (pair.reason !== 'recreated') continue;
      if (createFailed) continue;
    }
    if (createFailed || !sfId || !mbId) continue;
    out.upserts.push({ userId, sfId, mbId, sfVersion, mbVersion, hashes, ...states });
  }
  return out;
}

/**
 * One item is never linked twice. A side that answers a create with an item already linked (an
 * idempotency key reused, an orphan adopted twice) would otherwise make the whole save fail after
 * the writes; the newer claim is dropped and reported instead, and the next pass starts from the sides.
 */
export function dropDoubleClaims(settlement: Settlement, existing: ItemLink[], errors: ItemErrorRow[], now: string): void {
  const removed = new Set(settlement.removals.map((r) => r.sfId));
  const upserted = new Set(settlement.upserts.map((l) => l.sfId));
  const holder = new Map<string, string>();
  for (const l of existing) if (!removed.has(l.sfId) && !upserted.has(l.sfId)) holder.set(l.mbId, l.sfId);
  const kept: ItemLink[] = [];
  // Links that existed before this pass claim first.
  const known = new Set(existing.map((l) => l.sfId));
  const ordered = [...settlement.upserts.filter((l) => known.has(l.sfId)), ...settlement.upserts.filter((l) => !known.has(l.sfId))];
  for (const l of ordered) {
    const other = holder.get(l.mbId);
    if (other !== undefined && other !== l.sfId) {
      errors.push({ userId: l.userId, side: 'mailbox', itemId: l.mbId, code: 'double_link', message: `mailbox item ${l.mbId} is already linked to ${other}; not linked to ${l.sfId} as well`, fields: [], at: now });
      continue;
    }
    holder.set(l.mbId, l.sfId);
    kept.push(l);
  }
  settlement.upserts = kept;
}
