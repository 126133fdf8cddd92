/**
 * The CLI and the sandbox manifest are public contracts: run them as a user would, in separate
 * processes, and use the manifest with the vendors' own clients.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, type SandboxManifest } from '../../sandbox/index.ts';
import { salesforceAdmin, graphClient, eventually } from '../support/clients.ts';

const BIN = path.join(REPO_ROOT, 'companion/bin/syncline.mjs');

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(args: string[], cwd = REPO_ROOT, stdin?: string): Run {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (stdin !== undefined) child.stdin!.end(stdin);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += String(c)));
  child.stderr!.on('data', (c) => (err += String(c)));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

test('help lists every command; bad usage exits 2 with a one-line reason', async () => {
  const help = run(['help']);
  assert.equal(await help.exit, 0);
  for (const cmd of ['start', 'status', 'sandbox', 'demo', 'store-key']) assert.match(help.stdout(), new RegExp(`syncline ${cmd}`));
  const unknown = run(['frobnicate']);
  assert.equal(await unknown.exit, 2);
  assert.match(unknown.stderr(), /unknown command "frobnicate"/);
  const noConfig = run(['start']);
  assert.equal(await noConfig.exit, 2);
  assert.match(noConfig.stderr(), /start needs --config FILE/);
  const badNumber = run(['demo', '--users', 'many']);
  assert.equal(await badNumber.exit, 2);
  assert.match(badNumber.stderr(), /--users must be a whole number/);
  const noNewKey = run(['store-key']);
  assert.equal(await noNewKey.exit, 2);
  assert.match(noNewKey.stderr(), /store-key needs exactly one of --new-key-file PATH or --new-key-env VAR/);
});

test('map: one item from stdin or a file, the mapped record on stdout, warnings on stderr', async () => {
  const piped = run(['map', '--from', 'salesforce:contact', '--to', 'graph:contact'], REPO_ROOT, JSON.stringify({ LastName: 'Lovelace', Fax: '+1 555' }));
  assert.equal(await piped.exit, 0, piped.stderr());
  const out = JSON.parse(piped.stdout()) as { record: Record<string, unknown>; warnings: Array<{ field: string }> };
  assert.equal(out.record.surname, 'Lovelace');
  assert.deepEqual(out.warnings.map((w) => w.field), ['fax']);
  assert.match(piped.stderr(), /warning: write fax \[dropped\]/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncline-cli-'));
  const file = path.join(dir, 'contact.json');
  fs.writeFileSync(file, JSON.stringify({ surname: 'Hopper', companyName: 'US Navy' }));
  const fromFile = run(['map', '--from', 'graph:contact', '--to', 'salesforce:contact', file]);
  assert.equal(await fromFile.exit, 0, fromFile.stderr());
  assert.deepEqual((JSON.parse(fromFile.stdout()) as { record: Record<string, unknown> }).record.Account, { Name: 'US Navy' });
  fs.writeFileSync(file, '{ not json');
  const bad = run(['map', '--from', 'graph:contact', '--to', 'salesforce:contact', file]);
  assert.equal(await bad.exit, 2);
  assert.match(bad.stderr(), /is not valid JSON/);
  fs.writeFileSync(file, JSON.stringify({ subject: 'Too long', start: { dateTime: '2026-03-01T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-03-16T09:00:00', timeZone: 'UTC' } }));
  const refused = run(['map', '--from', 'graph:event', '--to', 'salesforce:event', '--time-zone', 'Europe/Berlin', file]);
  assert.equal(await refused.exit, 1, 'an item the target would refuse exits 1');
  assert.match(refused.stderr(), /error: end \[invalid\] Salesforce events cannot last more than 14 days/);
  const badZone = run(['map', '--from', 'graph:event', '--to', 'salesforce:event', '--time-zone', 'Mars/Olympus', file]);
  assert.equal(await badZone.exit, 2);
  assert.match(badZone.stderr(), /--time-zone "Mars\/Olympus" is not an IANA time zone/);
  // A Los Angeles series for a Sydney rep: Salesforce repeats it on the rep's days, and says so.
  const series = {
    subject: 'US pipeline call',
    type: 'seriesMaster',
    start: { dateTime: '2026-06-01T17:00:00', timeZone: 'Pacific Standard Time' },
    end: { dateTime: '2026-06-01T17:30:00', timeZone: 'Pacific Standard Time' },
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
      range: { type: 'numbered', startDate: '2026-06-01', numberOfOccurrences: 8, recurrenceTimeZone: 'Pacific Standard Time' },
    },
  };
  fs.writeFileSync(file, JSON.stringify(series));
  const zoned = run(['map', '--from', 'graph:event', '--to', 'salesforce:event', '--time-zone', 'Australia/Sydney', file]);
  assert.equal(await zoned.exit, 0, zoned.stderr());
  assert.equal((JSON.parse(zoned.stdout()) as { record: Record<string, unknown> }).record.Recurrence2PatternText, 'RRULE:FREQ=WEEKLY;BYDAY=TU;INTERVAL=1;COUNT=8');
  assert.match(zoned.stderr(), /recurrence \[dropped\] series zone America\/Los_Angeles is written as the rep's zone Australia\/Sydney, its days moved with it/);
  // A meeting: its people are shown as the relations they would become, a room is not one.
  fs.writeFileSync(file, JSON.stringify({
    subject: 'Site walk',
    start: { dateTime: '2026-06-01T09:00:00', timeZone: 'UTC' },
    end: { dateTime: '2026-06-01T10:00:00', timeZone: 'UTC' },
    attendees: [
      { type: 'required', emailAddress: { address: 'Bo@Client.test' }, status: { response: 'declined' } },
      { type: 'resource', emailAddress: { address: 'room-1@us.test' } },
    ],
  }));
  const meeting = run(['map', '--from', 'graph:event', '--to', 'salesforce:event', file]);
  assert.equal(await meeting.exit, 0, meeting.stderr());
  assert.deepEqual((JSON.parse(meeting.stdout()) as { relations: unknown }).relations, [{ email: 'bo@client.test', as: 'invitee', status: 'Declined' }]);
  assert.match(meeting.stderr(), /warning: write attendees \[dropped\] attendee 2 of 2 is a room or resource/);
  const badKind = run(['map', '--from', 'exchange:contact', '--to', 'salesforce:contact', file]);
  assert.equal(await badKind.exit, 2);
  assert.match(badKind.stderr(), /--from must be one of salesforce:contact, graph:contact, salesforce:event, graph:event/);
  fs.rmSync(dir, { recursive: true });
});

test('an invalid config file is refused with exit 2 and the key named', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncline-cli-'));
  const file = path.join(dir, 'syncline.json');
  fs.writeFileSync(file, JSON.stringify({ salesforce: { instanceUrl: 'https://x.my.salesforce.com' }, microsoft: {} }));
  const r = run(['start', '--config', file]);
  assert.equal(await r.exit, 2);
  assert.match(r.stderr(), /salesforce\.loginUrl/);
  assert.match(r.stderr(), /microsoft\.tenantId/);

  // A config that parses but names a broken key: stopped before anything is opened, one clear line.
  fs.writeFileSync(path.join(dir, 'not-a-key.pem'), 'not a key\n');
  fs.writeFileSync(path.join(dir, 'secret'), 's3cret\n');
  fs.writeFileSync(file, JSON.stringify({
    salesforce: { instanceUrl: 'http://127.0.0.1:9', loginUrl: 'http://127.0.0.1:9', clientId: 'x', integrationUsername: 'u', privateKey: { file: 'not-a-key.pem' } },
    microsoft: { tenantId: 't', clientId: 'c', clientSecret: { file: 'secret' } },
  }));
  const badKey = run(['start', '--config', file]);
  assert.equal(await badKey.exit, 2);
  assert.match(badKey.stderr(), /^syncline: salesforce\.privateKey: is not a readable PEM private key/m);
  assert.ok(!badKey.stderr().includes('    at '), 'no stack trace for a configuration mistake');
  assert.ok(!fs.existsSync(path.join(dir, '.syncline')), 'nothing opened or locked');
  fs.rmSync(dir, { recursive: true });
});

test('sandbox --manifest, then start --config from it, then status: the documented contract works across processes', { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncline-cli-'));
  const manifestFile = path.join(dir, 'manifest.json');
  const sandbox = run(['sandbox', '--manifest', manifestFile, '--dir', path.join(dir, 'sb'), '--users', '2', '--contacts', '3']);
  let companion: Run | undefined;
  try {
    await eventually('the manifest', () => fs.existsSync(manifestFile), 60_000);
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as SandboxManifest;
    // Every key the README documents.
    for (const k of ['instanceUrl', 'loginUrl', 'apiVersion', 'adminAccessToken', 'clientId', 'privateKeyFile', 'integrationUsername', 'users'] as const) assert.ok(manifest.salesforce[k], `salesforce.${k}`);
    for (const k of ['tenantId', 'authority', 'tokenEndpoint', 'graphUrl', 'clientId', 'clientSecret', 'authorityMetadataFile'] as const) assert.ok(manifest.microsoft[k], `microsoft.${k}`);
    assert.equal(manifest.salesforce.users.length, 2);
    assert.ok(fs.existsSync(manifest.companionConfig));
    assert.equal(fs.statSync(manifestFile).mode & 0o077, 0, 'the manifest holds credentials: owner-only');

    // The manifest is enough for the vendors' clients.
    const users = await salesforceAdmin(manifest).query<{ Id: string }>(`SELECT Id FROM User WHERE Username = '${manifest.salesforce.users[0]!.username}'`);
    assert.equal(users.records[0]!.Id, manifest.salesforce.users[0]!.id);
    const graph = graphClient(manifest);
    const me = await graph.request('GET', `/users/${encodeURIComponent(manifest.salesforce.users[0]!.email)}`);
    assert.equal(me.status, 200);

    companion = run(['start', '--config', manifest.companionConfig]);
    const status = await eventually(
      'both users synced, as seen by `syncline status --json`',
      async () => {
        const s = run(['status', '--config', manifest.companionConfig, '--json']);
        if ((await s.exit) !== 0) return undefined;
        const report = JSON.parse(s.stdout()) as { users: Array<{ email?: string; state: string; contactsLinked: number }> };
        return report.users.length === 2 && report.users.every((u) => u.state === 'idle' && u.contactsLinked >= 3) ? report : undefined;
      },
      60_000,
    );
    assert.deepEqual(status.users.map((u) => u.email).sort(), manifest.salesforce.users.map((u) => u.email).sort());
    const table = run(['status', '--config', manifest.companionConfig]);
    assert.equal(await table.exit, 0);
    assert.match(table.stdout(), /USER\s+STATE\s+LAST → MAILBOX\s+LAST → SALESFORCE\s+CONTACTS LINKED\s+CONTACTS FAILED\s+EVENTS LINKED\s+EVENTS FAILED\s+LAST ERROR/);

    // Reset through the running companion: links forgotten, everything re-paired, nothing duplicated.
    const contactsBefore = (await salesforceAdmin(manifest).query('SELECT Id FROM Contact')).totalSize;
    const reset = run(['reset', '--config', manifest.companionConfig, '--user', manifest.salesforce.users[0]!.email]);
    assert.equal(await reset.exit, 0, reset.stderr());
    assert.match(reset.stdout(), /links and cursors forgotten/);
    await eventually('the reset user synced again', async () => {
      const s = run(['status', '--config', manifest.companionConfig, '--json']);
      if ((await s.exit) !== 0) return undefined;
      const u = (JSON.parse(s.stdout()) as { users: Array<{ email?: string; state: string; contactsLinked: number }> }).users.find((x) => x.email === manifest.salesforce.users[0]!.email);
      return u && u.state === 'idle' && u.contactsLinked >= 3;
    }, 60_000);
    assert.equal((await salesforceAdmin(manifest).query('SELECT Id FROM Contact')).totalSize, contactsBefore, 'no duplicates after a reset');
    const unknown = run(['reset', '--config', manifest.companionConfig, '--user', 'nobody@nowhere.example']);
    assert.equal(await unknown.exit, 1);
    assert.match(unknown.stderr(), /no assigned user with id or e-mail "nobody@nowhere.example"/);

    companion.child.kill('SIGTERM');
    assert.equal(await companion.exit, 0, companion.stderr());
    companion = undefined;
    // With the companion stopped, status reads the store directly.
    const offline = run(['status', '--config', manifest.companionConfig, '--json']);
    assert.equal(await offline.exit, 0, offline.stderr());
    assert.equal((JSON.parse(offline.stdout()) as { users: unknown[] }).users.length, 2);
    // With the companion stopped, reset works on the store directly, by user id.
    const offlineReset = run(['reset', '--config', manifest.companionConfig, '--user', manifest.salesforce.users[1]!.id]);
    assert.equal(await offlineReset.exit, 0, offlineReset.stderr());
    const offlineByEmail = run(['reset', '--config', manifest.companionConfig, '--user', manifest.salesforce.users[1]!.email]);
    assert.equal(await offlineByEmail.exit, 2);
    assert.match(offlineByEmail.stderr(), /give the Salesforce user id/);
    const after = run(['status', '--config', manifest.companionConfig, '--json']);
    assert.equal(await after.exit, 0);
    assert.equal((JSON.parse(after.stdout()) as { users: unknown[] }).users.length, 1, 'the reset user has no state left');
  } finally {
    companion?.child.kill('SIGTERM');
    sandbox.child.kill('SIGTERM');
    assert.equal(await sandbox.exit, 0, sandbox.stderr());
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('sandbox --faults: a malformed faults file is refused with the rule named', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncline-cli-'));
  const faults = path.join(dir, 'faults.json');
  fs.writeFileSync(faults, JSON.stringify({ microsoft: [{ match: '(', status: 429 }] }));
  const r = run(['sandbox', '--dir', path.join(dir, 'sb'), '--faults', faults]);
  assert.equal(await r.exit, 2);
  assert.match(r.stderr(), /microsoft\.0\.match: match must be a valid regular expression/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('demo --once (the README quick start) converges, shows a live round trip and exits 0', { timeout: 150_000 }, async () => {
  const r = run(['demo', '--once', '--users', '2', '--contacts', '3']);
  assert.equal(await r.exit, 0, r.stdout() + r.stderr());
  assert.match(r.stdout(), /converged in/);
  assert.match(r.stdout(), /Salesforce edit \(Title\) reached the mailbox/);
  assert.match(r.stdout(), /mailbox edit reached Salesforce/);
  assert.match(r.stdout(), /API requests served: Salesforce \d+, Microsoft Graph \d+/);
});
