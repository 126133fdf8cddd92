import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig, loadConfig, readSecret, ConfigError } from '../../companion/src/config/load.ts';

const minimal = () => ({
  salesforce: {
    instanceUrl: 'https://acme.my.salesforce.com',
    loginUrl: 'https://login.salesforce.com',
    clientId: '3MVG9abc',
    integrationUsername: 'syncline@acme.example',
    privateKey: { file: 'jwt.key' },
  },
  microsoft: { tenantId: 'tenant-guid', clientId: 'app-guid', clientSecret: { env: 'GRAPH_SECRET' } },
});

test('a minimal config gets the documented defaults', () => {
  const c = parseConfig(minimal(), '/etc/syncline');
  assert.equal(c.dataDir, '/etc/syncline/.syncline');
  assert.equal(c.salesforce.apiVersion, '61.0');
  assert.equal(c.microsoft.graphUrl, 'https://graph.microsoft.com/v1.0');
  assert.equal(c.microsoft.contactFolderName, 'Salesforce_Sync');
  assert.deepEqual(c.sync, { pollIntervalSeconds: 30, usersRefreshSeconds: 300, statusRefreshSeconds: 900, clientId: 'syncline', workers: 4 });
  assert.equal(c.log.level, 'info');
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.storeKey, undefined);
});

test('storeKey is a secret reference at the top level: a file or an environment variable', () => {
  assert.deepEqual(parseConfig({ ...minimal(), storeKey: { file: 'secrets/store.key' } }, '/x').storeKey, { file: 'secrets/store.key' });
  assert.deepEqual(parseConfig({ ...minimal(), storeKey: { env: 'SYNCLINE_STORE_KEY' } }, '/x').storeKey, { env: 'SYNCLINE_STORE_KEY' });
});

const invalid: Array<{ name: string; mutate: (c: any) => void; key: string }> = [ // eslint-disable-line @typescript-eslint/no-explicit-any -- deliberately malformed input
  { name: 'missing client id', mutate: (c) => delete c.salesforce.clientId, key: 'salesforce.clientId' },
  { name: 'unknown key (typo)', mutate: (c) => (c.sync = { pollIntervalSecs: 10 }), key: 'sync' },
  { name: 'plain http to a remote host', mutate: (c) => (c.salesforce.instanceUrl = 'http://acme.my.salesforce.com'), key: 'salesforce.instanceUrl' },
  { name: 'secret given as a value', mutate: (c) => (c.microsoft.clientSecret = 's3cr3t-value'), key: 'microsoft.clientSecret' },
  { name: 'secret with both file and env', mutate: (c) => (c.microsoft.clientSecret = { file: 'a', env: 'B' }), key: 'microsoft.clientSecret' },
  { name: 'poll interval below 1 s', mutate: (c) => (c.sync = { pollIntervalSeconds: 0 }), key: 'sync.pollIntervalSeconds' },
  { name: 'a setting that belongs in Salesforce (conflict policy)', mutate: (c) => (c.sync = { conflictPolicy: 'mailbox_wins' }), key: 'sync' },
  { name: 'storeKey given as a value', mutate: (c) => (c.storeKey = 'a-store-key-value-of-32-characters!'), key: 'storeKey' },
  { name: 'storeKey with both file and env', mutate: (c) => (c.storeKey = { file: 'store.key', env: 'STORE_KEY' }), key: 'storeKey' },
  { name: 'storeKey with neither file nor env', mutate: (c) => (c.storeKey = {}), key: 'storeKey' },
  { name: 'storeKey placed under sync', mutate: (c) => (c.sync = { storeKey: { env: 'STORE_KEY' } }), key: 'sync' },
  { name: 'malformed api version', mutate: (c) => (c.salesforce.apiVersion = 'v61'), key: 'salesforce.apiVersion' },
];
for (const c of invalid) {
  test(`invalid config (${c.name}) is refused with an error naming ${c.key}`, () => {
    const raw = minimal();
    c.mutate(raw);
    assert.throws(() => parseConfig(raw, '/x'), (err: unknown) => err instanceof ConfigError && err.message.includes(c.key));
  });
}

test('a secret given as a value is never echoed in the error', () => {
  const raw = minimal() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- deliberately malformed input
  raw.microsoft.clientSecret = 'super-secret-value';
  assert.throws(() => parseConfig(raw, '/x'), (err: unknown) => err instanceof Error && !err.message.includes('super-secret-value'));
});

test('SYNCLINE_DATABASE_URL overrides databaseUrl', () => {
  const c = parseConfig({ ...minimal(), databaseUrl: 'postgres://a/b' }, '/x', { SYNCLINE_DATABASE_URL: 'postgres://127.0.0.1/test' });
  assert.equal(c.databaseUrl, 'postgres://127.0.0.1/test');
});

test('loadConfig reports unreadable and non-JSON files by name', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncline-config-'));
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, '{ "dataDir": ');
  assert.throws(() => loadConfig(bad), /bad\.json is not valid JSON/);
  assert.throws(() => loadConfig(path.join(dir, 'missing.json')), /cannot read config file .*missing\.json: ENOENT/);
  fs.rmSync(dir, { recursive: true });
});

test('secrets come from a file relative to the config, or from the environment; errors name the key only', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncline-secret-'));
  fs.writeFileSync(path.join(dir, 'jwt.key'), 'PEM-CONTENT\n');
  assert.equal(readSecret({ file: 'jwt.key' }, 'salesforce.privateKey', dir), 'PEM-CONTENT');
  assert.equal(readSecret({ env: 'GRAPH_SECRET' }, 'microsoft.clientSecret', dir, { GRAPH_SECRET: 'abc' }), 'abc');
  assert.throws(() => readSecret({ env: 'GRAPH_SECRET' }, 'microsoft.clientSecret', dir, {}), /microsoft\.clientSecret: environment variable GRAPH_SECRET is not set/);
  assert.throws(() => readSecret({ file: 'nope.key' }, 'salesforce.privateKey', dir), /salesforce\.privateKey: cannot read secret file/);
  fs.rmSync(dir, { recursive: true });
});
