/**
 * One CDC subscription (e.g. /data/ContactChangeEvent) over jsforce's faye client, as the
 * integration user.
 *
 * Replay: jsforce's Replay extension remembers the last id *received*, in memory. We resume from
 * the last id *processed* (the one the caller has persisted once onEvent resolved), so this file
 * carries its own extension: every /meta/subscribe for the channel — the first one and the ones
 * faye sends itself after a re-handshake — asks for events after the last processed id. Events
 * still queued keep their place; the copies the server sends again are recognised by replay id
 * and skipped, so each event reaches onEvent once, in order. Before anything has been processed
 * the last received id stands in: resubscribing from -1 there would silently skip the events
 * published while the session was down.
 *
 * Recovery:
 * - subscribe refused because the replay id is outside retention → onReplayRejected() is queued
 *   ahead of any later event, and the client resubscribes from -1;
 * - `401::Authentication invalid` / advice reconnect "none" → new token, new client;
 * - transport down for longer than `downRebuildMs` → new token, new client (covers servers that
 *   answer an expired session with a bare HTTP 401 that faye only sees as a transport error).
 */
import type { Connection } from 'jsforce';
import type { Log } from '../../ports/log.ts';
import type { RecordChangeEvent, Subscription } from '../../ports/salesforce.ts';
import type { SalesforceApi } from './api.ts';
import { toRecordChangeEvent, replayIdOf } from './change-events.ts';
import { SalesforceApiError } from './errors.ts';

export interface ChangeStreamOptions {
  api: SalesforceApi;
  channel: string;
  clientId: string;
  log: Log;
  replayFrom: number;
  onEvent: (event: RecordChangeEvent) => Promise<void>;
  onReplayRejected: () => Promise<void>;
  /** How long the CometD transport may stay down before the client is rebuilt with a fresh token. */
  downRebuildMs?: number;
}

/** What we use of a faye Client; jsforce's ambient faye types omit disconnect() and on(). */
interface FayeClient {
  subscribe(channel: string, listener: (data: unknown) => void): PromiseLike<void> & { cancel(): void };
  disconnect(): unknown;
  on(event: 'transport:down' | 'transport:up', listener: () => void): unknown;
}

/**
 * faye has no "stop for good": disconnect() acts only while connected, an unconnected client
 * keeps re-handshaking on a timer, and a request that fails after the dispatcher closed still
 * arms a 5 s retry timer. stopClient reaches into these internals so a discarded client goes quiet.
 */
interface FayeInternals {
  _advice?: { reconnect?: string };
  _dispatcher?: {
    close?: () => void;
    _envelopes?: Map<string, { request?: Promise<{ destroy?: () => void } | undefined> | null; timer?: NodeJS.Timeout | null }>;
  };
}

interface BayeuxMessage {
  channel?: string;
  successful?: boolean;
  subscription?: string | string[];
  error?: unknown;
  advice?: { reconnect?: unknown };
  ext?: Record<string, unknown> & { sfdc?: { failureReason?: unknown } };
}

type Job = { kind: 'event'; event: RecordChangeEvent } | { kind: 'replay-rejected' };

const KNOWN_MEMORY = 10_000;
const MAX_BACKOFF_MS = 60_000;

export class ChangeStream implements Subscription {
  private readonly o: ChangeStreamOptions;
  private lastProcessed: number;
  /** Last replay id accepted into the queue; undefined until the first event. */
  private lastReceived: number | undefined;
  private readonly queue: Job[] = [];
  private draining: Promise<void> | undefined;
  /** Replay ids already queued or handled (bounded), to skip redelivered copies. */
  private readonly known = new Set<number>();
  private readonly knownOrder: number[] = [];

  private client: FayeClient | undefined;
  private generation = 0;
  private tokenInUse: string | null | undefined;
  private rebuilding: Promise<void> | undefined;
  private downTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly wakers = new Set<() => void>();

  private acked = false;
  private resolveFirst!: () => void;
  private rejectFirst!: (err: unknown) => void;
  private readonly first: Promise<void>;

  constructor(options: ChangeStreamOptions) {
    this.o = options;
    this.lastProcessed = options.replayFrom;
    this.first = new Promise<void>((resolve, reject) => {
      this.resolveFirst = resolve;
      this.rejectFirst = reject;
    });
    // Rejections of `first` are delivered through start(); never leave one unhandled.
    this.first.catch(() => {});
  }

  /** Resolves once Salesforce acknowledged the subscription. */
  async start(): Promise<void> {
    try {
      await this.connect(false);
      await this.first;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.downTimer);
    for (const wake of this.wakers) wake();
    const client = this.client;
    this.client = undefined;
    const stopped = client ? stopClient(client, 2_000) : Promise.resolve();
    this.rejectFirst(new SalesforceApiError('subscription closed before it was acknowledged', 'CLOSED', 'rejected'));
    // The event being handled finishes; nothing after it starts.
    await Promise.all([stopped, this.draining]);
  }

