import { createPublicKey, type KeyObject } from 'node:crypto';
import type { RequestCounter } from '../common/counter.ts';
import { FaultInjector, type FaultRule } from '../common/faults.ts';
import { startEmulatorServer, type Handler } from '../common/server.ts';
import { AccessTokens } from './access-tokens.ts';
import { UTC } from './calendar-time.ts';
import { renderContact } from './contact-json.ts';
import { parseContactInput } from './contact-schema.ts';
import { batchCounterKey, graphCounterKey } from './counter-key.ts';
import { DeltaTokens } from './delta-tokens.ts';
import { renderEvent } from './events-json.ts';
import { createEvent, updateEvent } from './events-ops.ts';
import type { GraphServices } from './graph-context.ts';
import { graphFaultBody, graphHttpHandler, innerFaults } from './graph-http.ts';
import { identityEndpoints, identityHandler } from './identity.ts';
import { newGuid } from './ids.ts';
import { MailboxStore, type MailboxRecord } from './store.ts';
import { MailboxThrottle } from './throttle.ts';

export interface GraphOptions {
  port?: number;
  /** Random GUID by default. */
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Public keys (PEM or KeyObject) accepted for client_assertion (certificate credentials). */
  clientCertificates?: Array<string | KeyObject>;
  /** Application roles granted by admin consent; default Contacts.ReadWrite, Calendars.ReadWrite and User.Read.All. */
  roles?: string[];
  /** Default 3600. */
  tokenTtlSeconds?: number;
  limits?: {
    /** Default 10000 (Outlook's per-app, per-mailbox budget). */
    requestsPer10Minutes?: number;
    /** Default 4. */
    concurrentPerMailbox?: number;
    /** Inner requests of one $batch run at most this many at a time; default 4. */
    batchParallelism?: number;
    /** Sync-state generations Exchange keeps per folder; older delta/skip tokens get 410. Default: all. */
    deltaGenerationsKept?: number;
  };
  /** How long each mailbox request holds its concurrency slot; default 3 ms. */
  serviceTimeMs?: number;
  faults?: FaultRule[];
  now?: () => number;
  calendar?: {
    /** Cancelling an occurrence sends no @removed through calendarView/delta; default false. */
    silentCancellations?: boolean;
  };
}

export interface GraphEmulator {
  url: string;
  /** url + '/v1.0' */
  graphUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Fake https authority for msal-node (auth.authority); its host goes in knownAuthorities. */
  authority: string;
  /** Loopback token endpoint: url + '/<tenantId>/oauth2/v2.0/token'. */
  tokenEndpoint: string;
  /** JSON for msal-node's auth.authorityMetadata; its token_endpoint is tokenEndpoint. */
  authorityMetadata: string;
  counter: RequestCounter;
  faults: FaultInjector;
  /** Returns the user id (GUID). */
  addMailbox(m: { userPrincipalName: string; displayName?: string; id?: string }): string;
  /** Live contacts as Graph JSON (copies); every folder of the mailbox when folderId is omitted. */
  contacts(mailbox: string, folderId?: string): Array<Record<string, unknown>>;
  /** What GET /users/{u}/contactFolders lists: the folders under the default Contacts folder. */
  folders(mailbox: string): Array<{ id: string; displayName: string; parentFolderId: string }>;
  /** Successful create/update/delete of contacts through the API so far (for echo-loop tests). */
  writeCount(): number;
  /** Stored events of the default calendar (single events, series masters, exceptions) as Graph JSON in UTC. */
  events(mailbox: string): Array<Record<string, unknown>>;
  /** Successful create/update/delete of events through the API so far (transactionId replays excluded). */
  eventWriteCount(): number;
  /** Makes every delta and skip token issued so far answer 410 SyncStateNotFound. */
  expireDeltaTokens(): void;
  /** The mailbox owner at work in Outlook: not API writes, so writeCount does not move. */
  user: {
    createContact(mailbox: string, folderId: string, contact: Record<string, unknown>): string;
    updateContact(mailbox: string, contactId: string, patch: Record<string, unknown>): void;
    deleteContact(mailbox: string, contactId: string): void;
    moveContact(mailbox: string, contactId: string, folderId: string): void;
    /** Body as for POST /events (attendees may carry a status, as if they had answered); returns the new id. */
    createEvent(mailbox: string, event: Record<string, unknown>): string;
    /** Any event id, occurrences included (which become exceptions). */
    updateEvent(mailbox: string, eventId: string, patch: Record<string, unknown>): void;
    /** A single event or series goes; an occurrence or exception is cancelled. */
    deleteEvent(mailbox: string, eventId: string): void;
  };
  close(): Promise<void>;
}

const WINDOW_MS = 10 * 60 * 1000;

