/**
 * The events half of `npm run bench`: its own sandbox (no contacts, no sample events), seeded with
 * M single events and S series per rep, then the initial sync until convergence, a stream of
 * single-event creates, edits and deletes each way with the latency of each (and, for meetings
 * made in the mailbox, until their guests are related in Salesforce), the companion's API cost
 * per synced change, and the series section (bench-series.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsforce from 'jsforce';
import { startSandbox, clientCredentialsToken } from '../sandbox/index.ts';
import { benchMailboxEvent, benchSalesforceEvent, benchSlot, seedBenchEvents, type BenchEvent } from '../sandbox/seed-bench-events.ts';
import { loadConfig } from '../companion/src/config/load.ts';
import { startApp, type App } from '../companion/src/app.ts';
import { SF } from '../companion/src/core/sf-schema.ts';
import { waitForConvergence } from '../companion/src/cli/converge.ts';
import { createLog } from '../companion/src/cli/log.ts';
import { breakdown, perChange, requestCost, sleep, stats, Watch } from './bench-lib.ts';
import { measureSeries, seriesExclusions, type SeriesReport } from './bench-series.ts';

export interface EventsBenchOptions {
  users: number;
  eventsPerUser: number;
  seriesPerUser: number;
  changes: number;
  pollSeconds: number;
}

type Rec = Record<string, unknown>;
type Op = 'create' | 'edit' | 'delete';
const OPS: Op[] = ['create', 'edit', 'delete'];
const WAIT_MS = 120_000;

/** A change just made on one side, and how to recognise it on the other. */
interface Sent {
  op: Op;
  start: number;
  shows: (other: Rec[]) => boolean;
}

