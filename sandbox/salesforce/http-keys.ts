/** How the org emulator counts requests and what it answers for injected faults. */
import type { Response } from '../common/server.ts';
import { normalizeId, keyPrefixOf } from './ids.ts';

/**
 * "GET /services/data/v*\/sobjects/Contact/{id}": versions, record ids and query locators
 * normalised out, so a benchmark sees one key per endpoint. `knownPrefix` keeps object names that
 * happen to look like ids (ContentDocument) from being mistaken for one.
 */
export function counterKey(knownPrefix: (prefix: string) => boolean): (method: string, path: string) => string {
  return (method, path) => {
    const segments = path.split('/').map((seg, i, all) => {
      if (/^v\d+\.\d$/.test(seg) && all[i - 1] === 'data') return 'v*';
      if (/^[A-Za-z0-9]{15,18}-\d+$/.test(seg)) return '{locator}';
      const id = normalizeId(seg);
      if (id && (knownPrefix(keyPrefixOf(id)) || all[1] === 'id')) return all[1] === 'id' && i === 2 ? '{orgId}' : '{id}';
      return seg;
    });
    return `${method} ${segments.join('/')}`;
  };
}

/** Salesforce's error bodies for statuses a fault rule injects. */
export function faultBody(status: number): Response {
  const err = (errorCode: string, message: string): Response => ({ status, body: [{ message, errorCode }] });
  if (status === 401) return err('INVALID_SESSION_ID', 'Session expired or invalid');
  if (status === 403 || status === 429) return err('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
  if (status === 404) return err('NOT_FOUND', 'The requested resource does not exist');
  if (status === 500) {
    const n = () => Math.floor(Math.random() * 1e9);
    return err('UNKNOWN_EXCEPTION', `An unexpected error occurred. Please include this ErrorId if you contact support: ${n()}-${n() % 100000} (${-(n() % 1000000)})`);
  }
  if (status >= 500) return err('SERVER_UNAVAILABLE', 'Server temporarily unavailable. Please try again later.');
  return err('BAD_REQUEST', 'Bad request');
}
