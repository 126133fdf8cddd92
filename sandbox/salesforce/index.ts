/**
 * The emulated Salesforce org: OAuth JWT bearer login, the REST API (sObjects, describe, SOQL
 * query with paging, sObject Collections, limits) over an in-memory store whose schema comes from
 * force-app/, and a change feed the CometD side turns into Change Data Capture events.
 */
import { EventEmitter } from 'node:events';
import type http from 'node:http';
import { startEmulatorServer } from '../common/server.ts';
import type { RequestCounter } from '../common/counter.ts';
import { FaultInjector, type FaultRule } from '../common/faults.ts';
import { CHANGE_EVENT, PLATFORM_EVENT, type ChangeRecord } from './changes.ts';
import { deleteRecord, findTarget, insertRecord, updateRecord, type SaveOutcome } from './dml.ts';
import { SfError } from './errors.ts';
import { counterKey, faultBody } from './http-keys.ts';
import { IdGenerator, normalizeId } from './ids.ts';
import { loadForceApp, type LoadedMetadata } from './metadata.ts';
import { OAuthServer, type OAuthUser } from './oauth.ts';
import { attachStreaming, type Streaming } from './cometd.ts';
import type { OrgCore } from './rest/context.ts';
import { QueryCursors } from './rest/query-cursors.ts';
import { restRecord } from './rest/records.ts';
import { handleData } from './rest/router.ts';
import { ApiUsage } from './rest/usage.ts';
import { Schema, type ObjectDef } from './schema.ts';
import { PROFILE_ADMIN, PROFILE_STANDARD, standardObjects } from './standard-objects.ts';
import { OrgStore, type Transaction } from './store.ts';

export type { ChangeRecord, PlatformEventMessage } from './changes.ts';
export { CHANGE_EVENT, PLATFORM_EVENT } from './changes.ts';
export { SfError } from './errors.ts';
export { normalizeId, checksumSuffix } from './ids.ts';

export interface OrgOptions {
  port?: number;
  /** Newest API version served; default '61.0'. */
  apiVersion?: string;
  /** Path to force-app (custom objects are read from main/default/objects). */
  forceAppDir: string;
  connectedApp: { clientId: string; publicKeyPem: string };
  tokenTtlSeconds?: number;
  dailyApiLimit?: number;
  faults?: FaultRule[];
  /** Clock in ms for tokens, timestamps and retention; default Date.now. */
  now?: () => number;
}

export interface NewUser {
  username: string;
  email: string;
  firstName?: string;
  lastName: string;
  timeZoneSidKey?: string;
  profileId?: string;
  isAdmin?: boolean;
}

export interface OrgEmulator {
  url: string;
  apiVersion: string;
  /** Same as url; a JWT's aud may be this, https://login.salesforce.com or https://test.salesforce.com. */
  loginUrl: string;
  /** The org's 18-character Organization id (00D…). */
  orgId: string;
  server: http.Server;
  counter: RequestCounter;
  faults: FaultInjector;
  /** 'change' with a ChangeRecord after each committed DML; 'platformEvent' with a PlatformEventMessage per REST publish. */
  changes: EventEmitter;
  /** API names of the platform events (X__e) learned from force-app. */
  platformEvents: string[];
  /** Objects whose Change Data Capture force-app switches on (PlatformEventChannelMember), e.g. ['Contact']. */
  cdcEntities: string[];
  /** Profile ids by name: 'System Administrator', 'Standard User'. */
  profiles: Record<string, string>;
  authenticate(accessToken: string): string | undefined;
  addUser(u: NewUser): string;
  issueToken(userId: string): string;
  insert(sobject: string, fields: Record<string, unknown>, asUserId: string, changeOrigin?: string): string;
  update(sobject: string, id: string, fields: Record<string, unknown>, asUserId: string, changeOrigin?: string): void;
  remove(sobject: string, id: string, asUserId: string, changeOrigin?: string): void;
  /** Live (non-deleted) records as the REST API shows their fields (no attributes), as copies. */
  records(sobject: string): Array<Record<string, unknown>>;
  /** Daily API requests used in the rolling 24 h window. */
  apiUsage(): { used: number; max: number };
  /** Change Data Capture and platform events over CometD at /cometd/<apiVersion>. */
  streaming: Streaming;
  close(): Promise<void>;
}

