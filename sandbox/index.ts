/**
 * The whole sandbox in one call: the org and Microsoft emulators, seeded, with the key material
 * and a companion config written to a directory, and a manifest describing it all.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOrg, type OrgEmulator } from './salesforce/index.ts';
import { startGraph, type GraphEmulator } from './microsoft/index.ts';
import { seedSandbox, mailboxSeedContacts, type SeedOptions, type Seeded } from './seed.ts';
import { mailboxSeedEvents } from './seed-events.ts';
import type { FaultRule } from './common/faults.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface SandboxOptions extends SeedOptions {
  /** Where keys, the companion config and its data dir go (created, mode 0700). */
  dir: string;
  orgPort?: number;
  graphPort?: number;
  graphLimits?: { requestsPer10Minutes?: number; concurrentPerMailbox?: number };
  orgFaults?: FaultRule[];
  graphFaults?: FaultRule[];
  /** Seed the sample data (default true). */
  seed?: boolean;
}

export interface SandboxManifest {
  salesforce: {
    instanceUrl: string;
    loginUrl: string;
    apiVersion: string;
    adminAccessToken: string;
    clientId: string;
    privateKeyFile: string;
    integrationUsername: string;
    users: Array<{ id: string; username: string; email: string }>;
  };
  microsoft: {
    tenantId: string;
    authority: string;
    tokenEndpoint: string;
    graphUrl: string;
    clientId: string;
    clientSecret: string;
    authorityMetadataFile: string;
  };
  companionConfig: string;
}

export interface Sandbox {
  org: OrgEmulator;
  graph: GraphEmulator;
  seeded: Seeded;
  manifest: SandboxManifest;
  configPath: string;
  close(): Promise<void>;
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const dir = path.resolve(opts.dir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clientId = `3MVG9sandbox${crypto.randomBytes(12).toString('hex')}`;
  const privateKeyFile = path.join(dir, 'salesforce-jwt.key');
  fs.writeFileSync(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });

  const org = await startOrg({
    port: opts.orgPort,
    forceAppDir: path.join(REPO_ROOT, 'force-app'),
    connectedApp: { clientId, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    faults: opts.orgFaults,
  });
  const graph = await startGraph({ port: opts.graphPort, limits: opts.graphLimits, faults: opts.graphFaults });

  const seeded = seedSandbox(org, graph, opts.seed === false ? { users: 0, contactsPerUser: 0 } : opts);
  if (opts.seed !== false) await seedMailboxes(graph, seeded, org, opts.mailboxContactsPerUser ?? 2);
  if (opts.seed !== false && opts.events !== false) await seedMailboxEvents(graph, seeded, opts.now ?? Date.now());

  const secretFile = path.join(dir, 'graph-client-secret');
  fs.writeFileSync(secretFile, graph.clientSecret, { mode: 0o600 });
  const metadataFile = path.join(dir, 'graph-authority-metadata.json');
  fs.writeFileSync(metadataFile, graph.authorityMetadata, { mode: 0o600 });
  // The store key seals the companion's hash key; a directory used before keeps its key, since
  // its companion-data is sealed with it.
  const storeKeyFile = path.join(dir, 'store-key');
  if (!fs.existsSync(storeKeyFile)) fs.writeFileSync(storeKeyFile, crypto.randomBytes(32).toString('base64url') + '\n', { mode: 0o600 });

  const configPath = path.join(dir, 'syncline.sandbox.json');
  const companionConfig = {
    dataDir: './companion-data',
    storeKey: { file: path.basename(storeKeyFile) },
    salesforce: {
      instanceUrl: org.url,
      loginUrl: org.loginUrl,
      apiVersion: org.apiVersion,
      clientId,
      integrationUsername: seeded.integrationUser.username,
      privateKey: { file: path.basename(privateKeyFile) },
    },
    microsoft: {
      tenantId: graph.tenantId,
      clientId: graph.clientId,
      clientSecret: { file: path.basename(secretFile) },
      authority: graph.authority,
      authorityMetadataFile: path.basename(metadataFile),
      graphUrl: graph.graphUrl,
    },
    // The sandbox polls faster than the 30 s default so a demo shows mailbox edits arriving quickly.
    sync: { pollIntervalSeconds: 5 },
  };
  fs.writeFileSync(configPath, JSON.stringify(companionConfig, null, 2) + '\n', { mode: 0o600 });

  const manifest: SandboxManifest = {
    salesforce: {
      instanceUrl: org.url,
      loginUrl: org.loginUrl,
      apiVersion: org.apiVersion,
      adminAccessToken: org.issueToken(seeded.integrationUser.id),
      clientId,
      privateKeyFile,
      integrationUsername: seeded.integrationUser.username,
      users: seeded.users.map((u) => ({ id: u.id, username: u.username, email: u.email })),
    },
    microsoft: {
      tenantId: graph.tenantId,
      authority: graph.authority,
      tokenEndpoint: graph.tokenEndpoint,
      graphUrl: graph.graphUrl,
      clientId: graph.clientId,
      clientSecret: graph.clientSecret,
      authorityMetadataFile: metadataFile,
    },
    companionConfig: configPath,
  };

  return {
    org,
    graph,
    seeded,
    manifest,
    configPath,
    close: async () => {
      await Promise.all([org.close(), graph.close()]);
    },
  };
}

/** Puts each rep's pre-existing contacts into their Salesforce_Sync folder through Graph itself. */
async function seedMailboxes(graph: GraphEmulator, seeded: Seeded, org: OrgEmulator, perUser: number): Promise<void> {
  if (perUser <= 0) return;
  const token = await clientCredentialsToken(graph);
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const contacts = org.records('Contact');
  for (const [i, user] of seeded.users.entries()) {
    const base = `${graph.graphUrl}/users/${encodeURIComponent(user.email)}`;
    const folder = await expectOk(await fetch(`${base}/contactFolders`, { method: 'POST', headers, body: JSON.stringify({ displayName: 'Salesforce_Sync' }) }));
    const folderId = (folder as { id: string }).id;
    const match = contacts.find((c) => c.OwnerId === user.id)?.Email as string | undefined;
    for (const body of mailboxSeedContacts(i, perUser, match)) {
      await expectOk(await fetch(`${base}/contactFolders/${folderId}/contacts`, { method: 'POST', headers, body: JSON.stringify(body) }));
    }
  }
}

async function seedMailboxEvents(graph: GraphEmulator, seeded: Seeded, now: number): Promise<void> {
  const token = await clientCredentialsToken(graph);
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  for (const [u, user] of seeded.users.entries()) {
    for (const body of mailboxSeedEvents(u, now)) {
      await expectOk(await fetch(`${graph.graphUrl}/users/${encodeURIComponent(user.email)}/events`, { method: 'POST', headers, body: JSON.stringify(body) }));
    }
  }
}

export async function clientCredentialsToken(graph: GraphEmulator): Promise<string> {
  const res = await fetch(graph.tokenEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: graph.clientId, client_secret: graph.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
  });
  const body = (await expectOk(res)) as { access_token: string };
  return body.access_token;
}

async function expectOk(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!res.ok) throw new Error(`sandbox seeding: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}
