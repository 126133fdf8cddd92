/**
 * The per-item rows a pass records for the rep's status (ports/state.ts ItemErrorRow): ids, field
 * names, codes and times — never values. Shared by the contact and event passes.
 */
import type { MappingWarning } from '../core/contact.ts';
import type { PairPlan } from '../core/pair-plan.ts';
import type { ItemErrorRow } from '../ports/state.ts';
import type { Target } from './pair-writes.ts';

/**
 * Codes of rows that are notes for the rep, not failures: an item left for the rep to settle, a
 * conflict the policy decided, a value the other side has no place for. The item itself synced
 * (or waits on the rep), so these are never counted as failed nor retried.
 */
export const NOTE_CODES: ReadonlySet<string> = new Set(['unresolved', 'policy_conflict', 'dropped']);
export const isFailureRow = (row: Pick<ItemErrorRow, 'code'>): boolean => !NOTE_CODES.has(row.code);

/** Decided conflicts stay on record this long, whatever happens to the item since. */
const CONFLICT_RECORD_MS = 7 * 86_400_000;

/**
 * The conflict rows of `before` still on record at `nowMs`: at most a week old, and not replaced
 * by a fresh decision on the same item and field (one row per item and field).
 */
export function conflictsOnRecord(before: ItemErrorRow[], fresh: ItemErrorRow[], nowMs: number): Set<ItemErrorRow> {
  const since = new Date(nowMs - CONFLICT_RECORD_MS).toISOString();
  const key = (e: ItemErrorRow) => `${e.itemId}\u0000${e.fields[0]}`;
  const replaced = new Set(fresh.map(key));
  return new Set(before.filter((e) => e.code === 'policy_conflict' && e.at >= since && !replaced.has(key(e))));
}

export function warningRows(userId: string, side: Target, itemId: string, warnings: MappingWarning[], at: string): ItemErrorRow[] {
  return warnings.map((w) => ({ userId, side, itemId, code: w.code, message: w.message, fields: [w.field], at }));
}

/** The most recent row (the later one on a tie), for the status's "last error". */
export function newestRow(rows: ItemErrorRow[]): ItemErrorRow | undefined {
  return rows.reduce<ItemErrorRow | undefined>((a, e) => (!a || e.at >= a.at ? e : a), undefined);
}

/** Conflicts a policy decided, as status rows: the field and the time, never the values. */
export function conflictRows<F>(userId: string, pairs: PairPlan<F>[], policy: string, now: string): ItemErrorRow[] {
  const rows: ItemErrorRow[] = [];
  for (const pair of pairs) {
    for (const c of pair.conflicts) {
      const loser: Target = c.winner === 'salesforce' ? 'mailbox' : 'salesforce';
      const itemId = (loser === 'mailbox' ? pair.mbId : pair.sfId) ?? '';
      const kept = c.winner === 'salesforce' ? 'Salesforce' : 'the mailbox';
      rows.push({
        userId,
        side: loser,
        itemId,
        code: 'policy_conflict',
        // Two copies matched in this pass have no last sync to speak of.
        message:
          pair.reason === 'paired'
            ? `${c.field} differed between the two copies when they were paired; the value from ${kept} was kept (policy ${policy})`
            : `${c.field} was changed on both sides since the last sync; the value from ${kept} was kept (policy ${policy})`,
        fields: [c.field],
        at: now,
      });
    }
  }
  return rows;
}
