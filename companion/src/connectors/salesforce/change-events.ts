/**
 * CometD change-event message → RecordChangeEvent. Only ids, names of fields and header data
 * leave this function; field values in the payload are never copied.
 */
import type { RecordChangeEvent } from '../../ports/salesforce.ts';
import { isSalesforceId } from './soql.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * True when changeOrigin names our client id, e.g. `com/salesforce/api/rest/61.0;client=syncline`.
 * Options are separated by `;` in current documentation and by `,` in older releases (jsforce
 * itself joins call options with ", "), so both are accepted; the value must match exactly,
 * because a client id such as `syncline-test` is somebody else.
 */
export function isOwnOrigin(changeOrigin: unknown, clientId: string): boolean {
  if (typeof changeOrigin !== 'string' || changeOrigin === '') return false;
  const semi = changeOrigin.indexOf(';');
  if (semi < 0) return false;
  for (const part of changeOrigin.slice(semi + 1).split(/[;,]/)) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim().toLowerCase() === 'client' && part.slice(eq + 1).trim() === clientId) return true;
  }
  return false;
}

export function replayIdOf(message: unknown): number | undefined {
  const data = unwrap(message);
  const raw = data && isObj(data.event) ? data.event.replayId : undefined;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** faye hands listeners `message.data`; tolerate being given the whole message too. */
function unwrap(message: unknown): Obj | undefined {
  if (!isObj(message)) return undefined;
  if (isObj(message.payload) || isObj(message.event)) return message;
  return isObj(message.data) ? message.data : undefined;
}

export function toRecordChangeEvent(message: unknown, clientId: string): RecordChangeEvent | undefined {
  const data = unwrap(message);
  const replayId = replayIdOf(message);
  const payload = data && isObj(data.payload) ? data.payload : undefined;
  const header = payload && isObj(payload.ChangeEventHeader) ? payload.ChangeEventHeader : undefined;
  if (!data || replayId === undefined || !payload || !header) return undefined;

  let changeType = typeof header.changeType === 'string' ? header.changeType : 'UNKNOWN';
  const allIds = strings(header.recordIds);
  const recordIds = allIds.filter(isSalesforceId);
  if (allIds.length > 0 && recordIds.length < allIds.length) {
    // A wildcard such as `003*` stands for "every record with this prefix": treat it like an
    // overflow so the engine reconciles instead of reading a non-id as a missing record.
    changeType = 'GAP_OVERFLOW';
    recordIds.length = 0;
  }
  const changed = new Set([...strings(header.changedFields), ...strings(header.nulledFields), ...strings(header.diffFields)]);
  const ownerId = typeof payload.OwnerId === 'string' && isSalesforceId(payload.OwnerId) ? payload.OwnerId : undefined;
  const commitTimestamp = typeof header.commitTimestamp === 'number' ? header.commitTimestamp : Number(header.commitTimestamp ?? 0) || 0;

  return {
    replayId,
    entity: typeof header.entityName === 'string' ? header.entityName : '',
    changeType,
    recordIds,
    changedFields: [...changed],
    commitUser: typeof header.commitUser === 'string' ? header.commitUser : '',
    commitTimestamp,
    ...(ownerId ? { ownerId } : {}),
    fromUs: isOwnOrigin(header.changeOrigin, clientId),
  };
}
