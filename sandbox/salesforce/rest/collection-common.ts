/** Limits and per-record errors shared by every sObject Collections operation. */
import { SfError } from '../errors.ts';

export const MAX_COLLECTION = 200;

export const tooManyRecords = (): SfError =>
  new SfError('EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`);

export const rolledBack = (): SfError =>
  new SfError(
    'ALL_OR_NONE_OPERATION_ROLLED_BACK',
    'Record rolled back because not all records were valid and the request was using AllOrNone header',
  );
