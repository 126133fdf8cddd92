/**
 * Streaming API (CometD/Bayeux over long polling) for the emulated org: Change Data Capture
 * channels and platform-event channels with durable replay, Salesforce's auth failures and
 * error texts, and server-side session loss.
 *
 * Vendor behaviour followed here (Salesforce Streaming API Developer Guide):
 *  - handshake reply ext `{ replay: true, "payload.format": true }`, long-polling only;
 *  - bad token on handshake → `403::Handshake denied` with ext.sfdc.failureReason
 *    `401::Authentication invalid` and advice reconnect none ("Handling Streaming API Errors");
 *  - bad token on connect → `401::Authentication invalid`, advice `{ reconnect: 'none', interval: 0 }`;
 *    missing token → `401::Request requires authentication`;
 *  - unknown/expired session → `403::Unknown client` with advice reconnect handshake; a new
 *    handshake starts with no subscriptions;
 *  - subscribe errors from "Streaming API Error Codes" (unknown channel, invalid replay id) and
 *    the replay-map error CometD clients hit when the map lacks the subscribed channel.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { RequestCounter } from '../common/counter.ts';
import type { FaultInjector } from '../common/faults.ts';
import {
  createNodeAdapter,
  type BayeuxMessage,
  type Engine,
  type EngineProxy,
  type ServerExtension,
} from './cometd-faye.ts';
import {
  ALL_CHANGE_EVENTS,
  EventStore,
  PLATFORM_EVENT_CHANNEL,
  changeEventChannel,
  changeEventPayload,
  platformEventChannel,
  platformEventData,
  schemaId,
  type ChangeRecord,
  type StoredEvent,
} from './cometd-events.ts';
import { CHANGE_EVENT, PLATFORM_EVENT, type PlatformEventMessage } from './changes.ts';

export type { ChangeRecord, EventData } from './cometd-events.ts';
export { changeEventChannel, cdcEntitiesFromForceApp, ALL_CHANGE_EVENTS } from './cometd-events.ts';

export interface StreamingOptions {
  server: http.Server;
  /** The org's newest API version, e.g. '61.0'; clients may use 37.0 up to this one. */
  apiVersion: string;
  /** Token → user id, or undefined when the token is unknown or expired. */
  authenticate(token: string): string | undefined;
  /**
   * Emits 'change' with a ChangeRecord per committed CDC event, and 'platformEvent' with a
   * PlatformEventMessage per platform event published through the REST API.
   */
  changes: EventEmitter;
  /** Event bus retention; 72 h as for CDC and high-volume platform events. */
  retentionHours?: number;
  now?: () => number;
  /** Entities with CDC enabled (PlatformEventChannelMember); default ['Contact']. */
  entities?: string[];
  /** Platform event API names (Sync_Command__e) that exist; absent = any well-formed /event/X__e. */
  platformEvents?: string[];
  /** Share the org's counter so benchmarks see CometD traffic next to REST calls. */
  counter?: RequestCounter;
  /** The org's fault rules also apply to `POST /cometd/<version>` (latency, drop, status). */
  faults?: FaultInjector;
  /** How long a /meta/connect is held without events; Salesforce advises 110 s. */
  longPollSeconds?: number;
  /** A session dies if no /meta/connect arrives this long after the last one ended (Salesforce: 40 s). */
  reconnectWindowSeconds?: number;
}

export interface Streaming {
  /** Publishes on /event/<Name>__e (name or channel accepted); returns the replay id. */
  publishPlatformEvent(channel: string, payload: Record<string, unknown>, createdById?: string): number;
  /** Retained events on a channel, after purging those past retention. */
  eventCount(channel: string): number;
  /** Ends every session server-side, as a Salesforce app-server restart does. */
  dropClients(): void;
  /** Live CometD sessions (handshaken, not expired). */
  clientCount(): number;
  /** Served CometD traffic: `POST /cometd/*` per HTTP request, `COMETD <channel>` per message. */
  requestCount(): Record<string, number>;
  readonly counter: RequestCounter;
  close(): Promise<void>;
}

/** Exact texts the emulator sends, for tests and for the companion's error handling. */
export const StreamingErrors = {
  handshakeDenied: '403::Handshake denied',
  authInvalid: '401::Authentication invalid',
  authMissing: '401::Request requires authentication',
  unknownClient: '403::Unknown client',
  channelUnknown: (channel: string) => `400::The channel you requested to subscribe to does not exist {${channel}}`,
  // Two spaces after "invalid." as the server sends it (seen in EMP-Connector issue #14).
  replayInvalid: (replayId: unknown) =>
    `400::The replayId {${String(replayId)}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`,
  replayMapMissing: (channel: string, map: string) =>
    `400::The replayId for channel {${channel}} wasn't found using the provided replay ID map {${map}}. Ensure that the channel name you provided in the replay map is valid and matches the channel name used for subscribing.`,
  connectionType: (type: string) => `400::Invalid connection type {${type}}`,
  // Not verified against Salesforce: no source found for the text of a client-side publish refusal.
  publishDenied: (channel: string) => `403::Publishing to channel {${channel}} is not allowed`,
} as const;