export async function runEventsBench(o: EventsBenchOptions): Promise<{ result: Rec; series: SeriesReport; lost: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncline-bench-events-'));
  const sandbox = await startSandbox({ dir, users: o.users, contactsPerUser: 0, mailboxContactsPerUser: 0, events: false });
  const { org, graph, manifest } = sandbox;
  let app: App | undefined;
  try {
    // Contacts off here, so every request this sandbox serves is the events' cost.
    for (const id of [sandbox.seeded.configurationId, sandbox.seeded.selectedEventsConfigurationId]) {
      org.update(SF.configuration.object, id, { [SF.configuration.fields.contactsEnabled]: false }, sandbox.seeded.integrationUser.id);
    }
    const now = Date.now();
    const seeded = await seedBenchEvents(sandbox, { eventsPerUser: o.eventsPerUser, seriesPerUser: o.seriesPerUser, now });
    const userIds = seeded.reps.map((r) => r.userId);
    const config = loadConfig(sandbox.configPath);
    config.sync.pollIntervalSeconds = o.pollSeconds;
    const { series: s } = seeded;
    process.stdout.write(
      `bench events: ${o.users} reps × ${o.eventsPerUser} events + ${o.seriesPerUser} series (${s.occurrencesEach} occurrences each), ${o.changes} changes each way\n`,
    );

    const sfInitial = org.counter.snapshot();
    const graphInitial = graph.counter.snapshot();
    const t0 = performance.now();
    app = await startApp({ config, log: createLog('error') });
    const history = await waitForConvergence(app, userIds, 30 * 60_000);
    const initialSyncMs = performance.now() - t0;
    const singles = o.users * o.eventsPerUser;
    process.stdout.write(`events initial sync: ${(initialSyncMs / 1000).toFixed(1)} s (${singles} events, ${s.salesforce + s.mailbox} series)\n`);
    const latest = [...history.values()].map((rounds) => rounds[rounds.length - 1]!.events);
    // Seeded mailbox meetings whose Salesforce copy has every guest Salesforce knows related.
    const relatedAtStart = seeded.reps.flatMap((rep) =>
      rep.mailbox.map((m) => {
        const copy = org.records('Event').find((e) => e.OwnerId === rep.userId && e.Subject === m.subject);
        const ids = new Set(org.records('EventRelation').filter((r) => copy !== undefined && r.EventId === copy.Id).map((r) => r.RelationId));
        return rep.guests.relationIds.every((id) => ids.has(id));
      }),
    );
    const initialRequests = { salesforce: breakdown(org.counter.snapshot(), sfInitial), graph: breakdown(graph.counter.snapshot(), graphInitial) };

    const sfSnapshot = org.counter.snapshot();
    const graphSnapshot = graph.counter.snapshot();
    const conn = new jsforce.Connection({ instanceUrl: manifest.salesforce.instanceUrl, accessToken: manifest.salesforce.adminAccessToken, version: manifest.salesforce.apiVersion });
    const token = await clientCredentialsToken(graph);
    const driver = { salesforce: 0, graph: 1 };
    const graphCall = async (method: string, url: string, body?: Rec): Promise<Rec | undefined> => {
      driver.graph++;
      const res = await fetch(`${graph.graphUrl}${url}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`bench mailbox ${method} failed: ${res.status} ${text.slice(0, 200)}`);
      return text ? (JSON.parse(text) as Rec) : undefined;
    };
    const sfCall = async <T>(call: () => Promise<T>): Promise<T> => {
      driver.salesforce++;
      return call();
    };

    const sfEvents = new Watch(() => org.records('Event').filter((e) => e.IsChild !== true));
    const mbEvents = new Watch(() => {
      // Read each mailbox at most once per tick, and only the ones a pending change is in.
      const seen = new Map<string, Rec[]>();
      return (email: string) => seen.get(email) ?? seen.set(email, graph.events(email)).get(email)!;
    });
    // guestsRelated: from a mailbox create to every known guest related in Salesforce (not counted as a synced change).
    const latency = { salesforceToMailbox: new Map<Op, number[]>(), mailboxToSalesforce: new Map<Op, number[]>(), guestsRelated: new Map<Op, number[]>() };
    let lost = 0;
    const inflight: Promise<void>[] = [];
    const track = (into: Map<Op, number[]>, sent: Sent, arrived: Promise<number | undefined>) =>
      inflight.push(
        arrived.then((t) => {
          if (t === undefined) lost++;
          else into.set(sent.op, [...(into.get(sent.op) ?? []), t - sent.start]);
        }),
      );
    // Each seeded event is touched at most once (edits from the front, deletes from the back), so
    // no change waits on an event another change has since altered.
    const pick = (op: Op, pool: BenchEvent[]): [Op, BenchEvent | undefined] => {
      const target = op === 'edit' ? pool.shift() : op === 'delete' ? pool.pop() : undefined;
      return target ? [op, target] : ['create', undefined];
    };
    const pools = seeded.reps.map((r) => ({ salesforce: [...r.salesforce], mailbox: [...r.mailbox] }));

    type Rep = (typeof seeded.reps)[number];
    const salesforceChange = async (rep: Rep, op: Op, target: BenchEvent | undefined, n: number): Promise<Sent> => {
      const start = performance.now();
      const events = conn.sobject('Event');
      if (op === 'edit' && target) {
        const room = `Bench room sf ${n}`;
        await sfCall(() => events.update({ Id: target.id, Location: room }));
        return { op, start, shows: (mb) => mb.some((e) => e.subject === target.subject && (e.location as Rec | undefined)?.displayName === room) };
      }
      if (op === 'delete' && target) {
        await sfCall(() => events.destroy(target.id));
        return { op, start, shows: (mb) => !mb.some((e) => e.subject === target.subject) };
      }
      const subject = `Bench new sf ${n}`;
      const r = await sfCall(() => events.create(benchSalesforceEvent(rep.userId, subject, benchSlot(now, 61 + (n % 200), 9))));
      if (!r.success) throw new Error(`bench Salesforce create failed: ${JSON.stringify(r)}`);
      return { op: 'create', start, shows: (mb) => mb.some((e) => e.subject === subject) };
    };
    const mailboxChange = async (rep: Rep, op: Op, target: BenchEvent | undefined, n: number): Promise<Sent> => {
      const start = performance.now();
      const base = `/users/${encodeURIComponent(rep.email)}/events`;
      if (op === 'edit' && target) {
        const room = `Bench room mb ${n}`;
        await graphCall('PATCH', `${base}/${encodeURIComponent(target.id)}`, { location: { displayName: room } });
        return { op, start, shows: (sf) => sf.some((e) => e.Subject === target.subject && e.Location === room) };
      }
      if (op === 'delete' && target) {
        await graphCall('DELETE', `${base}/${encodeURIComponent(target.id)}`);
        return { op, start, shows: (sf) => !sf.some((e) => e.Subject === target.subject) };
      }
      const subject = `Bench new mb ${n}`;
      await graphCall('POST', base, benchMailboxEvent(subject, benchSlot(now, 61 + (n % 200), 11), false, rep.guests));
      return { op: 'create', start, shows: (sf) => sf.some((e) => e.Subject === subject) };
    };
    /** Every guest Salesforce knows related to the new event: the attendee step is done with it. */
    const related = (rep: Rep, subject: string) => (sf: Rec[]): boolean => {
      const event = sf.find((e) => e.Subject === subject && e.OwnerId === rep.userId);
      if (!event) return false;
      const ids = new Set(org.records('EventRelation').filter((r) => r.EventId === event.Id).map((r) => r.RelationId));
      return rep.guests.relationIds.every((id) => ids.has(id));
    };

    for (let i = 0; i < o.changes; i++) {
      const rep = seeded.reps[i % seeded.reps.length]!;
      const pool = pools[i % pools.length]!;
      const op = OPS[i % OPS.length]!;
      const sfSent = await salesforceChange(rep, ...pick(op, pool.salesforce), i);
      track(latency.salesforceToMailbox, sfSent, mbEvents.until((mb) => sfSent.shows(mb(rep.email)), WAIT_MS));
      const mbSent = await mailboxChange(rep, ...pick(op, pool.mailbox), i);
      track(latency.mailboxToSalesforce, mbSent, sfEvents.until((sf) => mbSent.shows(sf.filter((e) => e.OwnerId === rep.userId)), WAIT_MS));
      if (mbSent.op === 'create') {
        const guestsSent: Sent = { ...mbSent, shows: related(rep, `Bench new mb ${i}`) };
        track(latency.guestsRelated, guestsSent, sfEvents.until(guestsSent.shows, WAIT_MS));
      }
      await sleep(100);
    }
    await Promise.all(inflight);
    await waitForConvergence(app, userIds, WAIT_MS);
    const sfDelta = breakdown(org.counter.snapshot(), sfSnapshot);
    const graphDelta = breakdown(graph.counter.snapshot(), graphSnapshot);
    const cost = requestCost(sfDelta, graphDelta, driver);
    const all = (m: Map<Op, number[]>) => [...m.values()].flat();
    const synced = all(latency.salesforceToMailbox).length + all(latency.mailboxToSalesforce).length;
    const byOp = (m: Map<Op, number[]>) => Object.fromEntries(OPS.map((op) => [op, stats(m.get(op) ?? [])]));

    // Measured after the single-event cost is taken, so series traffic never counts in it.
    const series = await measureSeries({ sandbox, conn, token, userIds, emails: seeded.reps.map((r) => r.email), seeded: s, excluded: seriesExclusions(history), now });

    const result = {
      when: new Date().toISOString(),
      node: process.version,
      users: o.users,
      eventsPerUser: o.eventsPerUser,
      seriesPerUser: o.seriesPerUser,
      changesEachWay: o.changes,
      pollIntervalSeconds: o.pollSeconds,
      initialSyncSeconds: Number((initialSyncMs / 1000).toFixed(2)),
      initialSyncEventsPerSecond: Math.round(singles / (initialSyncMs / 1000)),
      // What the engine reported in each rep's last round of the initial sync.
      initialSyncOutcome: {
        linked: latest.reduce((n, e) => n + e.linked, 0),
        failures: latest.reduce((n, e) => n + e.failures, 0),
        mailboxMeetingsWithGuestsRelated: `${relatedAtStart.filter(Boolean).length} of ${relatedAtStart.length}`,
      },
      latencyMs: {
        salesforceToMailbox: stats(all(latency.salesforceToMailbox)),
        mailboxToSalesforce: stats(all(latency.mailboxToSalesforce)),
        mailboxCreateToGuestsRelated: stats(all(latency.guestsRelated)),
      },
      latencyMsByOperation: { salesforceToMailbox: byOp(latency.salesforceToMailbox), mailboxToSalesforce: byOp(latency.mailboxToSalesforce) },
      lostChanges: lost,
      requestsPerSyncedChange: perChange(cost, synced),
      requestsDuringSteadyState: cost,
      series,
      // Steady state includes the driver's own changes (one request per change on each side) and its token request.
      requestsByEndpoint: { initialSync: initialRequests, steadyState: { salesforce: sfDelta, graph: graphDelta } },
    };
    return { result, series, lost: lost + (series.lostChanges ?? 0) };
  } finally {
    await app?.stop();
    await sandbox.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