export async function startGraph(opts: GraphOptions = {}): Promise<GraphEmulator> {
  const now = opts.now ?? Date.now;
  const tenantId = opts.tenantId ?? newGuid();
  const clientId = opts.clientId ?? newGuid();
  const clientSecret = opts.clientSecret ?? `sandbox~${newGuid()}`;
  const store = new MailboxStore(now);
  store.calendars.silentCancellations = opts.calendar?.silentCancellations ?? false;
  const tokens = new AccessTokens({
    tenantId,
    clientId,
    roles: opts.roles ?? ['Contacts.ReadWrite', 'Calendars.ReadWrite', 'User.Read.All'],
    ttlSeconds: opts.tokenTtlSeconds ?? 3600,
    now,
  });
  const faults = new FaultInjector(opts.faults ?? []);
  let batches = 0;
  let handler: Handler = () => undefined;
  const server = await startEmulatorServer(
    { port: opts.port, counterKey: graphCounterKey, faultBody: graphFaultBody(now), faults },
    (req) => handler(req),
  );
  const graphUrl = `${server.url}/v1.0`;
  const svc: GraphServices = {
    store,
    throttle: new MailboxThrottle(
      {
        requestsPerWindow: opts.limits?.requestsPer10Minutes ?? 10_000,
        windowMs: WINDOW_MS,
        concurrent: opts.limits?.concurrentPerMailbox ?? 4,
      },
      now,
    ),
    deltaTokens: new DeltaTokens(opts.limits?.deltaGenerationsKept ?? Number.POSITIVE_INFINITY),
    graphUrl,
    serviceTimeMs: opts.serviceTimeMs ?? 3,
    defaultPageSize: 10,
    maxDeltaPageSize: 200,
  };
  const endpoints = identityEndpoints({ url: server.url, tenantId });
  const identity = identityHandler(
    {
      url: server.url,
      tenantId,
      clientId,
      clientSecret,
      certificates: (opts.clientCertificates ?? []).map((c) => (typeof c === 'string' ? createPublicKey(c) : c)),
      now,
    },
    endpoints,
    tokens,
  );
  const graph = graphHttpHandler(
    svc,
    tokens,
    {
      maxRequests: 20,
      parallelism: opts.limits?.batchParallelism ?? 4,
      now,
      onInner: (method, path) => server.counter.add(batchCounterKey(method, path)),
      inject: innerFaults(faults, now),
      reverse: () => batches++ % 2 === 1,
    },
    now,
  );
  // The server is listening before the handlers exist because the handlers need its URL.
  handler = async (req) => (await identity(req)) ?? (await graph(req));

  const mailbox = (key: string): MailboxRecord => {
    const mb = store.resolve(key);
    if (!mb) throw new Error(`no mailbox ${key}`);
    return mb;
  };
  const contactOf = (key: string, id: string) => {
    const mb = mailbox(key);
    const rec = mb.contacts.get(id);
    if (!rec) throw new Error(`no contact ${id} in ${key}`);
    return { mb, rec };
  };
  const folderOf = (mb: MailboxRecord, id: string) => {
    if (!mb.folders.has(id)) throw new Error(`no folder ${id} in ${mb.userPrincipalName}`);
    return id;
  };
  const input = (body: Record<string, unknown>) => {
    const parsed = parseContactInput(body);
    if (!parsed.ok) throw new Error(`${parsed.error.code}: ${parsed.error.message}`);
    return parsed;
  };

  return {
    url: server.url,
    graphUrl,
    tenantId,
    clientId,
    clientSecret,
    authority: endpoints.authority,
    tokenEndpoint: endpoints.tokenEndpoint,
    authorityMetadata: JSON.stringify(endpoints.metadata),
    counter: server.counter,
    faults: server.faults,
    addMailbox: (m) => store.addMailbox(m).id,
    contacts: (key, folderId) => {
      const mb = mailbox(key);
      return [...mb.contacts.values()].filter((c) => !folderId || c.folderId === folderId).map((c) => renderContact(c));
    },
    folders: (key) => store.childFolders(mailbox(key)).map((f) => ({ ...f })),
    writeCount: () => store.writes,
    events: (key) => {
      const mb = mailbox(key);
      const owner = { name: mb.displayName, address: mb.userPrincipalName };
      return [...store.calendars.of(mb.id).events.values()].map((e) => renderEvent(e, { zone: UTC, owner }));
    },
    eventWriteCount: () => store.calendars.writes,
    expireDeltaTokens: () => svc.deltaTokens.expireAll(),
    user: {
      createContact: (key, folderId, contact) => {
        const mb = mailbox(key);
        const { props, extended } = input(contact);
        return store.createContact(mb, folderOf(mb, folderId), props, extended).id;
      },
      updateContact: (key, id, patch) => {
        const { mb, rec } = contactOf(key, id);
        const { props, extended } = input(patch);
        store.updateContact(mb, rec, props, extended);
      },
      deleteContact: (key, id) => {
        const { mb, rec } = contactOf(key, id);
        store.deleteContact(mb, rec);
      },
      moveContact: (key, id, folderId) => {
        const { mb, rec } = contactOf(key, id);
        store.moveContact(mb, rec, folderOf(mb, folderId));
      },
      createEvent: (key, event) => {
        const made = createEvent(store.calendars, store.calendars.of(mailbox(key).id), event, true);
        if (!made.ok) throw new Error(`${made.error.code}: ${made.error.message}`);
        return made.value.rec.id;
      },
      updateEvent: (key, id, patch) => {
        const cal = store.calendars.of(mailbox(key).id);
        const item = store.calendars.find(cal, id);
        if (!item) throw new Error(`no event ${id} in ${key}`);
        const done = updateEvent(store.calendars, cal, item, patch, true);
        if (!done.ok) throw new Error(`${done.error.code}: ${done.error.message}`);
      },
      deleteEvent: (key, id) => {
        const cal = store.calendars.of(mailbox(key).id);
        const item = store.calendars.find(cal, id);
        if (!item) throw new Error(`no event ${id} in ${key}`);
        store.calendars.delete(cal, item);
      },
    },
    close: () => server.close(),
  };
}