const LONG_POLLING = 'long-polling';
const MAX_BODY = 32_768;
const MIN_VERSION = 37;
const DEFAULT_USER = '005000000000000AAA';

type AuthProblem = 'missing' | 'invalid';

function authText(problem: AuthProblem): string {
  return problem === 'missing' ? StreamingErrors.authMissing : StreamingErrors.authInvalid;
}

function tokenOf(req: http.IncomingMessage): string | undefined {
  const m = /^(?:OAuth|Bearer)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** Salesforce client ids are ~27 lower-case base-36 characters. */
function newClientId(): string {
  return BigInt('0x' + randomBytes(18).toString('hex')).toString(36).padStart(27, '0').slice(-27);
}

/** How CometD's Java server prints the replay map in its error text: {k=v, k2=v2}. */
function javaMap(map: Record<string, unknown>): string {
  return '{' + Object.entries(map).map(([k, v]) => `${k}=${String(v)}`).join(', ') + '}';
}

interface Subscription {
  /** Highest replay id queued to this subscription: replays and live events never repeat. */
  last: number;
}

interface Session {
  subs: Map<string, Subscription>;
  queue: BayeuxMessage[];
  expiry?: NodeJS.Timeout;
}

/**
 * A faye engine that owns sessions and delivery. faye's Memory engine fans a publish out to
 * every subscriber, but replay needs per-subscription backlogs and a per-subscription
 * high-water mark, so delivery is decided here and faye only carries the long polls.
 */
class SessionEngine implements Engine {
  readonly sessions = new Map<string, Session>();
  /** Set by the subscribe extension right before faye calls subscribe(), keyed client + channel. */
  readonly startAfter = new Map<string, number>();
  private proxy: EngineProxy | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly reconnectWindowMs: number,
    private readonly counter: RequestCounter,
  ) {}

  attach(proxy: EngineProxy): void {
    this.proxy = proxy;
    // A session only lives while the client keeps polling: once a poll is answered, the
    // next one must come within the reconnect window.
    proxy.bind('connection:close', (clientId) => this.armExpiry(clientId));
  }

  static key(clientId: string, channel: string): string {
    return `${clientId}\n${channel}`;
  }

  createClient(callback: (clientId: string) => void, context?: unknown): void {
    let id = newClientId();
    while (this.sessions.has(id)) id = newClientId();
    this.sessions.set(id, { subs: new Map(), queue: [] });
    this.armExpiry(id);
    this.proxy?.trigger('handshake', id);
    callback.call(context, id);
  }

  clientExists(clientId: string, callback: (exists: boolean) => void, context?: unknown): void {
    callback.call(context, this.sessions.has(clientId));
  }

  destroyClient(clientId: string, callback?: () => void, context?: unknown): void {
    const s = this.sessions.get(clientId);
    if (!s) return;
    clearTimeout(s.expiry);
    this.sessions.delete(clientId);
    for (const channel of s.subs.keys()) this.startAfter.delete(SessionEngine.key(clientId, channel));
    this.proxy?.trigger('disconnect', clientId);
    // faye's proxy answers the client's pending long poll on 'close'.
    this.proxy?.trigger('close', clientId);
    callback?.call(context);
  }

  ping(clientId: string): void {
    const s = this.sessions.get(clientId);
    if (!s) return;
    clearTimeout(s.expiry);
    s.expiry = undefined;
  }

  subscribe(clientId: string, channel: string, callback?: (ok: boolean) => void, context?: unknown): void {
    const s = this.sessions.get(clientId);
    if (!s) {
      callback?.call(context, false);
      return;
    }
    const key = SessionEngine.key(clientId, channel);
    const start = this.startAfter.get(key) ?? this.store.latestId();
    this.startAfter.delete(key);
    const sub: Subscription = { last: start };
    s.subs.set(channel, sub);
    for (const ev of this.store.after(channel, start)) this.enqueue(s, channel, sub, ev);
    this.proxy?.trigger('subscribe', clientId, channel);
    this.emptyQueue(clientId);
    callback?.call(context, true);
  }

  unsubscribe(clientId: string, channel: string, callback?: (ok: boolean) => void, context?: unknown): void {
    const removed = this.sessions.get(clientId)?.subs.delete(channel) ?? false;
    if (removed) this.proxy?.trigger('unsubscribe', clientId, channel);
    callback?.call(context, true);
  }

  /** Client publishes are refused by the extension before they get here; nothing to fan out. */
  publish(): void {}

  emptyQueue(clientId: string): void {
    const s = this.sessions.get(clientId);
    if (!s || s.queue.length === 0 || !this.proxy?.hasConnection(clientId)) return;
    const batch = s.queue;
    s.queue = [];
    this.proxy.deliver(clientId, batch);
  }

  disconnect(): void {
    for (const s of this.sessions.values()) clearTimeout(s.expiry);
    this.sessions.clear();
    this.startAfter.clear();
  }

  /** Fans a newly stored event out to the subscriptions of every live session. */
  deliver(ev: StoredEvent): void {
    for (const [clientId, s] of this.sessions) {
      let queued = false;
      for (const channel of ev.channels) {
        const sub = s.subs.get(channel);
        if (sub) queued = this.enqueue(s, channel, sub, ev) || queued;
      }
      if (queued) this.emptyQueue(clientId);
    }
  }

  private enqueue(s: Session, channel: string, sub: Subscription, ev: StoredEvent): boolean {
    if (ev.replayId <= sub.last) return false;
    sub.last = ev.replayId;
    s.queue.push({ channel, data: ev.data });
    this.counter.add(`COMETD deliver ${channel}`);
    return true;
  }

  private armExpiry(clientId: string): void {
    const s = this.sessions.get(clientId);
    if (!s) return;
    clearTimeout(s.expiry);
    s.expiry = setTimeout(() => this.destroyClient(clientId), this.reconnectWindowMs);
    // Abandoned sessions must not keep a test process or the org alive.
    s.expiry.unref();
  }
}

