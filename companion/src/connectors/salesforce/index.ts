/**
 * SalesforcePort over jsforce: JWT bearer per acting user, SOQL reads as the integration user,
 * sObject Collections writes as the rep, CDC over CometD with caller-persisted replay ids.
 */
import { DEFAULT_CLIENT_ID } from '../../core/sf-schema.ts';
import { systemClock, type Clock } from '../../ports/clock.ts';
import { silentLog, type Log } from '../../ports/log.ts';
import type { ContactFields } from '../../core/contact.ts';
import type { EventFields } from '../../core/event.ts';
import type { ContactUpdate, EventUpdate, RecordChangeEvent, SalesforcePort, Subscription } from '../../ports/salesforce.ts';
import type { EventRelationsPort, RelationInsert, StatusChange, WhoUpdate } from '../../ports/event-relations.ts';
import { DEFAULT_RETRY, SalesforceApi, type RetryPolicy } from './api.ts';
import { SessionPool } from './auth.ts';
import { ChangeStream } from './change-stream.ts';
import type { SalesforceWriteResult } from './collections.ts';
import { createContacts, deleteContacts, getContacts, listOwnedContacts, updateContacts } from './contacts.ts';
import { createEvents, deleteEvents, getEvents, listOwnedEvents, updateEvents } from './events.ts';
import { seriesOccurrences } from './event-occurrences.ts';
import { deleteRelations, insertRelations, listRelations, lookupByEmail, setStatuses, setWho } from './event-relations.ts';
import { loadSyncUsers } from './sync-users.ts';

import { publishUserStatus } from './user-status.ts';
export { SalesforceApiError } from './errors.ts';
export type { SalesforceWriteResult } from './collections.ts';
export { isOwnOrigin } from './change-events.ts';

export interface SalesforceConnectorOptions {
  instanceUrl: string;
  loginUrl: string;
  /** e.g. '61.0' */
  apiVersion: string;
  /** Connected app consumer key. */
  clientId: string;
  /** The JWT signing key, already loaded by the caller from a file or the environment. */
  privateKeyPem: string;
  /** The user the companion reads configuration and subscribes to CDC as. */
  integrationUsername: string;
  /** Sforce-Call-Options client id; default DEFAULT_CLIENT_ID ('syncline'). */
  clientIdForCallOptions?: string;
  log?: Log;
  /** Signs JWT expiry; inject the same clock an emulator uses. Default: system clock. */
  clock?: Clock;
  /** Retries of whole requests that failed transiently. Default: 4 attempts, 0.5 s doubling, Retry-After honoured. */
  retry?: Partial<RetryPolicy>;
  /** How long CometD may stay unreachable before its client is rebuilt with a fresh token. Default 15 s. */
  cometdDownRebuildMs?: number;
}

/**
 * The port, with write results that may carry mapping warnings (company → Account unresolved,
 * an event field Salesforce cannot hold), failures included.
 */
export interface SalesforceConnector extends SalesforcePort, EventRelationsPort {
  createContacts(asUserId: string, items: Array<{ ownerId: string; data: ContactFields }>): Promise<SalesforceWriteResult[]>;
  updateContacts(asUserId: string, items: ContactUpdate[]): Promise<SalesforceWriteResult[]>;
  deleteContacts(asUserId: string, ids: string[]): Promise<SalesforceWriteResult[]>;
  createEvents(asUserId: string, items: Array<{ ownerId: string; data: EventFields }>, userTimeZone: string): Promise<SalesforceWriteResult[]>;
  updateEvents(asUserId: string, items: EventUpdate[], userTimeZone: string): Promise<SalesforceWriteResult[]>;
  deleteEvents(asUserId: string, ids: string[]): Promise<SalesforceWriteResult[]>;
  insertRelations(asUserId: string, items: RelationInsert[]): Promise<SalesforceWriteResult[]>;
  deleteRelations(asUserId: string, ids: string[]): Promise<SalesforceWriteResult[]>;
  setWho(asUserId: string, items: WhoUpdate[]): Promise<SalesforceWriteResult[]>;
  setStatuses(asUserId: string, items: StatusChange[]): Promise<SalesforceWriteResult[]>;
  /** Closes every CDC subscription; later calls throw. */
  close(): Promise<void>;
}

const CONTACT_CHANNEL = '/data/ContactChangeEvent';
const EVENT_CHANNEL = '/data/EventChangeEvent';

