/**
 * Salesforce's two error shapes: REST resources answer `[{message, errorCode, fields?}]`, and the
 * per-record results of sObject Collections carry `{statusCode, message, fields}`. One class holds
 * both; the REST layer picks the shape.
 */

export class SfError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
    readonly fields: string[] = [],
    readonly status = 400,
  ) {
    super(message);
    this.name = errorCode;
  }

  /** Body element for a REST error response. */
  toRest(): { message: string; errorCode: string; fields?: string[] } {
    return this.fields.length ? { message: this.message, errorCode: this.errorCode, fields: this.fields } : { message: this.message, errorCode: this.errorCode };
  }

  /** Element of a SaveResult's `errors` array. */
  toSaveError(): { statusCode: string; message: string; fields: string[] } {
    return { statusCode: this.errorCode, message: this.message, fields: this.fields };
  }
}

/**
 * A problem with the request as a whole (Salesforce fails these while deserializing the body,
 * before any record is processed), as opposed to a record that fails validation.
 */
export class SfRequestError extends SfError {
  /** For JSON_PARSER_ERROR: the field whose value could not be read, to point at it in the body. */
  constructor(errorCode: string, message: string, readonly field?: string, status = 400) {
    super(errorCode, message, [], status);
  }
}

export const notFound = (): SfError => new SfError('NOT_FOUND', 'The requested resource does not exist', [], 404);

export const invalidSession = (): SfError => new SfError('INVALID_SESSION_ID', 'Session expired or invalid', [], 401);

export const requestLimitExceeded = (): SfError =>
  new SfError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.', [], 403);

export const methodNotAllowed = (method: string, allowed: string[]): SfError =>
  new SfError('METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are ${allowed.join(',')}`, [], 405);