type RequestListener = (req: http.IncomingMessage, res: http.ServerResponse) => void;
type UpgradeListener = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

export function attachStreaming(opts: StreamingOptions): Streaming {
  const now = opts.now ?? Date.now;
  const counter = opts.counter ?? new RequestCounter();
  const store = new EventStore((opts.retentionHours ?? 72) * 3_600_000, now);
  const engine = new SessionEngine(store, (opts.reconnectWindowSeconds ?? 40) * 1000, counter);
  const entities = new Set(opts.entities ?? ['Contact']);
  const cdcChannels = new Set([ALL_CHANGE_EVENTS, ...[...entities].map(changeEventChannel)]);
  const platformEvents = opts.platformEvents ? new Set(opts.platformEvents.map(platformEventChannel)) : undefined;
  const maxVersion = Number(opts.apiVersion);

  const channelExists = (channel: string): boolean =>
    cdcChannels.has(channel) ||
    (PLATFORM_EVENT_CHANNEL.test(channel) && (platformEvents === undefined || platformEvents.has(channel)));

  /** Why a request's credentials fail, or undefined when the token is good right now. */
  const authProblem = (req: http.IncomingMessage): AuthProblem | undefined => {
    const token = tokenOf(req);
    if (!token) return 'missing';
    return opts.authenticate(token) === undefined ? 'invalid' : undefined;
  };

  /**
   * Validates a subscribe and records where each channel's subscription starts. Returns the
   * Salesforce error text, or undefined when faye may go on and subscribe.
   */
  const prepareSubscribe = (message: BayeuxMessage): string | undefined => {
    const channels = ([] as unknown[]).concat(message.subscription ?? []).filter((c): c is string => typeof c === 'string');
    for (const channel of channels) if (!channelExists(channel)) return StreamingErrors.channelUnknown(channel);
    const map = message.ext?.['replay'];
    const starts: Array<[string, number]> = [];
    for (const channel of channels) {
      if (map === undefined || map === null || typeof map !== 'object') {
        // Without the replay extension a subscriber gets new events only.
        starts.push([channel, store.latestId()]);
        continue;
      }
      const replayMap = map as Record<string, unknown>;
      if (!Object.hasOwn(replayMap, channel)) return StreamingErrors.replayMapMissing(channel, javaMap(replayMap));
      const raw = replayMap[channel];
      const id = typeof raw === 'number' || (typeof raw === 'string' && raw.trim() !== '') ? Number(raw) : NaN;
      if (id === -1) starts.push([channel, store.latestId()]);
      else if (id === -2) starts.push([channel, 0]);
      else if (Number.isSafeInteger(id) && store.has(channel, id)) starts.push([channel, id]);
      else return StreamingErrors.replayInvalid(raw);
    }
    if (message.clientId) {
      for (const [channel, start] of starts) engine.startAfter.set(SessionEngine.key(message.clientId, channel), start);
    }
    return undefined;
  };

  const handshakeFailures = new WeakMap<http.IncomingMessage, AuthProblem>();
  /** Connects refused for auth, by request then message id, so the reply can name the client. */
  const connectAuthFailures = new WeakMap<http.IncomingMessage, Map<string, string>>();

  const extension: ServerExtension = {
    incoming(message, request, callback) {
      counter.add(`COMETD ${message.channel}`);
      if (request === null) return callback(message);
      const problem = authProblem(request);
      switch (message.channel) {
        case '/meta/handshake':
          if (problem) {
            message.error = StreamingErrors.handshakeDenied;
            handshakeFailures.set(request, problem);
          }
          break;
        case '/meta/connect':
          if (problem) {
            message.error = authText(problem);
            if (message.clientId) {
              const byId = connectAuthFailures.get(request) ?? new Map<string, string>();
              byId.set(message.id ?? '', message.clientId);
              connectAuthFailures.set(request, byId);
            }
          } else if (message.connectionType !== undefined && message.connectionType !== LONG_POLLING) {
            message.error = StreamingErrors.connectionType(message.connectionType);
          }
          break;
        case '/meta/subscribe': {
          const error = problem ? authText(problem) : prepareSubscribe(message);
          if (error) message.error = error;
          break;
        }
        case '/meta/unsubscribe':
        case '/meta/disconnect':
          if (problem) message.error = authText(problem);
          break;
        default:
          // Streaming API clients only subscribe; events are published through the REST API.
          if (!message.channel.startsWith('/meta/')) message.error = StreamingErrors.publishDenied(message.channel);
      }
      callback(message);
    },

    outgoing(reply, request, callback) {
      if (reply.channel === '/meta/handshake') {
        if (reply.successful) {
          reply.ext = { ...reply.ext, replay: true, 'payload.format': true };
          reply.supportedConnectionTypes = [LONG_POLLING];
          reply.minimumVersion = '1.0';
        } else if (reply.error === StreamingErrors.handshakeDenied && request) {
          const problem = handshakeFailures.get(request) ?? 'invalid';
          reply.ext = { sfdc: { failureReason: authText(problem) }, replay: true, 'payload.format': true };
          reply.advice = { reconnect: 'none' };
        }
      } else if (reply.error !== undefined && /^401:[^:]*:Unknown client$/.test(reply.error)) {
        // faye's own wording; Salesforce answers 403 and tells the client to handshake again.
        reply.error = StreamingErrors.unknownClient;
        reply.advice = { reconnect: 'handshake', interval: 0 };
      } else if (
        reply.channel === '/meta/connect' &&
        (reply.error === StreamingErrors.authInvalid || reply.error === StreamingErrors.authMissing)
      ) {
        const clientId = request ? connectAuthFailures.get(request)?.get(reply.id ?? '') : undefined;
        if (clientId) {
          reply.clientId = clientId;
          // The session cannot be resumed with a new token: the client must handshake again.
          engine.destroyClient(clientId);
        }
        reply.advice = { reconnect: 'none', interval: 0 };
      }
      callback(reply);
    },
  };

  const adapter = createNodeAdapter({
    mount: '/cometd',
    timeout: opts.longPollSeconds ?? 110,
    engine: {
      type: {
        create(proxy) {
          engine.attach(proxy);
          return engine;
        },
      },
    },
  });
  adapter.addExtension(extension);

  const onChange = (rec: ChangeRecord): void => {
    if (!entities.has(rec.entityName)) return;
    const channel = changeEventChannel(rec.entityName);
    const ev = store.append([channel, ALL_CHANGE_EVENTS], (replayId) => ({
      schema: schemaId(channel, opts.apiVersion),
      payload: changeEventPayload(rec),
      event: { replayId },
    }));
    engine.deliver(ev);
  };
  opts.changes.on(CHANGE_EVENT, onChange);

  const publishPlatform = (name: string, fields: Record<string, unknown>, at: number): number => {
    const channel = platformEventChannel(name);
    if (platformEvents && !platformEvents.has(channel)) throw new Error(`no platform event ${channel} in this org`);
    const ev = store.append([channel], (replayId) => platformEventData(channel, fields, replayId, { apiVersion: opts.apiVersion, now: at }));
    engine.deliver(ev);
    return ev.replayId;
  };
  const onPlatformEvent = (msg: PlatformEventMessage): void => {
    publishPlatform(msg.eventName, msg.fields, msg.publishedAt);
  };
  opts.changes.on(PLATFORM_EVENT, onPlatformEvent);

  const server = opts.server;
  const isCometd = (path: string): boolean => path === '/cometd' || path.startsWith('/cometd/');
  const pathOf = (req: http.IncomingMessage): string => new URL(req.url ?? '/', 'http://localhost').pathname;

  const refuse = (res: http.ServerResponse, status: number, error: string): void => {
    res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8' });
    res.end(JSON.stringify([{ successful: false, error }]));
  };

  // faye's own attach() would also answer WebSocket upgrades; Salesforce offers long polling
  // only, so requests are routed here and upgrades on /cometd are refused.
  const previousRequest = server.listeners('request') as RequestListener[];
  const previousUpgrade = server.listeners('upgrade') as UpgradeListener[];

  const onRequest: RequestListener = (req, res) => {
    const path = pathOf(req);
    if (!isCometd(path)) {
      for (const l of previousRequest) l.call(server, req, res);
      return;
    }
    const version = /^\/cometd\/(\d+\.\d)\/?$/.exec(path)?.[1];
    counter.add(`${req.method ?? 'GET'} /cometd/*`);
    const uriFormat = `URI format: '/cometd/${opts.apiVersion}'`;
    if (version === undefined) return refuse(res, 400, `400::API version in the URI is mandatory. ${uriFormat}`);
    if (Number(version) < MIN_VERSION || Number(version) > maxVersion) {
      return refuse(res, 400, `400::Unsupported API version. Only API versions '${MIN_VERSION}.0' and later are supported. ${uriFormat}`);
    }
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) {
      res.writeHead(413, { 'Content-Type': 'text/plain' });
      res.end('Maximum Request Size Exceeded');
      return;
    }
    if (req.method !== 'POST') {
      // What Salesforce answers faye's JSON-P callback-polling GETs (jsforce issue #42).
      res.writeHead(405, 'Only POST allowed', { 'Content-Type': 'text/plain' });
      res.end('Only POST allowed');
      return;
    }
    const fault = opts.faults?.decide(req.method ?? 'POST', path);
    if (!fault || (fault.latencyMs === 0 && !fault.drop && fault.status === undefined)) return adapter.handle(req, res);
    setTimeout(() => {
      if (fault.drop) return void req.socket.destroy();
      if (fault.status !== undefined) {
        const headers: Record<string, string> = { 'Content-Type': 'application/json;charset=UTF-8' };
        if (fault.status === 429 || fault.status === 503) headers['Retry-After'] = String(fault.retryAfterSeconds ?? 1);
        res.writeHead(fault.status, headers);
        res.end(JSON.stringify([{ successful: false, error: `${fault.status}::Injected fault` }]));
        return;
      }
      adapter.handle(req, res);
    }, fault.latencyMs);
  };

  const onUpgrade: UpgradeListener = (req, socket, head) => {
    if (isCometd(pathOf(req))) {
      const body = JSON.stringify([{ successful: false, error: StreamingErrors.connectionType('websocket') }]);
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    if (previousUpgrade.length === 0) socket.destroy();
    for (const l of previousUpgrade) l.call(server, req, socket, head);
  };

  server.removeAllListeners('request');
  server.removeAllListeners('upgrade');
  server.on('request', onRequest);
  server.on('upgrade', onUpgrade);

  let closed = false;
  return {
    counter,

    publishPlatformEvent(channel, payload, createdById) {
      return publishPlatform(channel, { CreatedById: createdById ?? DEFAULT_USER, ...payload }, now());
    },

    eventCount(channel) {
      return store.count(channel);
    },

    dropClients() {
      for (const clientId of [...engine.sessions.keys()]) engine.destroyClient(clientId);
    },

    clientCount() {
      return engine.sessions.size;
    },

    requestCount() {
      return Object.fromEntries(
        Object.entries(counter.snapshot()).filter(([k]) => k.startsWith('COMETD ') || k.endsWith(' /cometd/*')),
      );
    },

    async close() {
      if (closed) return;
      closed = true;
      opts.changes.off(CHANGE_EVENT, onChange);
      opts.changes.off(PLATFORM_EVENT, onPlatformEvent);
      // Answers every held long poll, then clears the engine (and with it the session timers).
      adapter.close();
      server.off('request', onRequest);
      server.off('upgrade', onUpgrade);
      for (const l of [...previousRequest].reverse()) server.prependListener('request', l);
      for (const l of [...previousUpgrade].reverse()) server.prependListener('upgrade', l);
    },
  };
}
