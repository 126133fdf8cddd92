/**
 * The composition root: the only place that picks implementations (jsforce connector, Graph
 * connector, PGlite or PostgreSQL store, pg-boss queue) and wires them to the engine.
 */
import { EventEmitter } from 'node:events';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SynclineConfig } from './config/schema.ts';
import { ConfigError, readSecret } from './config/load.ts';
import { createSalesforceConnector } from './connectors/salesforce/index.ts';
import { createGraphConnector } from './connectors/graph/index.ts';
import { createGraphClient } from './connectors/graph/client.ts';
import { createGraphEventsConnector } from './connectors/graph/events/index.ts';
import { GRAPH_CONTACT_FIELDS } from './core/graph-contact.ts';
import { openDb } from './store/db.ts';
import { createStateStore } from './store/state-store.ts';
import { deriveStoreKey, loadSalt, StoreKeyError } from './store/sealed-salt.ts';
import { createJobQueue } from './queue/pgboss-queue.ts';
import { syncUserContacts, type ContactSyncOutcome } from './engine/contact-sync.ts';
import { syncUserEvents, type EventSyncOutcome } from './engine/event-sync.ts';
import { withEventStatus } from './engine/event-status.ts';
import { reconcileAll, routeRecordChange, type RecordKind } from './engine/record-changes.ts';
import { contactKind, eventKind } from './engine/change-kinds.ts';
import { cursorNames } from './engine/cursors.ts';
import { StatusPublisher } from './engine/status-publisher.ts';
import { holdChangeSubscriptions } from './engine/change-subscriptions.ts';
import { advisoryLeader, soleLeader } from './store/leader-lock.ts';
import type { SyncUser, Subscription } from './ports/salesforce.ts';
import type { StateStore, JobQueue } from './ports/state.ts';
import { systemClock, type Clock } from './ports/clock.ts';
import type { Log } from './ports/log.ts';

export interface AppOptions {
  config: SynclineConfig & { configDir: string };
  log: Log;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
}

export interface AppEvents {
  pass: [ContactSyncOutcome];
  eventsPass: [EventSyncOutcome];
  /** One user's whole job (contacts, then events) finished without throwing. */
  round: [SyncRound];
  passFailed: [{ userId: string; error: string }];
  users: [SyncUser[]];
}

export interface SyncRound {
  userId: string;
  /** When the job started (ms since the epoch): rounds that began before a change can't have seen it. */
  startedAt: number;
  contacts: ContactSyncOutcome;
  events: EventSyncOutcome;
}

