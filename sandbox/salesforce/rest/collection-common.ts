/** Limits, body parsing and per-record errors shared by every sObject Collections operation. */
import { SfError, SfRequestError } from '../errors.ts';
import { isPlainObject, jsonBody, type RestCall } from './context.ts';

export const MAX_COLLECTION = 200;

export const tooManyRecords = (): SfError =>
  new SfError('EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`);

export const rolledBack = (): SfError =>
  new SfError(
    'ALL_OR_NONE_OPERATION_ROLLED_BACK',
    'Record rolled back because not all records were valid and the request was using AllOrNone header',
  );

/** The `{ allOrNone, records: [...] }` body of a Collections create, update or upsert, with the 200-record cap. */
export function collectionBody(call: RestCall): { records: unknown[]; allOrNone: boolean } {
  const body = jsonBody(call);
  if (!isPlainObject(body) || !Array.isArray(body['records'])) {
    throw new SfRequestError('JSON_PARSER_ERROR', 'Cannot deserialize instance of SObjectCollection: "records" must be an array of records');
  }
  const records: unknown[] = body['records'];
  if (records.length > MAX_COLLECTION) throw tooManyRecords();
  return { records, allOrNone: body['allOrNone'] === true || body['allOrNone'] === 'true' };
}
