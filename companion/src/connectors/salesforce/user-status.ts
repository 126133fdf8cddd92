/**
 * Per-user sync status written to Sync_User_Status__c, so admins see it in Salesforce. One row per
 * user, upserted on the User_Key__c external id (a lookup cannot be unique), as the integration user.
 */
import { SF } from '../../core/sf-schema.ts';
import type { WriteResult } from '../../ports/items.ts';
import type { PublishedUserStatus, UserStatusRow } from '../../ports/state.ts';
import type { Log } from '../../ports/log.ts';
import type { SalesforceApi } from './api.ts';
import { classify, describeRecordError, describeRequestError, safeCode, safeFieldNames, SalesforceApiError } from './errors.ts';
import { chunk, isSalesforceId } from './soql.ts';

const F = SF.userStatus.fields;

const STATE_VALUES: Record<UserStatusRow['state'], string> = {
  initial_sync: 'Initial_Sync',
  syncing: 'Syncing',
  idle: 'Idle',
  error: 'Error',
  stopped: 'Stopped',
};

/** Field lengths from force-app: Last_Error_Code__c Text(80), Last_Error__c LongTextArea(32768), Last_Conflict__c Text(255). */
const MAX_CODE = 80;
const MAX_ERROR = 32768;
const MAX_CONFLICT = 255;

export function userStatusRecord(row: PublishedUserStatus): Record<string, unknown> {
  return {
    attributes: { type: SF.userStatus.object },
    [F.userKey]: row.userId,
    [F.user]: row.userId,
    [F.state]: STATE_VALUES[row.state],
    [F.lastSyncToMailbox]: row.lastSyncToMailbox ?? null,
    [F.lastSyncToSalesforce]: row.lastSyncToSalesforce ?? null,
    [F.contactsSynced]: row.contactsLinked,
    [F.contactsFailed]: row.contactsFailed,
    // Null, like the other absent values: a user without an events pass yet shows blank, not a zero never measured.
    [F.eventsSynced]: row.eventsLinked ?? null,
    [F.eventsFailed]: row.eventsFailed ?? null,
    [F.lastErrorCode]: row.lastErrorCode ? row.lastErrorCode.slice(0, MAX_CODE) : null,
    [F.lastError]: row.lastError ? row.lastError.slice(0, MAX_ERROR) : null,
    [F.unresolvedItems]: row.unresolvedItems,
    [F.conflictsDecided]: row.conflictsDecided,
    [F.lastConflict]: row.lastConflict ? row.lastConflict.slice(0, MAX_CONFLICT) : null,
  };
}

interface UpsertResult {
  id?: string;
  success?: boolean;
  errors?: Array<{ statusCode?: unknown; message?: unknown; fields?: unknown }>;
}

export async function publishUserStatus(api: SalesforceApi, rows: PublishedUserStatus[], log: Log): Promise<WriteResult[]> {
  const results: WriteResult[] = new Array(rows.length);
  const valid: Array<{ index: number; row: PublishedUserStatus }> = [];
  rows.forEach((row, index) => {
    if (isSalesforceId(row.userId)) valid.push({ index, row });
    else results[index] = { ok: false, error: { code: 'INVALID_ID', message: `status #${index + 1} has no valid user id`, retryable: false } };
  });
  for (const batch of chunk(valid, 200)) {
    let answer: unknown;
    try {
      // An upsert on an external id is safe to repeat.
      answer = await api.call<unknown>(api.integration, 'user status upsert', 'idempotent', () => ({
        method: 'PATCH',
        url: `/composite/sobjects/${SF.userStatus.object}/${F.userKey}`,
        body: JSON.stringify({ allOrNone: false, records: batch.map((b) => userStatusRecord(b.row)) }),
        headers: { 'content-type': 'application/json' },
      }));
    } catch (err) {
      const c = classify(err);
      const text = err instanceof SalesforceApiError ? err.message : describeRequestError('user status upsert', c);
      log('warn', 'salesforce user status upsert failed', { records: batch.length, code: c.code, status: c.status });
      for (const b of batch) results[b.index] = { ok: false, id: b.row.userId, error: { code: safeCode(c.code), message: text, retryable: c.kind !== 'rejected' } };
      continue;
    }
    const list = Array.isArray(answer) ? (answer as UpsertResult[]) : [];
    batch.forEach((b, i) => {
      const r = list[i];
      if (r?.success && typeof r.id === 'string') {
        results[b.index] = { ok: true, id: r.id, version: '' };
        return;
      }
      const e = r?.errors?.[0];
      const code = safeCode(e?.statusCode);
      const fields = safeFieldNames(e?.fields);
      results[b.index] = { ok: false, id: b.row.userId, error: { code, message: describeRecordError(`status of user ${b.row.userId}`, code, fields), fields, retryable: false } };
    });
  }
  return results;
}
