/**
 * SOQL errors point into the query the way Salesforce prints them: a window of the query, a caret
 * under the offending token, "ERROR at Row:r:Column:c", then the reason.
 */
import { SfError } from '../errors.ts';

export class SoqlError extends Error {
  constructor(
    readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' | 'INVALID_QUERY_FILTER_OPERATOR' | 'NUMBER_OUTSIDE_VALID_RANGE',
    readonly reason: string,
    /** 0-based offset of the offending token; undefined for errors Salesforce reports without position. */
    readonly pos?: number,
  ) {
    super(reason);
  }
}

const BEFORE = 45;
const AFTER = 35;

export function formatSoqlError(query: string, err: SoqlError): SfError {
  if (err.pos === undefined) return new SfError(err.errorCode, err.reason);
  const before = query.slice(0, err.pos);
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEndRaw = query.indexOf('\n', err.pos);
  const lineEnd = lineEndRaw < 0 ? query.length : lineEndRaw;
  const column = err.pos - lineStart + 1;
  let from = Math.max(lineStart, err.pos - BEFORE);
  while (from > lineStart && /\S/.test(query.charAt(from - 1))) from--;
  let to = Math.min(lineEnd, err.pos + AFTER);
  while (to < lineEnd && /\S/.test(query.charAt(to))) to++;
  const snippet = query.slice(from, to);
  const caret = ' '.repeat(err.pos - from) + '^';
  return new SfError(err.errorCode, `\n${snippet}\n${caret}\nERROR at Row:${row}:Column:${column}\n${err.reason}`);
}
