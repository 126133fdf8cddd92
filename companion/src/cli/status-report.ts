import type { StateStore, ItemErrorRow, UserStatusRow } from '../ports/state.ts';
import type { SyncUser } from '../ports/salesforce.ts';
import { isFailureRow } from '../engine/item-rows.ts';

export interface StatusReport {
  /**
   * Status rows as stored (eventsLinked / eventsFailed absent until the user's first events pass)
   * and every item row of the user: failures, 'unresolved' warnings, 'policy_conflict' notes (a field
   * changed on both sides and decided by the policy) and 'dropped' notes (a value the other side
   * has no place for); notes are informational. buildStatusReport fills in
   * each row's kind ('contact' when the store has none).
   */
  users: Array<UserStatusRow & { email?: string; errors: ItemErrorRow[] }>;
}

/** Notes, not failures (engine/item-rows.ts NOTE_CODES): shown apart, never counted as errors. */
const UNRESOLVED = 'unresolved';
const CONFLICT = 'policy_conflict';

export async function buildStatusReport(store: StateStore, users: SyncUser[]): Promise<StatusReport> {
  const emails = new Map(users.map((u) => [u.userId, u.email]));
  const rows = await store.listUserStatus();
  const known = new Set(rows.map((r) => r.userId));
  // Assigned users not synced yet still show, so an admin sees who is waiting.
  for (const u of users) {
    if (!known.has(u.userId)) rows.push({ userId: u.userId, state: 'initial_sync', contactsLinked: 0, contactsFailed: 0, updatedAt: '' });
  }
  // Rows written before kinds existed are contact rows.
  const errors = (await store.itemErrors()).map((e) => ({ ...e, kind: e.kind ?? 'contact' }));
  return {
    users: rows.map((r) => ({ ...r, email: emails.get(r.userId), errors: errors.filter((e) => e.userId === r.userId) })),
  };
}

const count = (n: number | undefined): string => (n === undefined ? '-' : String(n));

export function formatStatusReport(report: StatusReport, maxErrorsPerUser = 5): string {
  if (report.users.length === 0) return 'No users are assigned to an active sync configuration yet.\n';
  const header = ['USER', 'STATE', 'LAST → MAILBOX', 'LAST → SALESFORCE', 'CONTACTS LINKED', 'CONTACTS FAILED', 'EVENTS LINKED', 'EVENTS FAILED', 'LAST ERROR'];
  const rows = report.users.map((u) => [
    u.email ?? u.userId,
    u.state,
    u.lastSyncToMailbox ?? '-',
    u.lastSyncToSalesforce ?? '-',
    String(u.contactsLinked),
    String(u.contactsFailed),
    // '-': no events pass yet for this user (events off, or not run yet), which is not zero.
    count(u.eventsLinked),
    count(u.eventsFailed),
    u.lastErrorCode ? `${u.lastErrorCode}: ${u.lastError ?? ''}` : '-',
  ]);
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  let out = line(header) + '\n' + rows.map(line).join('\n') + '\n';
  for (const u of report.users) {
    const failures = u.errors.filter(isFailureRow);
    const unresolved = u.errors.filter((e) => e.code === UNRESOLVED);
    const conflicts = u.errors.filter((e) => e.code === CONFLICT);
    const notes = u.errors.filter((e) => !isFailureRow(e) && e.code !== UNRESOLVED && e.code !== CONFLICT);
    if (u.errors.length === 0) continue;
    const item = (e: ItemErrorRow) => `${e.kind ?? 'contact'} ${e.side} ${e.itemId}`;
    out += `\n${u.email ?? u.userId}:\n`;
    for (const e of failures.slice(0, maxErrorsPerUser)) out += `  ✗ ${item(e)} [${e.code}] ${e.message}\n`;
    if (failures.length > maxErrorsPerUser) out += `  … and ${failures.length - maxErrorsPerUser} more errors\n`;
    for (const e of unresolved.slice(0, maxErrorsPerUser)) out += `  ? ${item(e)} ${e.message}\n`;
    if (unresolved.length > maxErrorsPerUser) out += `  … and ${unresolved.length - maxErrorsPerUser} more unresolved\n`;
    for (const e of notes.slice(0, maxErrorsPerUser)) out += `  i ${item(e)} [${e.code}] ${e.message}\n`;
    if (notes.length > maxErrorsPerUser) out += `  … and ${notes.length - maxErrorsPerUser} more notes\n`;
    if (conflicts.length > 0) {
      out += `  conflicts decided by the conflict policy (informational, not failures):\n`;
      for (const e of conflicts.slice(0, maxErrorsPerUser)) out += `    ~ ${item(e)} at ${e.at}: ${e.message}\n`;
      if (conflicts.length > maxErrorsPerUser) out += `    … and ${conflicts.length - maxErrorsPerUser} more conflicts\n`;
    }
  }
  return out;
}