export async function startOrg(opts: OrgOptions): Promise<OrgEmulator> {
  const now = opts.now ?? Date.now;
  const apiVersion = opts.apiVersion ?? '61.0';
  const ids = new IdGenerator();
  const orgId = ids.id('00D');
  const loaded = await loadForceApp(opts.forceAppDir);
  const schema = buildSchema(loaded);
  const changes = new EventEmitter();
  // Many test and sandbox parts listen to the same feed; Node's default warning at 10 is noise here.
  changes.setMaxListeners(0);
  const store = new OrgStore(schema, ids, now, (records: ChangeRecord[]) => {
    for (const r of records) changes.emit(CHANGE_EVENT, r);
  });
  const boot = bootstrap(store, schema, ids);

  let baseUrl = '';
  const oauth = new OAuthServer({
    clientId: opts.connectedApp.clientId,
    publicKeyPem: opts.connectedApp.publicKeyPem,
    orgId,
    now,
    tokenTtlSeconds: opts.tokenTtlSeconds ?? 7200,
    baseUrl: () => baseUrl,
    apiVersion,
    userByUsername: (username) => {
      const rec = store.list('User').find((u) => String(u.values['Username']).toLowerCase() === username.toLowerCase());
      return rec ? oauthUser(rec.values) : undefined;
    },
    userById: (raw) => {
      const id = normalizeId(raw);
      const rec = id ? store.get(id) : undefined;
      return rec && rec.type === 'User' ? oauthUser(rec.values) : undefined;
    },
  });
  const usage = new ApiUsage(opts.dailyApiLimit ?? 100_000, now);
  const core: OrgCore = {
    schema,
    store,
    now,
    apiVersion,
    orgId,
    baseUrl: () => baseUrl,
    cursors: new QueryCursors(ids, now),
    publishPlatformEvent: (msg) => changes.emit(PLATFORM_EVENT, msg),
  };
  const faults = new FaultInjector(opts.faults ?? []);
  const srv = await startEmulatorServer(
    {
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      counterKey: counterKey((prefix) => prefix === '01g' || !!schema.objectByPrefix(prefix)),
      faultBody,
      faults,
    },
    (req) => oauth.handle(req) ?? handleData(req, { core, usage, authenticate: (t) => oauth.authenticate(t) }),
  );
  baseUrl = srv.url;
  // Attached after the server exists: faye takes over the request listeners present at this point.
  const streaming = attachStreaming({
    server: srv.server,
    apiVersion,
    authenticate: (t) => oauth.authenticate(t),
    changes,
    now,
    counter: srv.counter,
    faults,
    entities: [...loaded.changeEventEntities],
    platformEvents: schema.objects().filter((o) => o.isEvent).map((o) => o.name),
  });

  const def = (name: string): ObjectDef => {
    const d = schema.object(name);
    if (!d || d.isEvent) throw new SfError('INVALID_TYPE', `sObject type '${name}' is not supported.`);
    return d;
  };
  const run = (asUserId: string, origin: string, fn: (tx: Transaction) => SaveOutcome): string | undefined => {
    const tx = store.begin(asUserId, origin);
    const outcome = fn(tx);
    const first = outcome.errors[0];
    if (first) throw first;
    tx.commit();
    return outcome.id;
  };

  return {
    url: srv.url,
    apiVersion,
    loginUrl: srv.url,
    orgId,
    server: srv.server,
    counter: srv.counter,
    faults,
    changes,
    platformEvents: schema.objects().filter((o) => o.isEvent).map((o) => o.name),
    cdcEntities: [...loaded.changeEventEntities],
    profiles: { ...boot.profiles },
    authenticate: (token) => oauth.authenticate(token),
    issueToken: (userId) => {
      const id = normalizeId(userId);
      const rec = id ? store.get(id) : undefined;
      if (!id || rec?.type !== 'User') throw new Error(`issueToken: no user ${userId}`);
      return oauth.issueToken(id);
    },
    addUser: (u) => {
      const profileId = u.profileId ?? boot.profiles[u.isAdmin ? PROFILE_ADMIN : PROFILE_STANDARD];
      const fields: Record<string, unknown> = {
        Username: u.username,
        Email: u.email,
        LastName: u.lastName,
        ProfileId: profileId,
        ...(u.firstName !== undefined ? { FirstName: u.firstName } : {}),
        ...(u.timeZoneSidKey !== undefined ? { TimeZoneSidKey: u.timeZoneSidKey } : {}),
      };
      return run(boot.automatedProcessUserId, '', (tx) => insertRecord(tx, def('User'), fields)) as string;
    },
    insert: (sobject, fields, asUserId, origin = '') => run(asUserId, origin, (tx) => insertRecord(tx, def(sobject), fields)) as string,
    update: (sobject, id, fields, asUserId, origin = '') => {
      run(asUserId, origin, (tx) => {
        const target = findTarget(tx, def(sobject), id, 'update');
        return target instanceof SfError ? { errors: [target] } : updateRecord(tx, target.def, target.id, fields);
      });
    },
    remove: (sobject, id, asUserId, origin = '') => {
      run(asUserId, origin, (tx) => {
        const target = findTarget(tx, def(sobject), id, 'delete');
        return target instanceof SfError ? { errors: [target] } : deleteRecord(tx, target.def, target.id);
      });
    },
    records: (sobject) => {
      const d = def(sobject);
      return store.list(d.name).map((r) => restRecord(d, r.values));
    },
    apiUsage: () => ({ used: usage.used(), max: usage.max }),
    streaming,
    close: async () => {
      await streaming.close();
      await srv.close();
    },
  };
}

