/**
 * What the org tells the streaming side after each committed transaction: one ChangeRecord per
 * Change Data Capture event, with Salesforce's merging (the same change to several records of one
 * object in one transaction becomes one event listing every record id).
 */
import { randomUUID } from 'node:crypto';

export interface ChangeRecord {
  entityName: string;
  changeType: 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE';
  recordIds: string[];
  changedFields: string[];
  nulledFields: string[];
  commitUser: string;
  commitTimestamp: number;
  commitNumber: number;
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  /** Values: all non-null fields on CREATE, changed fields on UPDATE, none on DELETE. */
  fields: Record<string, unknown>;
}

/** A platform event published through the REST API (POST /sobjects/X__e). */
export interface PlatformEventMessage {
  eventName: string;
  /** Field values as the CometD payload carries them (CreatedDate, CreatedById, EventUuid and custom fields). */
  fields: Record<string, unknown>;
  publishedAt: number;
}

/** Event names on OrgEmulator.changes. */
export const CHANGE_EVENT = 'change';
export const PLATFORM_EVENT = 'platformEvent';

export interface PendingChange {
  entityName: string;
  changeType: ChangeRecord['changeType'];
  recordId: string;
  changedFields: string[];
  nulledFields: string[];
  fields: Record<string, unknown>;
}

export interface CommitInfo {
  commitUser: string;
  commitTimestamp: number;
  commitNumber: number;
  changeOrigin: string;
}

/** Groups a transaction's changes into events, in order of each group's first change. */
export function buildChangeRecords(pending: PendingChange[], commit: CommitInfo): ChangeRecord[] {
  const groups = new Map<string, ChangeRecord>();
  const transactionKey = randomUUID();
  for (const p of pending) {
    const key = JSON.stringify([p.entityName, p.changeType, p.changedFields, p.nulledFields, p.fields]);
    const existing = groups.get(key);
    if (existing) {
      existing.recordIds.push(p.recordId);
      continue;
    }
    groups.set(key, {
      entityName: p.entityName,
      changeType: p.changeType,
      recordIds: [p.recordId],
      changedFields: p.changedFields,
      nulledFields: p.nulledFields,
      ...commit,
      transactionKey,
      sequenceNumber: groups.size + 1,
      fields: p.fields,
    });
  }
  return [...groups.values()];
}
