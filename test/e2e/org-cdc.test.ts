/**
 * Change Data Capture over CometD against the org emulator, driven by jsforce's own streaming
 * client and its Replay / AuthFailure extensions, as the companion's connector uses them.
 */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import jsforce from 'jsforce';
import { StreamingExtension } from 'jsforce/lib/api/streaming.js';
import { startOrg, type OrgEmulator } from '../../sandbox/salesforce/index.ts';
import {
  attachStreaming,
  cdcEntitiesFromForceApp,
  StreamingErrors,
  type ChangeRecord,
  type EventData,
  type Streaming,
} from '../../sandbox/salesforce/cometd.ts';

const API = '61.0';
const CONTACTS = '/data/ContactChangeEvent';
const USER = '005000000000001AAA';
const CLIENT_ID = 'syncline-test';
const HOUR = 3_600_000;

// ---------------------------------------------------------------- org under test

interface Harness {
  url: string;
  streaming: Streaming;
  /** Entities with CDC enabled. */
  entities: string[];
  /** Platform events (X__e) the org knows. */
  platformEvents: string[];
  /** The user every write and token is for. */
  userId: string;
  /** A fresh valid token for that user. */
  token(): string;
  /** Makes the token fail authentication from now on. */
  expire(token: string): void;
  advanceClock(ms: number): void;
  create(sobject: string, fields: Record<string, unknown>): Promise<string>;
  update(sobject: string, id: string, fields: Record<string, unknown>): Promise<void>;
  remove(sobject: string, id: string): Promise<void>;
  publish(event: string, fields: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

const FORCE_APP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../force-app');
const TOKEN_TTL_SECONDS = 7200;
let publicKeyPem: string | undefined;

/**
 * The real org emulator, written to through its REST API with jsforce (Sforce-Call-Options
 * client id set), so changeOrigin and the change feed are the org's own.
 */
async function startRealOrg(): Promise<Harness> {
  publicKeyPem ??= crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let offset = 0;
  const now = () => Date.now() + offset;
  const org = await startOrg({ forceAppDir: FORCE_APP, connectedApp: { clientId: 'syncline-cdc-test', publicKeyPem }, now, tokenTtlSeconds: TOKEN_TTL_SECONDS });
  const entities = cdcEntitiesFromForceApp(FORCE_APP);
  // Until startOrg attaches streaming itself, attach it here exactly as it should.
  const own = (org as OrgEmulator & { streaming?: Streaming }).streaming;
  const streaming =
    own ??
    attachStreaming({
      server: org.server,
      apiVersion: org.apiVersion,
      authenticate: org.authenticate,
      changes: org.changes,
      now,
      counter: org.counter,
      faults: org.faults,
      entities,
      platformEvents: org.platformEvents,
    });
  const userId = org.addUser({ username: 'integration@cdc.example', email: 'integration@cdc.example', lastName: 'Integration', isAdmin: true });
  const rest = () =>
    new jsforce.Connection({ instanceUrl: org.url, accessToken: org.issueToken(userId), version: org.apiVersion, callOptions: { client: CLIENT_ID } });
  return {
    url: org.url,
    streaming,
    entities,
    platformEvents: org.platformEvents,
    userId,
    token: () => org.issueToken(userId),
    // Tokens die by the org clock; every later REST call gets a freshly issued one.
    expire: () => void (offset += (TOKEN_TTL_SECONDS + 1) * 1000),
    advanceClock: (ms) => void (offset += ms),
    async create(sobject, fields) {
      const r = await rest().sobject(sobject).create(fields);
      if (!r.success) throw new Error(`create ${sobject}: ${JSON.stringify(r.errors)}`);
      return r.id;
    },
    async update(sobject, id, fields) {
      const r = await rest().sobject(sobject).update({ Id: id, ...fields });
      if (!r.success) throw new Error(`update ${sobject}: ${JSON.stringify(r.errors)}`);
    },
    async remove(sobject, id) {
      const r = await rest().sobject(sobject).destroy(id);
      if (!r.success) throw new Error(`delete ${sobject}: ${JSON.stringify(r.errors)}`);
    },
    async publish(event, fields) {
      await rest().sobject(event).create(fields);
    },
    async close() {
      if (!own) await streaming.close();
      await org.close();
    },
  };
}

/** A bare HTTP server whose "REST API" emits ChangeRecords directly; used where the org lacks something. */
async function startStubOrg(opts: { entities: string[]; platformEvents: string[] }): Promise<Harness> {
  const server = http.createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const changes = new EventEmitter();
  const tokens = new Map<string, string>();
  let clock = Date.UTC(2025, 0, 6, 9);
  let seq = 0;
  const streaming = attachStreaming({ server, apiVersion: API, authenticate: (t) => tokens.get(t), changes, now: () => clock, ...opts });
  const emit = (entityName: string, changeType: ChangeRecord['changeType'], id: string, fields: Record<string, unknown>, changed: string[] = []) => {
    seq++;
    clock += 1000;
    changes.emit('change', {
      entityName,
      changeType,
      recordIds: [id],
      changedFields: changed,
      nulledFields: changed.filter((f) => fields[f] === null),
      commitUser: USER,
      commitTimestamp: clock,
      commitNumber: 10_000 + seq,
      changeOrigin: `com/salesforce/api/rest/${API};client=${CLIENT_ID}`,
      transactionKey: `tx-${seq}`,
      sequenceNumber: 1,
      fields,
    } satisfies ChangeRecord);
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    streaming,
    ...opts,
    userId: USER,
    token() {
      const t = `00D!stub.${tokens.size + 1}`;
      tokens.set(t, USER);
      return t;
    },
    expire: (t) => void tokens.delete(t),
    advanceClock: (ms) => void (clock += ms),
    async create(sobject, fields) {
      const id = `003${String(++seq).padStart(12, '0')}AAA`;
      const at = new Date(clock).toISOString();
      emit(sobject, 'CREATE', id, { ...fields, OwnerId: USER, CreatedDate: at, LastModifiedDate: at, CreatedById: USER, LastModifiedById: USER });
      return id;
    },
    async update(sobject, id, fields) {
      const values = { ...fields, LastModifiedDate: new Date(clock).toISOString() };
      emit(sobject, 'UPDATE', id, values, Object.keys(values));
    },
    async remove(sobject, id) {
      emit(sobject, 'DELETE', id, {});
    },
    async publish(event, fields) {
      streaming.publishPlatformEvent(event, fields, USER);
    },
    async close() {
      await streaming.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------- jsforce subscriber

/** What jsforce's faye client gives us; its bundled faye typings leave out disconnect(). */
interface FayeClient {
  subscribe(channel: string, listener: (data: EventData) => void): PromiseLike<void>;
  /** A thenable settled by the server's reply; undefined when the client holds no session. */
  disconnect(): PromiseLike<void> | undefined;
}

interface FayeMeta {
  channel: string;
  successful?: boolean;
  error?: string;
  advice?: { reconnect?: string };
  ext?: { sfdc?: { failureReason?: string } };
}

class Subscriber {
  readonly events: EventData[] = [];
  handshakes = 0;
  /** Unsuccessful meta replies the client saw, e.g. "/meta/connect 403::Unknown client". */
  readonly metaErrors: string[] = [];
  authFailure: FayeMeta | undefined;
  private waiters: Array<() => void> = [];
  private readonly client: FayeClient;

  constructor(h: Harness, token: string, readonly channel: string, replay: number | null) {
    const conn = new jsforce.Connection({ instanceUrl: h.url, accessToken: token, version: API });
    const exts: object[] = [
      new StreamingExtension.AuthFailure((m: FayeMeta) => {
        this.authFailure = m;
        this.notify();
      }),
      {
        incoming: (m: FayeMeta, cb: (m: FayeMeta) => void) => {
          if (m.channel === '/meta/handshake' && m.successful) this.handshakes++;
          if (m.channel.startsWith('/meta/') && m.successful === false) this.metaErrors.push(`${m.channel} ${m.error}`);
          cb(m);
        },
      },
    ];
    if (replay !== null) exts.push(new StreamingExtension.Replay(channel, replay));
    // jsforce types createClient's result with a faye Client that lacks disconnect(); see FayeClient.
    this.client = conn.streaming.createClient(exts) as unknown as FayeClient;
    live.add(this);
  }

  /** Resolves once the server acknowledged the subscription; rejects with faye's error. */
  subscribe(channel = this.channel): PromiseLike<void> {
    return this.client.subscribe(channel, (data) => {
      this.events.push(data);
      this.notify();
    });
  }

  async until(what: string, probe: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!probe()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.events.length} events`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  waitForEvents(n: number): Promise<void> {
    return this.until(`${n} events on ${this.channel}`, () => this.events.length >= n);
  }

  ids(): number[] {
    return this.events.map((e) => e.event.replayId);
  }

  /** Disconnects and waits for the server's answer, so no faye retry outlives the org. */
  async close(): Promise<void> {
    live.delete(this);
    const reply = this.client.disconnect();
    if (!reply) return;
    await Promise.race([
      new Promise<void>((resolve) => reply.then(resolve, () => resolve())),
      new Promise<void>((resolve) => setTimeout(resolve, 1000).unref()),
    ]);
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

const live = new Set<Subscriber>();
let harness: Harness | undefined;

async function org(start: () => Promise<Harness> = startRealOrg): Promise<Harness> {
  harness = await start();
  return harness;
}

afterEach(async () => {
  await Promise.all([...live].map((s) => s.close()));
  await harness?.close();
  harness = undefined;
});

const header = (e: EventData) => e.payload['ChangeEventHeader'] as Record<string, unknown>;

async function rejection(p: PromiseLike<void>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { message: string }).message;
  }
  throw new Error('subscription unexpectedly succeeded');
}

// ---------------------------------------------------------------- tests

test('handshake advertises replay and long polling only; WebSocket upgrades are refused', async () => {
  const h = await org();
  const post = async (body: unknown, token?: string) => {
    const res = await fetch(`${h.url}/cometd/${API}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `OAuth ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Array<Record<string, unknown>>;
  };
  const hs = { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling', 'websocket'] };
  const [ok] = await post([hs], h.token());
  assert.equal(ok?.['successful'], true);
  assert.deepEqual(ok?.['ext'], { replay: true, 'payload.format': true });
  assert.deepEqual(ok?.['supportedConnectionTypes'], ['long-polling']);

  const [denied] = await post([hs]);
  assert.equal(denied?.['error'], StreamingErrors.handshakeDenied);
  assert.deepEqual(denied?.['advice'], { reconnect: 'none' });
  assert.deepEqual((denied?.['ext'] as { sfdc: unknown }).sfdc, { failureReason: StreamingErrors.authMissing });

  const upgrade = await new Promise<number | undefined>((resolve, reject) => {
    const req = http.request(`${h.url}/cometd/${API}`, {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('upgrade', () => resolve(101));
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(upgrade, 400);
});

test('create, update and delete each arrive as one change event with the Salesforce header', async () => {
  const h = await org();
  const sub = new Subscriber(h, h.token(), CONTACTS, -1);
  await sub.subscribe();

  const id = await h.create('Contact', { FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@example.com', Phone: '+44 20 7946 0000' });
  await h.update('Contact', id, { Email: 'ada@analytical.example', Phone: null });
  await h.remove('Contact', id);
  await sub.waitForEvents(3);

  const [created, updated, deleted] = sub.events as [EventData, EventData, EventData];
  for (const e of sub.events) {
    const hd = header(e);
    assert.equal(hd['entityName'], 'Contact');
    assert.deepEqual(hd['recordIds'], [id]);
    assert.equal(hd['commitUser'], h.userId);
    assert.match(String(hd['changeOrigin']), new RegExp(`^com/salesforce/api/rest/\\d+\\.\\d;client=${CLIENT_ID}$`));
    assert.equal(typeof hd['commitTimestamp'], 'number');
    assert.equal(typeof hd['transactionKey'], 'string');
    assert.equal(typeof e.schema, 'string');
    // CometD carries names in changedFields but not Pub/Sub's nulledFields/diffFields bitmaps.
    assert.equal('nulledFields' in hd, false);
  }
  assert.equal(header(created)['changeType'], 'CREATE');
  assert.deepEqual(header(created)['changedFields'], []);
  assert.equal(created.payload['LastName'], 'Lovelace');
  assert.equal(created.payload['Email'], 'ada@example.com');

  assert.equal(header(updated)['changeType'], 'UPDATE');
  const changed = header(updated)['changedFields'] as string[];
  assert.ok(changed.includes('Email') && changed.includes('Phone') && changed.includes('LastModifiedDate'), String(changed));
  assert.equal(updated.payload['Email'], 'ada@analytical.example');
  assert.equal(updated.payload['Phone'], null);
  assert.equal('LastName' in updated.payload, false, 'unchanged fields are left out');

  assert.equal(header(deleted)['changeType'], 'DELETE');
  assert.deepEqual(Object.keys(deleted.payload), ['ChangeEventHeader']);

  const ids = sub.ids();
  assert.ok(ids[0]! < ids[1]! && ids[1]! < ids[2]!, `replay ids increase: ${ids}`);
});

test('-1 delivers only events published after the subscription', async () => {
  const h = await org();
  await h.create('Contact', { LastName: 'Before' });
  const sub = new Subscriber(h, h.token(), CONTACTS, -1);
  await sub.subscribe();
  await h.create('Contact', { LastName: 'After' });
  await sub.waitForEvents(1);
  assert.deepEqual(sub.events.map((e) => e.payload['LastName']), ['After']);
});

test('-2 replays every retained event in order, then continues live without duplicates', async () => {
  const h = await org();
  for (const n of ['One', 'Two', 'Three']) await h.create('Contact', { LastName: n });
  // CDC is not enabled for this object in force-app, so it publishes nothing.
  await h.create('Sync_Configuration__c', { Name: 'Default' });
  const sub = new Subscriber(h, h.token(), CONTACTS, -2);
  await sub.subscribe();
  await h.create('Contact', { LastName: 'Four' });
  await sub.waitForEvents(4);
  assert.deepEqual(sub.events.map((e) => e.payload['LastName']), ['One', 'Two', 'Three', 'Four']);
  assert.equal(h.streaming.eventCount(CONTACTS), 4);
  assert.equal(h.streaming.eventCount('/data/ChangeEvents'), 4);
});

test('a stored replay id resumes exactly after that event', async () => {
  const h = await org();
  const first = new Subscriber(h, h.token(), CONTACTS, -1);
  await first.subscribe();
  for (const n of ['A', 'B', 'C', 'D']) await h.create('Contact', { LastName: n });
  await first.waitForEvents(4);
  const stored = first.ids()[1]!; // processed A and B, then "crashed"
  await first.close();

  const resumed = new Subscriber(h, h.token(), CONTACTS, stored);
  await resumed.subscribe();
  await h.create('Contact', { LastName: 'E' });
  await resumed.waitForEvents(3);
  assert.deepEqual(resumed.events.map((e) => e.payload['LastName']), ['C', 'D', 'E']);
  assert.deepEqual(resumed.ids(), [...first.ids().slice(2), resumed.ids()[2]]);
});

test('a replay id past the 72 h retention, or unknown, fails the subscription with Salesforce\'s error', async () => {
  const h = await org();
  const sub = new Subscriber(h, h.token(), CONTACTS, -1);
  await sub.subscribe();
  await h.create('Contact', { LastName: 'Old' });
  await sub.waitForEvents(1);
  const old = sub.ids()[0]!;

  h.advanceClock(73 * HOUR);
  await h.create('Contact', { LastName: 'New' });
  assert.equal(h.streaming.eventCount(CONTACTS), 1, 'the old event was purged');

  const late = new Subscriber(h, h.token(), CONTACTS, old);
  assert.equal(await rejection(late.subscribe()), StreamingErrors.replayInvalid(old));
  const bogus = new Subscriber(h, h.token(), CONTACTS, 987654321);
  assert.equal(await rejection(bogus.subscribe()), StreamingErrors.replayInvalid(987654321));

  // The documented recovery: resubscribe with -2 (or -1) and reconcile by query.
  const recovered = new Subscriber(h, h.token(), CONTACTS, -2);
  await recovered.subscribe();
  await recovered.waitForEvents(1);
  assert.deepEqual(recovered.events.map((e) => e.payload['LastName']), ['New']);
});

test('channels: the entity channel and /data/ChangeEvents carry the same event; others do not exist', async () => {
  const h = await org();
  assert.deepEqual([...h.entities].sort(), ['Contact', 'Event', 'EventRelation'], 'force-app enables CDC for Contact, Event and EventRelation');
  const all = new Subscriber(h, h.token(), '/data/ChangeEvents', -1);
  await all.subscribe();
  const contacts = new Subscriber(h, h.token(), CONTACTS, -1);
  await contacts.subscribe();
  await h.create('Contact', { LastName: 'Both' });
  await all.waitForEvents(1);
  await contacts.waitForEvents(1);
  assert.equal(header(all.events[0]!)['entityName'], 'Contact');
  assert.equal(all.events[0]?.event.replayId, contacts.events[0]?.event.replayId);
  assert.equal(all.events[0]?.schema, contacts.events[0]?.schema);

  for (const channel of ['/data/AccountChangeEvent', '/data/Sync_Configuration__ChangeEvent', '/topic/Contacts', '/data/*']) {
    const sub = new Subscriber(h, h.token(), channel, -1);
    assert.equal(await rejection(sub.subscribe()), StreamingErrors.channelUnknown(channel));
  }
  // jsforce's Replay extension replaces the whole map with its own channel.
  const mismatched = new Subscriber(h, h.token(), CONTACTS, -1);
  assert.equal(
    await rejection(mismatched.subscribe('/data/ChangeEvents')),
    StreamingErrors.replayMapMissing('/data/ChangeEvents', `{${CONTACTS}=-1}`),
  );
});

test('platform events are retained and replayed like change events', async () => {
  let h = await org();
  const unknown = new Subscriber(h, h.token(), '/event/Not_Defined__e', -2);
  assert.equal(await rejection(unknown.subscribe()), StreamingErrors.channelUnknown('/event/Not_Defined__e'));
  let name = h.platformEvents[0];
  if (!name) {
    // force-app defines no platform event yet: check delivery on a stub org that has one.
    await unknown.close();
    await h.close();
    h = await org(() => startStubOrg({ entities: ['Contact'], platformEvents: ['Sync_Command__e'] }));
    name = 'Sync_Command__e';
  }
  await h.publish(name, {});
  const sub = new Subscriber(h, h.token(), `/event/${name}`, -2);
  await sub.subscribe();
  await h.publish(name, {});
  await sub.waitForEvents(2);
  const [e] = sub.events as [EventData];
  assert.ok(sub.ids()[0]! < sub.ids()[1]!);
  assert.equal(typeof e.event.EventUuid, 'string');
  assert.equal(e.payload['CreatedById'], h.userId);
  assert.match(String(e.payload['CreatedDate']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(h.streaming.eventCount(`/event/${name}`), 2);
});

test('an expired token fires jsforce\'s AuthFailure extension on the next connect and on handshake', async () => {
  const h = await org();
  const token = h.token();
  const sub = new Subscriber(h, token, CONTACTS, -1);
  await sub.subscribe();
  h.expire(token);
  // An event answers the held long poll; the client's next /meta/connect carries the dead token.
  await h.create('Contact', { LastName: 'Wake' });
  await sub.until('AuthFailure', () => sub.authFailure !== undefined);
  assert.equal(sub.authFailure?.channel, '/meta/connect');
  assert.equal(sub.authFailure?.error, StreamingErrors.authInvalid);
  assert.equal(h.streaming.clientCount(), 0, 'the session is gone; a new token needs a new handshake');

  const fresh = new Subscriber(h, token, CONTACTS, -1);
  void fresh.subscribe();
  await fresh.until('AuthFailure on handshake', () => fresh.authFailure !== undefined);
  assert.equal(fresh.authFailure?.channel, '/meta/handshake');
  assert.equal(fresh.authFailure?.error, StreamingErrors.handshakeDenied);
  assert.equal(fresh.authFailure?.ext?.sfdc?.failureReason, StreamingErrors.authInvalid);
});

test('dropClients: the client gets 403::Unknown client, re-handshakes, resubscribes from its last replay id', async () => {
  const h = await org();
  const sub = new Subscriber(h, h.token(), CONTACTS, -1);
  await sub.subscribe();
  await h.create('Contact', { LastName: 'Before drop' });
  await sub.waitForEvents(1);
  assert.equal(sub.handshakes, 1);

  h.streaming.dropClients();
  // Published while the client has no session: only the replay on resubscribe can bring it.
  await h.create('Contact', { LastName: 'During outage' });
  await sub.waitForEvents(2);
  await h.create('Contact', { LastName: 'After' });
  await sub.waitForEvents(3);

  assert.equal(sub.handshakes, 2);
  assert.deepEqual(sub.metaErrors, [`/meta/connect ${StreamingErrors.unknownClient}`]);
  assert.deepEqual(sub.events.map((e) => e.payload['LastName']), ['Before drop', 'During outage', 'After']);
  const counts = h.streaming.requestCount();
  assert.equal(counts['COMETD /meta/handshake'], 2);
  assert.ok((counts['COMETD /meta/connect'] ?? 0) >= 3);
});