  // ─── client lifecycle ──────────────────────────────────────────────────────────────────

  private async connect(refresh: boolean): Promise<void> {
    const who = this.o.api.integration;
    const conn: Connection = await this.o.api.pool.connection(who.username, who.label);
    if (refresh) await this.o.api.pool.refresh(who.username, who.label, conn, this.tokenInUse);
    if (this.closed) return;
    this.tokenInUse = conn.accessToken;
    const gen = ++this.generation;
    const old = this.client;
    // The old session is usually dead already (auth, replay refused); do not wait for it.
    if (old) void stopClient(old, 0);
    // createClient is typed with the ambient faye declaration; FayeClient names what we call.
    const client = conn.streaming.createClient([this.extension(gen)]) as unknown as FayeClient;
    this.client = client;
    client.on('transport:down', () => this.onTransportDown(gen));
    client.on('transport:up', () => {
      if (gen === this.generation) clearTimeout(this.downTimer);
    });
    client.subscribe(this.o.channel, (data) => this.onMessage(gen, data));
    this.o.log('debug', 'salesforce cdc subscribing', { channel: this.o.channel, replayFrom: this.resumePoint() });
  }

  /** Rebuilds the client, once at a time, backing off while Salesforce or the token endpoint fails. */
  private rebuild(refresh: boolean, reason: string): void {
    if (this.closed || this.rebuilding) return;
    this.o.log('info', 'salesforce cdc reconnecting', { channel: this.o.channel, reason });
    this.rebuilding = (async () => {
      for (let attempt = 1; !this.closed; attempt++) {
        try {
          await this.connect(refresh);
          return;
        } catch (err) {
          const code = err instanceof SalesforceApiError ? err.code : 'UNKNOWN';
          if (!this.acked && err instanceof SalesforceApiError && !err.retryable) {
            this.rejectFirst(err);
            return;
          }
          this.o.log('error', 'salesforce cdc reconnect failed; will retry', { channel: this.o.channel, code, attempt });
          await this.sleep(Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (attempt - 1)));
        }
      }
    })().finally(() => {
      this.rebuilding = undefined;
    });
  }

  private onTransportDown(gen: number): void {
    if (gen !== this.generation || this.closed) return;
    clearTimeout(this.downTimer);
    this.downTimer = setTimeout(() => {
      if (gen === this.generation) this.rebuild(true, 'transport down');
    }, this.o.downRebuildMs ?? 15_000);
  }

  private extension(gen: number) {
    const channel = this.o.channel;
    return {
      outgoing: (message: BayeuxMessage, callback: (m: BayeuxMessage) => void) => {
        if (message.channel === '/meta/subscribe' && message.subscription === channel) {
          const replay = message.ext && typeof message.ext.replay === 'object' && message.ext.replay !== null ? message.ext.replay : {};
          message.ext = { ...message.ext, replay: { ...replay, [channel]: this.resumePoint() } };
        }
        callback(message);
      },
      incoming: (message: BayeuxMessage, callback: (m: BayeuxMessage) => void) => {
        if (gen === this.generation && !this.closed) this.inspect(gen, message);
        callback(message);
      },
    };
  }

  private inspect(gen: number, message: BayeuxMessage): void {
    const subs = ([] as unknown[]).concat(message.subscription ?? []);
    if (message.channel === '/meta/subscribe' && subs.includes(this.o.channel)) {
      if (message.successful) {
        this.o.log('info', 'salesforce cdc subscribed', { channel: this.o.channel, replayFrom: this.resumePoint() });
        if (!this.acked) {
          this.acked = true;
          this.resolveFirst();
        }
      } else {
        queueMicrotask(() => this.onSubscribeFailed(gen, message));
      }
      return;
    }
    const meta = message.channel === '/meta/handshake' || message.channel === '/meta/connect';
    if (meta && message.successful === false && message.advice?.reconnect === 'none') {
      this.o.log('warn', 'salesforce cdc authentication rejected', { channel: this.o.channel, meta: message.channel });
      queueMicrotask(() => this.rebuild(true, 'authentication'));
    }
  }

  private onSubscribeFailed(gen: number, message: BayeuxMessage): void {
    if (gen !== this.generation || this.closed) return;
    const error = typeof message.error === 'string' ? message.error : '';
    const reason = typeof message.ext?.sfdc?.failureReason === 'string' ? message.ext.sfdc.failureReason : '';
    if (/replay\s*id/i.test(error) && /invalid|not\s+valid|expired/i.test(error)) {
      this.o.log('warn', 'salesforce cdc replay id outside retention; resubscribing from new events', {
        channel: this.o.channel,
        replayFrom: this.resumePoint(),
      });
      // The engine reconciles everything after onReplayRejected, queued events included.
      this.lastProcessed = -1;
      this.lastReceived = undefined;
      this.queue.length = 0;
      this.queue.push({ kind: 'replay-rejected' });
      this.drain();
      this.rebuild(false, 'replay rejected');
      return;
    }
    const code = /^(\d{3})::/.exec(error)?.[1] ?? /^(\d{3})::/.exec(reason)?.[1];
    if (/401/.test(reason) || code === '401') {
      this.rebuild(true, 'authentication');
      return;
    }
    if (!this.acked) {
      // The first subscribe failed for a reason retrying will not fix (no CDC permission, unknown channel).
      this.rejectFirst(new SalesforceApiError(`Salesforce refused the ${this.o.channel} subscription (Bayeux ${code ?? 'error'})`, `BAYEUX_${code ?? 'ERROR'}`, 'rejected'));
      return;
    }
    this.o.log('error', 'salesforce cdc subscribe refused; will retry', { channel: this.o.channel, bayeuxCode: code });
    void this.sleep(5_000).then(() => {
      if (gen === this.generation) this.rebuild(false, 'subscribe refused');
    });
  }

  // ─── events, one at a time ─────────────────────────────────────────────────────────────

  private onMessage(gen: number, data: unknown): void {
    if (gen !== this.generation || this.closed) return;
    const replayId = replayIdOf(data);
    if (replayId !== undefined && this.known.has(replayId)) return;
    const event = toRecordChangeEvent(data, this.o.clientId);
    if (!event) {
      this.o.log('warn', 'salesforce cdc message without a change event header ignored', { channel: this.o.channel, replayId });
      return;
    }
    this.remember(event.replayId);
    this.lastReceived = event.replayId;
    this.queue.push({ kind: 'event', event });
    this.drain();
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = (async () => {
      while (!this.closed) {
        const job = this.queue.shift();
        if (!job) break;
        if (job.kind === 'event') {
          if (await this.persistently('event handler', () => this.o.onEvent(job.event))) this.lastProcessed = job.event.replayId;
        } else {
          await this.persistently('replay-rejected handler', () => this.o.onReplayRejected());
        }
      }
    })().finally(() => {
      this.draining = undefined;
      if (!this.closed && this.queue.length > 0) this.drain();
    });
  }

  /**
   * Skipping a failed event would lose it for good (later ids get persisted past it), so the
   * handler is retried with back-off until it succeeds or the subscription closes.
   */
  private async persistently(what: string, fn: () => Promise<void>): Promise<boolean> {
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        await fn();
        return true;
      } catch (err) {
        const name = err instanceof Error ? err.name : 'Error';
        this.o.log('error', `salesforce cdc ${what} failed; retrying`, { channel: this.o.channel, error: name, attempt });
        await this.sleep(Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (attempt - 1)));
      }
    }
    return false;
  }

  private remember(replayId: number): void {
    this.known.add(replayId);
    this.knownOrder.push(replayId);
    if (this.knownOrder.length > KNOWN_MEMORY) {
      const old = this.knownOrder.shift();
      if (old !== undefined) this.known.delete(old);
    }
  }

  /** Where a (re)subscribe starts: see the file comment. */
  private resumePoint(): number {
    if (this.lastProcessed >= 0 || this.lastReceived === undefined) return this.lastProcessed;
    return this.lastReceived;
  }

  /** A delay that close() cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }
}

/**
 * Sends /meta/disconnect (which ends the server session and its subscriptions, so no separate
 * unsubscribe is needed), waits up to `waitMs` for the answer, then cancels whatever is still
 * in flight.
 */
async function stopClient(client: FayeClient, waitMs: number): Promise<void> {
  const internals = client as unknown as FayeInternals;
  let pending: unknown;
  try {
    pending = client.disconnect();
  } catch {
    // Best effort: the client is being discarded either way.
  }
  if (internals._advice) internals._advice.reconnect = 'none';
  if (waitMs > 0 && typeof (pending as PromiseLike<unknown> | undefined)?.then === 'function') {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.resolve(pending as PromiseLike<unknown>).then(
        () => {},
        () => {},
      ),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]);
    clearTimeout(timer);
  }
  const dispatcher = internals._dispatcher;
  if (dispatcher?._envelopes) {
    for (const envelope of dispatcher._envelopes.values()) {
      if (envelope.timer) clearTimeout(envelope.timer);
      void envelope.request?.then(
        (req) => req?.destroy?.(),
        () => {},
      );
    }
    dispatcher._envelopes.clear();
  }
  dispatcher?.close?.();
}
