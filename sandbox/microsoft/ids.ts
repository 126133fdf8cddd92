import { randomBytes, randomUUID } from 'node:crypto';

export const newGuid = (): string => randomUUID();

/**
 * Outlook REST ids: long, URL-safe base64 with '=' padding, mixed case. They are compared
 * case-sensitively, so a client that lower-cases ids breaks here as it would against Exchange.
 * The prefix mimics the real "AAMkA…" shape so ids look familiar in logs.
 */
export function newItemId(): string {
  return 'AAMkA' + randomBytes(104).toString('base64').replaceAll('+', '-').replaceAll('/', '_');
}

/** Exchange change keys are plain base64 (with '/' and '+'), about 40 characters. */
export function newChangeKey(): string {
  return randomBytes(30).toString('base64');
}

/** What Exchange accepts as an id before looking it up; anything else is "Id is malformed". */
export function isWellFormedItemId(id: string): boolean {
  return id.length >= 16 && /^[A-Za-z0-9_-]+=*$/.test(id);
}
