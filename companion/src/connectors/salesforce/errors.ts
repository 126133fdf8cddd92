/**
 * How the Salesforce connector names failures. Salesforce error messages echo field values
 * ("data value too large: <value>"), so nothing here ever passes a vendor message through:
 * texts are built from the error code, the HTTP status and field API names only.
 */

/**
 * - session: the token expired or was revoked; get a new one and repeat once.
 * - unsent: the request certainly took no effect (503, 429, connection refused); any request may be repeated.
 * - uncertain: it may have taken effect (500/502/504, a connection reset mid-flight); repeat idempotent requests only.
 * - rejected: a definite answer; repeating gives the same answer.
 */
export type FailureKind = 'session' | 'unsent' | 'uncertain' | 'rejected';

export class SalesforceApiError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  readonly kind: FailureKind;

  constructor(message: string, code: string, kind: FailureKind, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SalesforceApiError';
    this.code = code;
    this.kind = kind;
    this.status = status;
  }

  /** Worth trying again later (the queue decides when). */
  get retryable(): boolean {
    return this.kind === 'unsent' || this.kind === 'uncertain' || this.kind === 'session' || this.code === 'REQUEST_LIMIT_EXCEEDED';
  }
}

/** Connection-level errors raised before any byte reached Salesforce. */
const UNSENT_NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETDOWN', 'ENETUNREACH', 'EHOSTDOWN', 'EHOSTUNREACH']);

export interface Classified {
  code: string;
  kind: FailureKind;
  status: number | undefined;
}

function prop(err: unknown, key: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[key] : undefined;
}

/**
 * Classifies an error thrown by jsforce (HttpApiError carries errorCode), by node-fetch
 * (FetchError carries a system code) or by our own fetch calls, plus the HTTP status when the
 * caller captured it.
 */
export function classify(err: unknown, status?: number): Classified {
  if (err instanceof SalesforceApiError) return { code: err.code, kind: err.kind, status: err.status };
  const errorCode = prop(err, 'errorCode');
  const systemCode = prop(err, 'code');
  const name = prop(err, 'name');
  let code = typeof errorCode === 'string' ? errorCode : typeof systemCode === 'string' ? systemCode : 'UNKNOWN';
  if (code === 'UNKNOWN' && typeof name === 'string' && name !== 'Error') code = name;
  const httpMatch = /^ERROR_HTTP_(\d{3})$/.exec(code);
  const st = status ?? (httpMatch ? Number(httpMatch[1]) : undefined);

  if (code === 'INVALID_SESSION_ID' || st === 401) return { code, kind: 'session', status: st };
  if (st === 503 || st === 429 || code === 'SERVER_UNAVAILABLE') return { code, kind: 'unsent', status: st };
  if (st !== undefined && st >= 500) return { code, kind: 'uncertain', status: st };
  if (st === undefined && typeof systemCode === 'string') {
    // No HTTP answer at all: the network failed.
    return { code, kind: UNSENT_NETWORK_CODES.has(systemCode) ? 'unsent' : 'uncertain', status: st };
  }
  if (st === undefined && (name === 'FetchError' || name === 'TypeError' || name === 'AbortError')) {
    return { code, kind: 'uncertain', status: st };
  }
  return { code, kind: 'rejected', status: st };
}

/** Only API names survive into our texts; anything else from a vendor payload is dropped. */
export function safeFieldNames(fields: unknown): string[] {
  if (!Array.isArray(fields)) return [];
  return fields.filter((f): f is string => typeof f === 'string' && /^[A-Za-z][A-Za-z0-9_.]{0,120}$/.test(f));
}

export function safeCode(code: unknown): string {
  return typeof code === 'string' && /^[A-Z0-9_]{1,80}$/i.test(code) ? code : 'UNKNOWN_ERROR';
}

function fieldPhrase(fields: string[]): string {
  if (fields.length === 0) return '';
  return fields.length === 1 ? `field ${fields[0]}` : `fields ${fields.join(', ')}`;
}

/** "field LastName is required" — from the status code and field names only. */
function rejectionReason(code: string, fields: string[]): string {
  const f = fieldPhrase(fields);
  const plural = fields.length > 1;
  const is = plural ? 'are' : 'is';
  switch (code) {
    case 'REQUIRED_FIELD_MISSING':
      return f ? `${f} ${is} required` : 'a required field is missing';
    case 'STRING_TOO_LONG':
      return f ? `${f} ${is} too long` : 'a value is too long';
    case 'INVALID_EMAIL_ADDRESS':
      return f ? `${f} ${is} not a valid e-mail address` : 'an e-mail address is not valid';
    case 'INVALID_FIELD_FOR_INSERT_UPDATE':
    case 'INVALID_FIELD':
      return f ? `${f} cannot be written` : 'a field cannot be written';
    case 'INVALID_TYPE_ON_FIELD_IN_RECORD':
    case 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST':
    case 'NUMBER_OUTSIDE_VALID_RANGE':
    case 'MALFORMED_ID':
      return f ? `${f} has an invalid value` : 'a value is invalid';
    case 'INVALID_CROSS_REFERENCE_KEY':
      return f ? `${f} refers to a record that does not exist or is not visible` : 'the record does not exist or is not visible';
    case 'ENTITY_IS_DELETED':
      return 'the record is deleted';
    case 'INSUFFICIENT_ACCESS_OR_READONLY':
    case 'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY':
      return 'the acting user lacks access';
    case 'FIELD_CUSTOM_VALIDATION_EXCEPTION':
      return f ? `a validation rule failed on ${f}` : 'a validation rule failed';
    case 'DUPLICATES_DETECTED':
    case 'DUPLICATE_VALUE':
      return 'a duplicate rule or unique field blocked it';
    case 'UNABLE_TO_LOCK_ROW':
      return 'the record is locked by another transaction';
    case 'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY':
      return 'an automation (trigger or flow) failed';
    default:
      return f ? `it was rejected on ${f}` : 'it was rejected';
  }
}

/** Per-record codes where a later attempt may succeed. */
const RETRYABLE_RECORD_CODES = new Set(['UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE', 'REQUEST_LIMIT_EXCEEDED']);

export function recordErrorIsRetryable(code: string): boolean {
  return RETRYABLE_RECORD_CODES.has(code);
}

/** "Salesforce rejected contact 003…: field LastName is required (REQUIRED_FIELD_MISSING)". */
export function describeRecordError(subject: string, code: string, fields: string[]): string {
  return `Salesforce rejected ${subject}: ${rejectionReason(code, fields)} (${code})`;
}

/** Text for a request that failed as a whole; names the status and code, never the body. */
export function describeRequestError(what: string, c: Classified): string {
  const status = c.status !== undefined ? `HTTP ${c.status}, ` : '';
  const later = c.kind === 'unsent' || c.kind === 'uncertain' ? '; it can be retried later' : '';
  return `Salesforce ${what} failed (${status}${safeCode(c.code)})${later}`;
}
