import type { StateStore, ItemErrorRow, UserStatusRow } from '../ports/state.ts';
import type { SyncUser } from '../ports/salesforce.ts';

export interface StatusReport {
  users: Array<UserStatusRow & { email?: string; errors: ItemErrorRow[] }>;
}

export async function buildStatusReport(store: StateStore, users: SyncUser[]): Promise<StatusReport> {
  const emails = new Map(users.map((u) => [u.userId, u.email]));
  const rows = await store.listUserStatus();
  const known = new Set(rows.map((r) => r.userId));
  // Assigned users not synced yet still show, so an admin sees who is waiting.
  for (const u of users) {
    if (!known.has(u.userId)) rows.push({ userId: u.userId, state: 'initial_sync', contactsLinked: 0, contactsFailed: 0, updatedAt: '' });
  }
  const errors = await store.itemErrors();
  return {
    users: rows.map((r) => ({ ...r, email: emails.get(r.userId), errors: errors.filter((e) => e.userId === r.userId) })),
  };
}

export function formatStatusReport(report: StatusReport, maxErrorsPerUser = 5): string {
  if (report.users.length === 0) return 'No users are assigned to an active sync configuration yet.\n';
  const header = ['USER', 'STATE', 'LAST → MAILBOX', 'LAST → SALESFORCE', 'LINKED', 'FAILED', 'LAST ERROR'];
  const rows = report.users.map((u) => [
    u.email ?? u.userId,
    u.state,
    u.lastSyncToMailbox ?? '-',
    u.lastSyncToSalesforce ?? '-',
    String(u.contactsLinked),
    String(u.contactsFailed),
    u.lastErrorCode ? `${u.lastErrorCode}: ${u.lastError ?? ''}` : '-',
  ]);
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  let out = line(header) + '\n' + rows.map(line).join('\n') + '\n';
  for (const u of report.users) {
    const failures = u.errors.filter((e) => e.code !== 'unresolved');
    const unresolved = u.errors.filter((e) => e.code === 'unresolved');
    if (failures.length === 0 && unresolved.length === 0) continue;
    out += `\n${u.email ?? u.userId}:\n`;
    for (const e of failures.slice(0, maxErrorsPerUser)) out += `  ✗ ${e.side} ${e.itemId} [${e.code}] ${e.message}\n`;
    if (failures.length > maxErrorsPerUser) out += `  … and ${failures.length - maxErrorsPerUser} more errors\n`;
    for (const e of unresolved.slice(0, maxErrorsPerUser)) out += `  ? ${e.side} ${e.itemId} ${e.message}\n`;
  }
  return out;
}
