/**
 * npm run bench -- [--users N] [--contacts M] [--changes K] [--poll S] [--events E] [--series R]
 * N reps × M contacts on the sandbox: initial sync time, then a steady stream of K changes each
 * way (one every 100 ms) with the latency of each until it shows on the other side, and the API
 * requests each side served per synced change. Prints a summary and writes bench-results/contacts.json.
 * Then the same for events on a sandbox of their own (N reps × E single events and R series),
 * written to bench-results/events.json (bench-events.ts); `--events 0` skips it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import jsforce from 'jsforce';
import { startSandbox, clientCredentialsToken } from '../sandbox/index.ts';
import { loadConfig } from '../companion/src/config/load.ts';
import { startApp } from '../companion/src/app.ts';
import { waitForConvergence } from '../companion/src/cli/converge.ts';
import { createLog } from '../companion/src/cli/log.ts';
import { breakdown, perChange, requestCost, sleep, stats } from './bench-lib.ts';
import { runEventsBench } from './bench-events.ts';
import { seriesLine } from './bench-series.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '5' },
    contacts: { type: 'string', default: '200' },
    changes: { type: 'string', default: '50' },
    poll: { type: 'string', default: '2' },
    events: { type: 'string', default: '100' },
    series: { type: 'string', default: '5' },
  },
});
const users = Number(values.users);
const contacts = Number(values.contacts);
const changes = Number(values.changes);
const pollSeconds = Number(values.poll);
const eventsPerUser = Number(values.events);
const seriesPerUser = Number(values.series);
for (const [name, n] of Object.entries({ events: eventsPerUser, series: seriesPerUser })) {
  if (!Number.isInteger(n) || n < 0) throw new Error(`bench: --${name} must be a whole number ≥ 0`);
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<number | undefined> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > timeoutMs) return undefined;
    await sleep(10);
  }
  return performance.now();
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncline-bench-'));
const sandbox = await startSandbox({ dir, users, contactsPerUser: contacts, mailboxContactsPerUser: 0 });
const { org, graph, seeded, manifest } = sandbox;
const config = loadConfig(sandbox.configPath);
config.sync.pollIntervalSeconds = pollSeconds;
process.stdout.write(`bench: ${users} reps × ${contacts} contacts, ${changes} changes each way, mailbox poll every ${pollSeconds} s\n`);

const t0 = performance.now();
const app = await startApp({ config, log: createLog('error') });
await waitForConvergence(app, seeded.users.map((u) => u.id), 30 * 60_000);
const initialSyncMs = performance.now() - t0;
process.stdout.write(`initial sync: ${(initialSyncMs / 1000).toFixed(1)} s (${users * contacts} contacts)\n`);

const sfSnapshot = org.counter.snapshot();
const graphSnapshot = graph.counter.snapshot();
const conn = new jsforce.Connection({ instanceUrl: manifest.salesforce.instanceUrl, accessToken: manifest.salesforce.adminAccessToken, version: manifest.salesforce.apiVersion });
const token = await clientCredentialsToken(graph);

const sfToMb: number[] = [];
const mbToSf: number[] = [];
let lost = 0;
const inflight: Promise<void>[] = [];
for (let i = 0; i < changes; i++) {
  const user = seeded.users[i % seeded.users.length]!;
  // Salesforce → mailbox
  const sfContact = org.records('Contact').filter((c) => c.OwnerId === user.id)[i % contacts]!;
  const title = `Bench title ${i}`;
  const start1 = performance.now();
  await conn.sobject('Contact').update({ Id: sfContact.Id as string, Title: title });
  inflight.push(
    waitFor(() => graph.contacts(user.email).some((c) => c.jobTitle === title), 120_000).then((t) => {
      if (t === undefined) lost++;
      else sfToMb.push(t - start1);
    }),
  );
  // mailbox → Salesforce
  const mbContact = graph.contacts(user.email)[(i + 1) % contacts]!;
  const dept = `Bench dept ${i}`;
  const start2 = performance.now();
  const res = await fetch(`${graph.graphUrl}/users/${encodeURIComponent(user.email)}/contacts/${encodeURIComponent(String(mbContact.id))}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ department: dept }),
  });
  if (!res.ok) throw new Error(`bench mailbox edit failed: ${res.status}`);
  inflight.push(
    waitFor(() => org.records('Contact').some((c) => c.Department === dept), 120_000).then((t) => {
      if (t === undefined) lost++;
      else mbToSf.push(t - start2);
    }),
  );
  await sleep(100);
}
await Promise.all(inflight);
await waitForConvergence(app, seeded.users.map((u) => u.id), 120_000);
// The driver's own requests (one edit per change on each side, plus its Graph token) are not the companion's cost.
const sfDelta = breakdown(org.counter.snapshot(), sfSnapshot);
const graphDelta = breakdown(graph.counter.snapshot(), graphSnapshot);
const cost = requestCost(sfDelta, graphDelta, { salesforce: changes, graph: changes + 1 });
const synced = sfToMb.length + mbToSf.length;

const result = {
  when: new Date().toISOString(),
  node: process.version,
  users,
  contactsPerUser: contacts,
  changesEachWay: changes,
  pollIntervalSeconds: pollSeconds,
  initialSyncSeconds: Number((initialSyncMs / 1000).toFixed(2)),
  initialSyncContactsPerSecond: Math.round((users * contacts) / (initialSyncMs / 1000)),
  latencyMs: { salesforceToMailbox: stats(sfToMb), mailboxToSalesforce: stats(mbToSf) },
  lostChanges: lost,
  requestsPerSyncedChange: perChange(cost, synced),
  requestsDuringSteadyState: cost,
  // Includes the driver's own edits (one PATCH per change on each side) and its token request.
  requestsByEndpoint: { salesforce: sfDelta, graph: graphDelta },
};
await app.stop();
await sandbox.close();
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync('bench-results', { recursive: true });
fs.writeFileSync('bench-results/contacts.json', JSON.stringify(result, null, 2) + '\n');
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
if (lost > 0) process.exitCode = 1;

if (eventsPerUser > 0) {
  const events = await runEventsBench({ users, eventsPerUser, seriesPerUser, changes, pollSeconds });
  fs.writeFileSync('bench-results/events.json', JSON.stringify(events.result, null, 2) + '\n');
  process.stdout.write(JSON.stringify(events.result, null, 2) + '\n');
  process.stdout.write(seriesLine(events.series) + '\n');
  if (events.lost > 0) process.exitCode = 1;
}