export interface App {
  events: EventEmitter<AppEvents>;
  store: StateStore;
  users(): SyncUser[];
  /** Queue a pass for one user, or for every user. */
  syncNow(userId?: string): Promise<void>;
  refreshUsers(): Promise<SyncUser[]>;
  /** Forget a user's links and cursors; the next pass pairs everything again without duplicates. */
  resetUser(userId: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startApp(opts: AppOptions): Promise<App> {
  const { config, log } = opts;
  const env = opts.env ?? process.env;
  const clock = opts.clock ?? systemClock;
  const events = new EventEmitter<AppEvents>();

  // Secrets first: a configuration mistake should stop us before anything is opened or locked.
  const privateKeyPem = readSecret(config.salesforce.privateKey, 'salesforce.privateKey', config.configDir, env);
  try {
    crypto.createPrivateKey(privateKeyPem);
  } catch {
    // Caught here, a bad key is a configuration error, not a login that "may work later".
    throw new ConfigError('salesforce.privateKey: is not a readable PEM private key (the key of the connected app\'s certificate)');
  }
  const clientSecret = readSecret(config.microsoft.clientSecret, 'microsoft.clientSecret', config.configDir, env);
  let storeKey: crypto.KeyObject | undefined;
  try {
    if (config.storeKey) storeKey = deriveStoreKey(readSecret(config.storeKey, 'storeKey', config.configDir, env));
  } catch (err) {
    throw asConfigError(err);
  }

  const db = await openDb({ dataDir: config.databaseUrl ? undefined : config.dataDir, databaseUrl: config.databaseUrl, lockWaitMs: 15_000 });
  const store = createStateStore(db);
  let salt: string;
  try {
    await store.migrate();
    salt = await loadSalt(store, storeKey, log);
  } catch (err) {
    // Release the data directory (or connection): the admin fixes the config and starts again.
    await store.close().catch(() => undefined);
    throw asConfigError(err);
  }

  const salesforce = createSalesforceConnector({
    instanceUrl: config.salesforce.instanceUrl,
    loginUrl: config.salesforce.loginUrl,
    apiVersion: config.salesforce.apiVersion,
    clientId: config.salesforce.clientId,
    privateKeyPem,
    integrationUsername: config.salesforce.integrationUsername,
    clientIdForCallOptions: config.sync.clientId,
    log,
  });
  const authorityMetadata = config.microsoft.authorityMetadataFile
    ? fs.readFileSync(path.resolve(config.configDir, config.microsoft.authorityMetadataFile), 'utf8')
    : undefined;
  const graphOptions = {
    tenantId: config.microsoft.tenantId,
    clientId: config.microsoft.clientId,
    clientSecret,
    authority: config.microsoft.authority ?? `https://login.microsoftonline.com/${config.microsoft.tenantId}`,
    authorityMetadata,
    graphUrl: config.microsoft.graphUrl,
    log,
  };
  // One client for contacts and events: one token cache, one per-mailbox request limit.
  const graphClient = createGraphClient(graphOptions);
  const mailbox = createGraphConnector({ ...graphOptions, client: graphClient, folderName: config.microsoft.contactFolderName });
  const mailboxEvents = createGraphEventsConnector({ ...graphOptions, client: graphClient });

  const queue: JobQueue = createJobQueue(db, {
    concurrency: config.sync.workers,
    onError: (e) => log('warn', 'job queue error', { error: e.message }),
  });
  // Resets run inside the user's own job, so they can't race a pass that is writing links.
  const resetRequested = new Set<string>();
  let users = new Map<string, SyncUser>();
  const refreshUsers = async () => {
    const list = await salesforce.loadSyncUsers();
    users = new Map(list.map((u) => [u.userId, u]));
    events.emit('users', list);
    return list;
  };
  await refreshUsers();

  const deps = {
    salesforce,
    mailbox,
    mailboxFields: GRAPH_CONTACT_FIELDS,
    store,
    clock,
    log,
    salt,
  };

  const eventDeps = { salesforce, relations: salesforce, mailbox: mailboxEvents, store, clock, log, salt, keys: { newKey: () => crypto.randomBytes(12).toString('base64url') } };

  const statusPublisher = new StatusPublisher({ salesforce, store, clock, log, refreshMs: config.sync.statusRefreshSeconds * 1000 });
  let publishTimer: NodeJS.Timeout | undefined;
  // Passes finish in bursts (every user on each poll); one upsert call after the burst covers them all.
  const schedulePublish = () => {
    publishTimer ??= setTimeout(() => {
      publishTimer = undefined;
      void statusPublisher.flush();
    }, 1000);
  };
  events.on('pass', schedulePublish);
  events.on('eventsPass', schedulePublish);
  events.on('passFailed', schedulePublish);

  const recordFailure = async (userId: string, what: string, err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    log('error', `${what} pass failed`, { userId, error: message });
    const prev = await store.getUserStatus(userId);
    await store.saveUserStatus({
      userId,
      contactsLinked: 0,
      contactsFailed: 0,
      ...prev,
      state: 'error',
      lastErrorCode: 'pass_failed',
      lastError: `${what}: ${message}`,
      updatedAt: clock.now().toISOString(),
    });
    events.emit('passFailed', { userId, error: message });
  };

  await queue.start();
  await queue.work(async (userId) => {
    const user = users.get(userId);
    if (!user) return;
    if (resetRequested.delete(userId)) {
      await store.resetUser(userId);
      log('info', 'user reset: links and cursors forgotten', { userId });
    }
    // Contacts and events are separate capabilities: one failing never keeps the other from running.
    const startedAt = clock.now().getTime();
    let failure: unknown;
    let contactsActive = false;
    let contacts: ContactSyncOutcome | undefined;
    let eventsOutcome: EventSyncOutcome | undefined;
    try {
      const outcome = await syncUserContacts(deps, user);
      contacts = outcome;
      contactsActive = outcome.skipped === undefined;
      log('info', 'contacts pass done', { ...outcome });
      events.emit('pass', outcome);
    } catch (err) {
      failure = err;
      contactsActive = true;
      await recordFailure(userId, 'contacts', err);
    }
    try {
      const outcome = await syncUserEvents(eventDeps, user);
      eventsOutcome = outcome;
      if (outcome.skipped === undefined) {
        const { standing, ...summary } = outcome;
        log('info', 'events pass done', { ...summary, problems: standing.length });
        await store.saveUserStatus(withEventStatus(await store.getUserStatus(userId), outcome, contactsActive, clock.now().toISOString()));
      }
      events.emit('eventsPass', outcome);
    } catch (err) {
      failure ??= err;
      await recordFailure(userId, 'events', err);
    }
    // Failing the job lets the queue retry it with backoff.
    if (failure !== undefined) throw failure;
    if (contacts && eventsOutcome) events.emit('round', { userId, startedAt, contacts, events: eventsOutcome });
  });

  const enqueue = (userId: string) => queue.enqueueMailboxSync(userId);
  const routerDeps = {
    store,
    log,
    isSyncUser: (id: string) => users.has(id),
    allSyncUsers: () => [...users.keys()],
    enqueue,
  };

  const subscribe = async (kind: RecordKind, open: typeof salesforce.subscribeContactChanges): Promise<Subscription> => {
    const stored = await store.getCursor(kind.replayCursor);
    return open(
      stored ? Number(stored) : -1,
      (event) => routeRecordChange(routerDeps, kind, event),
      async () => {
        log('warn', 'stored replay id is past retention; reconciling every user', { kind: kind.name });
        await store.setCursor(kind.replayCursor, undefined);
        await reconcileAll(routerDeps, kind);
      },
    );
  };
  // With several companions on one PostgreSQL store, only the one holding the lock subscribes.
  const changeSubscriptions = await holdChangeSubscriptions({
    lock: config.databaseUrl ? advisoryLeader(config.databaseUrl) : soleLeader(),
    open: async () => [
      await subscribe(contactKind(store, salesforce), (...a) => salesforce.subscribeContactChanges(...a)),
      await subscribe(eventKind(store, salesforce), (...a) => salesforce.subscribeEventChanges(...a)),
    ],
    retryMs: config.sync.pollIntervalSeconds * 1000,
    log,
  });

  const syncNow = async (userId?: string) => {
    for (const id of userId ? [userId] : [...users.keys()]) await enqueue(id);
  };
  // Mailbox changes are polled; Salesforce changes arrive by CDC, and each poll also catches up on them.
  const pollTimer = setInterval(() => void syncNow().catch((e) => log('warn', 'poll enqueue failed', { error: String(e) })), config.sync.pollIntervalSeconds * 1000);
  const usersTimer = setInterval(
    () => void refreshUsers().then(() => syncNow()).catch((e) => log('warn', 'refreshing sync users failed', { error: String(e) })),
    config.sync.usersRefreshSeconds * 1000,
  );
  await syncNow();

  return {
    events,
    store,
    users: () => [...users.values()],
    syncNow,
    refreshUsers,
    resetUser: async (userId) => {
      resetRequested.add(userId);
      await enqueue(userId);
    },
    stop: async () => {
      clearInterval(pollTimer);
      clearInterval(usersTimer);
      clearTimeout(publishTimer);
      await changeSubscriptions.stop();
      await queue.stop();
      await statusPublisher.flush();
      await salesforce.close();
      await mailbox.close();
      await mailboxEvents.close();
      graphClient.close();
      await store.close();
    },
  };
}

/** A storeKey problem is a configuration error (exit code 2), reported under the config key's name. */
function asConfigError(err: unknown): unknown {
  return err instanceof StoreKeyError ? new ConfigError(err.message) : err;
}