export function createSalesforceConnector(opts: SalesforceConnectorOptions): SalesforceConnector {
  const clientId = opts.clientIdForCallOptions ?? DEFAULT_CLIENT_ID;
  // The id travels in a header and is matched inside changeOrigin; separators would break both.
  if (!/^[A-Za-z0-9_.\-/]{1,64}$/.test(clientId)) throw new Error('clientIdForCallOptions must be 1-64 characters of A-Z a-z 0-9 _ . - /');
  if (!/^[0-9]+\.[0-9]$/.test(opts.apiVersion)) throw new Error("apiVersion must look like '61.0'");
  requireSafeUrl('instanceUrl', opts.instanceUrl);
  requireSafeUrl('loginUrl', opts.loginUrl);
  const log = opts.log ?? silentLog;
  const pool = new SessionPool({
    instanceUrl: opts.instanceUrl,
    loginUrl: opts.loginUrl,
    apiVersion: opts.apiVersion,
    clientId: opts.clientId,
    privateKeyPem: opts.privateKeyPem,
    callOptionsClient: clientId,
    clock: opts.clock ?? systemClock,
    log,
  });
  const retry: RetryPolicy = {
    attempts: Math.max(1, opts.retry?.attempts ?? DEFAULT_RETRY.attempts),
    baseDelayMs: opts.retry?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
    maxDelayMs: opts.retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
  };
  const api = new SalesforceApi(pool, { username: opts.integrationUsername, label: 'integration user' }, retry, log);
  const streams = new Set<ChangeStream>();
  let closed = false;

  const open = (): void => {
    if (closed) throw new Error('Salesforce connector is closed');
  };

  const subscribe = async (
    channel: string,
    replayFrom: number,
    onEvent: (event: RecordChangeEvent) => Promise<void>,
    onReplayRejected: () => Promise<void>,
  ): Promise<Subscription> => {
    open();
    if (!Number.isSafeInteger(replayFrom) || replayFrom < -2) throw new Error('replayFrom must be a stored replay id, -1 or -2');
    const stream = new ChangeStream({
      api,
      channel,
      clientId,
      log,
      replayFrom,
      onEvent,
      onReplayRejected,
      ...(opts.cometdDownRebuildMs !== undefined ? { downRebuildMs: opts.cometdDownRebuildMs } : {}),
    });
    streams.add(stream);
    try {
      await stream.start();
    } catch (err) {
      streams.delete(stream);
      throw err;
    }
    return {
      close: async () => {
        streams.delete(stream);
        await stream.close();
      },
    };
  };

  return {
    async loadSyncUsers() {
      open();
      return loadSyncUsers(api, log);
    },
    async listOwnedContacts(userId) {
      open();
      return listOwnedContacts(api, userId);
    },
    async getContacts(ids) {
      open();
      return getContacts(api, ids);
    },
    async createContacts(asUserId, items) {
      open();
      return createContacts(api, asUserId, items, log);
    },
    async updateContacts(asUserId, items) {
      open();
      return updateContacts(api, asUserId, items, log);
    },
    async deleteContacts(asUserId, ids) {
      open();
      return deleteContacts(api, asUserId, ids, log);
    },
    async publishUserStatus(rows) {
      open();
      return publishUserStatus(api, rows, log);
    },

    async listOwnedEvents(userId, window, userTimeZone) {
      open();
      return listOwnedEvents(api, userId, window, userTimeZone);
    },
    async getEvents(ids, userTimeZone) {
      open();
      return getEvents(api, ids, userTimeZone);
    },
    async createEvents(asUserId, items, userTimeZone) {
      open();
      return createEvents(api, asUserId, items, userTimeZone, log);
    },
    async updateEvents(asUserId, items, userTimeZone) {
      open();
      return updateEvents(api, asUserId, items, userTimeZone, log);
    },
    async deleteEvents(asUserId, ids) {
      open();
      return deleteEvents(api, asUserId, ids, log);
    },
    async seriesOccurrences(seriesIds, userTimeZone) {
      open();
      return seriesOccurrences(api, seriesIds, userTimeZone);
    },

    async lookupByEmail(asUserId, emails) {
      open();
      return lookupByEmail(api, asUserId, emails);
    },
    async listRelations(eventIds) {
      open();
      return listRelations(api, eventIds);
    },
    async insertRelations(asUserId, items) {
      open();
      return insertRelations(api, asUserId, items, log);
    },
    async deleteRelations(asUserId, ids) {
      open();
      return deleteRelations(api, asUserId, ids, log);
    },
    async setWho(asUserId, items) {
      open();
      return setWho(api, asUserId, items, log);
    },
    async setStatuses(asUserId, items) {
      open();
      return setStatuses(api, asUserId, items, log);
    },

    async subscribeContactChanges(replayFrom, onEvent, onReplayRejected) {
      return subscribe(CONTACT_CHANNEL, replayFrom, onEvent, onReplayRejected);
    },
    async subscribeEventChanges(replayFrom, onEvent, onReplayRejected) {
      return subscribe(EVENT_CHANNEL, replayFrom, onEvent, onReplayRejected);
    },

    async close() {
      closed = true;
      const all = [...streams];
      streams.clear();
      await Promise.all(all.map((s) => s.close()));
    },
  };
}

/** Tokens travel on these URLs: TLS everywhere except loopback (the sandbox, a local proxy). */
function requireSafeUrl(name: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} is not a URL`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new Error(`${name} must use https:// (plain http:// only to loopback)`);
  }
}