function buildSchema(loaded: LoadedMetadata): Schema {
  const schema = new Schema();
  for (const d of standardObjects()) schema.add(d);
  for (const d of loaded.objects) schema.add(d);
  for (const [name, fields] of loaded.extensions) if (schema.object(name)) schema.extend(name, fields);
  return schema;
}

/**
 * The records every org starts with: the two profiles and the "Automated Process" user that owns
 * them (and in whose name addUser creates users). Written before anyone listens to changes.
 */
function bootstrap(store: OrgStore, schema: Schema, ids: IdGenerator): { profiles: Record<string, string>; automatedProcessUserId: string } {
  const autoproc = ids.id('005');
  const tx = store.begin(autoproc, '');
  const profileDef = schema.object('Profile') as ObjectDef;
  const userDef = schema.object('User') as ObjectDef;
  const profiles: Record<string, string> = {};
  for (const name of [PROFILE_ADMIN, PROFILE_STANDARD]) profiles[name] = tx.insert(profileDef, { Name: name });
  tx.insert(
    userDef,
    {
      Username: `autoproc@${autoproc.toLowerCase()}.example`,
      Email: 'noreply@salesforce.com',
      LastName: 'Automated Process',
      TimeZoneSidKey: 'America/Los_Angeles',
      ProfileId: profiles[PROFILE_ADMIN],
      IsActive: true,
    },
    autoproc,
  );
  tx.commit();
  const profileField = schema.field(userDef, 'ProfileId');
  if (profileField) profileField.defaultValue = profiles[PROFILE_STANDARD];
  return { profiles, automatedProcessUserId: autoproc };
}

function oauthUser(v: Readonly<Record<string, unknown>>): OAuthUser {
  return {
    id: String(v['Id']),
    username: String(v['Username']),
    email: String(v['Email']),
    firstName: typeof v['FirstName'] === 'string' ? v['FirstName'] : null,
    lastName: String(v['LastName']),
    timeZoneSidKey: String(v['TimeZoneSidKey']),
    active: v['IsActive'] === true,
  };
}
