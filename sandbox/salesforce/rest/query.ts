/**
 * GET /query and /queryAll with Salesforce's paging: the first response carries up to batchSize
 * rows (Sforce-Query-Options: batchSize=N, 200..2000, default 2000) and a nextRecordsUrl
 * /services/data/vXX.X/query/<locator>-<offset> for the rest.
 */
import type { Response } from '../../common/server.ts';
import { SfError } from '../errors.ts';
import { SoqlError, formatSoqlError } from '../soql/errors.ts';
import { runSoql } from '../soql/execute.ts';
import { errorResponse, ok, type RestCall } from './context.ts';

const DEFAULT_BATCH = 2000;
const MIN_BATCH = 200;

export function handleQuery(call: RestCall): Response | undefined {
  const [resource, locator, ...extra] = call.segments;
  if ((resource !== 'query' && resource !== 'queryAll') || extra.length) return undefined;
  if (call.req.method !== 'GET') {
    return errorResponse(new SfError('METHOD_NOT_ALLOWED', `HTTP Method '${call.req.method}' not allowed. Allowed are GET,HEAD`, [], 405));
  }
  return locator ? nextPage(call, locator) : firstPage(call, resource === 'queryAll');
}

function batchSize(call: RestCall): number {
  const header = call.req.headers['sforce-query-options'];
  const m = /batchSize\s*=\s*(\d+)/i.exec(Array.isArray(header) ? header.join(',') : (header ?? ''));
  if (!m) return DEFAULT_BATCH;
  return Math.min(DEFAULT_BATCH, Math.max(MIN_BATCH, Number(m[1])));
}

function firstPage(call: RestCall, includeDeleted: boolean): Response {
  const q = call.req.query.get('q');
  if (!q) return errorResponse(new SfError('MALFORMED_QUERY', 'A query string has to be specified'));
  let outcome;
  try {
    outcome = runSoql(call.core.store, q, { includeDeleted, apiVersion: call.version, now: call.core.now() });
  } catch (err) {
    if (err instanceof SoqlError) return errorResponse(formatSoqlError(q, err));
    throw err;
  }
  const size = batchSize(call);
  if (outcome.records.length <= size) return ok({ totalSize: outcome.totalSize, done: true, records: outcome.records });
  const locator = call.core.cursors.open(call.userId, outcome.records, size);
  return ok({
    totalSize: outcome.totalSize,
    done: false,
    nextRecordsUrl: nextUrl(call, locator, size),
    records: outcome.records.slice(0, size),
  });
}

function nextPage(call: RestCall, raw: string): Response {
  const m = /^([A-Za-z0-9]{15,18})-(\d+)$/.exec(raw);
  const page = m?.[1] && m[2] ? call.core.cursors.page(call.userId, m[1], Number(m[2])) : undefined;
  if (!m?.[1] || !page) return errorResponse(new SfError('INVALID_QUERY_LOCATOR', 'invalid query locator'));
  return ok({
    totalSize: page.totalSize,
    done: page.nextOffset === undefined,
    ...(page.nextOffset !== undefined ? { nextRecordsUrl: nextUrl(call, m[1], page.nextOffset) } : {}),
    records: page.rows,
  });
}

const nextUrl = (call: RestCall, locator: string, offset: number): string =>
  `/services/data/v${call.version}/query/${locator}-${offset}`;
