/**
 * Setup shared by the Salesforce connector e2e files: a connected app and an org emulator that
 * trusts it, the connector's options for that org, reps, seeded events and a jsforce client.
 * Each file used to repeat these; the tests themselves stay in the files.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Connection, type ConnectionConfig } from 'jsforce';
import { startOrg, type NewUser, type OrgEmulator, type OrgOptions } from '../../sandbox/salesforce/index.ts';
import type { SalesforceConnectorOptions, SalesforceWriteResult } from '../../companion/src/connectors/salesforce/index.ts';
import { eventually } from './clients.ts';

/** The package metadata the org emulator reads its custom objects from. */
export const FORCE_APP_DIR = fileURLToPath(new URL('../../force-app', import.meta.url));

/** A connected app: the org checks JWTs against the public key, the connector signs with the private one. */
export interface ConnectedApp {
  clientId: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

/** A fresh RSA key pair and a client id that starts with `3MVG9${name}`. */
export function connectedApp(name: string): ConnectedApp {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    clientId: `3MVG9${name}${randomBytes(8).toString('hex')}`,
  };
}

/** Starts an org emulator that trusts `app`; force-app unless `opts.forceAppDir` says otherwise. */
export function startAppOrg(app: ConnectedApp, opts: Partial<OrgOptions> = {}): Promise<OrgEmulator> {
  return startOrg({ forceAppDir: FORCE_APP_DIR, connectedApp: { clientId: app.clientId, publicKeyPem: app.publicKeyPem }, ...opts });
}

/** Adds the admin the connector logs in as, `integration@${domain}`, and returns its id. */
export function addIntegrationUser(org: OrgEmulator, domain: string): string {
  const username = `integration@${domain}`;
  return org.addUser({ username, email: username, lastName: 'Integration', isAdmin: true });
}

/** Connector options for `org` as `integration@${domain}`, on the test's clock, with short retries. */
export function connectorOptions(org: OrgEmulator, app: ConnectedApp, domain: string, now: () => number): SalesforceConnectorOptions {
  return {
    instanceUrl: org.url,
    loginUrl: org.loginUrl,
    apiVersion: org.apiVersion,
    clientId: app.clientId,
    privateKeyPem: app.privateKeyPem,
    integrationUsername: `integration@${domain}`,
    clock: { now: () => new Date(now()) },
    retry: { baseDelayMs: 20, maxDelayMs: 1500 },
  };
}

/** What {@link connectorOrgHooks} hands the file once its org is up. */
export interface ConnectorOrg {
  org: OrgEmulator;
  app: ConnectedApp;
  integrationId: string;
  /** {@link connectorOptions} for this org on the file's clock. */
  options: SalesforceConnectorOptions;
}

/**
 * Registers before/after hooks in the calling file. before starts an org trusting a new connected
 * app named `name`, adds `integration@${domain}` and calls `start`, which returns the connector
 * (or anything else to close); after closes that, then the org.
 */
export function connectorOrgHooks(
  opts: { name: string; domain: string; now: () => number; org?: Partial<OrgOptions> },
  start: (s: ConnectorOrg) => { close(): Promise<void> },
): void {
  let org: OrgEmulator | undefined;
  let started: { close(): Promise<void> } | undefined;
  before(async () => {
    const app = connectedApp(opts.name);
    org = await startAppOrg(app, { now: opts.now, ...opts.org });
    const integrationId = addIntegrationUser(org, opts.domain);
    started = start({ org, app, integrationId, options: connectorOptions(org, app, opts.domain, opts.now) });
  });
  after(async () => {
    await started?.close();
    await org?.close();
  });
}

let seq = 0;
/** A name no other call in this process returns: the prefix, a counter and random hex. */
export const unique = (prefix: string): string => `${prefix}${++seq}${randomBytes(3).toString('hex')}`;

/** A new rep whose username and e-mail are `${unique('rep')}@${domain}`. */
export function addRep(org: OrgEmulator, domain: string, extra: Partial<NewUser> = {}): { id: string; email: string } {
  const name = unique('rep');
  const email = `${name}@${domain}`;
  return { id: org.addUser({ username: email, email, lastName: name, ...extra }), email };
}

/** A timed event seeded straight into the org (as the rep, so the rep owns it), `minutes` long. */
export function seedTimedEvent(org: OrgEmulator, rep: string, subject: string, start: string, minutes: number, extra: Record<string, unknown> = {}): string {
  return org.insert('Event', { Subject: subject, StartDateTime: start, DurationInMinutes: minutes, ...extra }, rep);
}

/** A jsforce client acting as `userId`, as a client tool would. */
export function orgClient(org: OrgEmulator, userId: string, extra: Partial<ConnectionConfig> = {}): Connection {
  return new Connection({ instanceUrl: org.url, accessToken: org.issueToken(userId), version: org.apiVersion, ...extra });
}

/** The id of a successful write; fails the test otherwise. */
export function okId(r: SalesforceWriteResult | undefined): string {
  assert.ok(r?.ok, `expected success, got ${JSON.stringify(r)}`);
  return r.id;
}

/** Waits for `probe` to turn truthy, checking every 25 ms (CDC delivery in the emulator is quick). */
export function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 8000): Promise<T> {
  return eventually(what, probe, timeoutMs, 25);
}
