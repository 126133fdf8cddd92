/**
 * Event series in the benchmark. Whether series sync is read from what the engine reports (its
 * per-round exclusion counts), never assumed: while the engine leaves series out of scope the
 * section says so with the count, and once it stops excluding them the same section measures how
 * long a new series takes to show on the other side.
 */
import type jsforce from 'jsforce';
import type { SyncRound } from '../companion/src/app.ts';
import type { Sandbox } from '../sandbox/index.ts';
import { benchMailboxEvent, benchSalesforceEvent, benchSlot, type SeededBenchEvents } from '../sandbox/seed-bench-events.ts';
import { sleep, stats, Watch } from './bench-lib.ts';

type Side = 'salesforce' | 'mailbox';

export interface SeriesReport {
  /** Series created per side (all reps), each with `occurrencesEach` occurrences. */
  seeded: SeededBenchEvents['series'];
  /**
   * Series items (series records or masters, and occurrences) the engine reported leaving alone
   * as "series", summed over each rep's last full pass of the initial sync.
   */
  excludedByEngine: Record<Side, number>;
  status: 'none_seeded' | 'not_synced' | 'synced';
  /** Only when the engine syncs series: a new series created on one side until it shows on the other. */
  latencyMs?: { salesforceToMailbox: ReturnType<typeof stats>; mailboxToSalesforce: ReturnType<typeof stats> };
  lostChanges?: number;
  /** Only when the engine syncs series: one occurrence edited on one side until the same occurrence shows the edit on the other. */
  occurrenceLatencyMs?: { salesforceToMailbox: ReturnType<typeof stats>; mailboxToSalesforce: ReturnType<typeof stats> };
  lostOccurrenceChanges?: number;
}

/** Each rep's series exclusions from their last full round (a full pass sees every item in the window). */
export function seriesExclusions(history: Map<string, SyncRound[]>): Record<Side, number> {
  const out = { salesforce: 0, mailbox: 0 };
  for (const rounds of history.values()) {
    const full = rounds.filter((r) => r.events.full);
    const last = full[full.length - 1] ?? rounds[rounds.length - 1];
    if (!last) continue;
    out.salesforce += last.events.excluded.salesforce.series ?? 0;
    out.mailbox += last.events.excluded.mailbox.series ?? 0;
  }
  return out;
}

export interface SeriesBenchInput {
  sandbox: Sandbox;
  conn: jsforce.Connection;
  token: string;
  userIds: string[];
  emails: string[];
  seeded: SeededBenchEvents['series'];
  excluded: Record<Side, number>;
  now: number;
}

export async function measureSeries(input: SeriesBenchInput): Promise<SeriesReport> {
  const { seeded, excluded } = input;
  const base = { seeded, excludedByEngine: excluded };
  if (seeded.salesforce + seeded.mailbox === 0) return { ...base, status: 'none_seeded' };
  if (excluded.salesforce + excluded.mailbox > 0) return { ...base, status: 'not_synced' };
  return { ...base, status: 'synced', ...(await seriesLatency(input)), ...(await occurrenceLatency(input)) };
}

/**
 * Per rep, a new Salesforce series (so both copies are in the rep's zone, which single
 * occurrences need), then one occurrence's location edited in Salesforce and another one's in the
 * mailbox; each is done when the other side's occurrence holds the new location.
 */
async function occurrenceLatency(input: SeriesBenchInput): Promise<Pick<SeriesReport, 'occurrenceLatencyMs' | 'lostOccurrenceChanges'>> {
  const { conn, token, userIds, emails, now } = input;
  const { org, graph } = input.sandbox;
  const { sfEvents, mbEvents, toMailbox, toSalesforce, track, finish, loseOne } = latencyTracker(input);
  const mailboxPath = (email: string) => `${graph.graphUrl}/users/${encodeURIComponent(email)}`;
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const isLocation = (value: unknown, text: string) => (value as { displayName?: string } | undefined)?.displayName === text;
  for (const [u, userId] of userIds.entries()) {
    const email = emails[u]!;
    const subject = `Bench occurrences u${u}`;
    const slot = benchSlot(now, 2 + (u % 5), 7);
    const r = await conn.sobject('Event').create(benchSalesforceEvent(userId, subject, slot, true));
    if (!r.success) throw new Error(`bench Salesforce series create failed: ${JSON.stringify(r)}`);
    const master = await mbEvents.until((mb) => (mb.get(email) ?? []).some((e) => e.subject === subject && e.type === 'seriesMaster'), 120_000);
    if (master === undefined) {
      loseOne();
      loseOne();
      continue;
    }
    const masterId = String(graph.events(email).find((e) => e.subject === subject && e.type === 'seriesMaster')!.id);
    // Settled: the pass that linked the series has also looked at its occurrences once.
    await sleep(2_000);

    const rows = org.records('Event').filter((e) => e.OwnerId === userId && e.Subject === subject && e.GroupEventType !== '3');
    const sfRoom = `Bench room sf u${u}`;
    const sfStart = performance.now();
    await conn.sobject('Event').update({ Id: String(rows[1]!.Id), Location: sfRoom });
    track(toMailbox, sfStart, mbEvents.until((mb) => (mb.get(email) ?? []).some((e) => e.type === 'exception' && isLocation(e.location, sfRoom)), 120_000));

    const q = new URLSearchParams({ startDateTime: slot.start, endDateTime: new Date(Date.parse(slot.start) + 60 * 86_400_000).toISOString() });
    const list = await fetch(`${mailboxPath(email)}/events/${encodeURIComponent(masterId)}/instances?${q.toString()}`, { headers });
    if (!list.ok) throw new Error(`bench instances read failed: ${list.status}`);
    const instances = ((await list.json()) as { value: Array<{ id: string }> }).value;
    const mbRoom = `Bench room mb u${u}`;
    const mbStart = performance.now();
    const res = await fetch(`${mailboxPath(email)}/events/${encodeURIComponent(instances[2]!.id)}`, { method: 'PATCH', headers, body: JSON.stringify({ location: { displayName: mbRoom } }) });
    if (!res.ok) throw new Error(`bench occurrence edit failed: ${res.status}`);
    track(toSalesforce, mbStart, sfEvents.until((sf) => sf.some((e) => e.OwnerId === userId && e.Location === mbRoom), 120_000));
  }
  const done = await finish();
  return { occurrenceLatencyMs: done.latencyMs, lostOccurrenceChanges: done.lost };
}

/** One new weekly series per rep each way, 100 ms apart; done when a same-subject event shows on the other side. */
async function seriesLatency(input: SeriesBenchInput): Promise<Pick<SeriesReport, 'latencyMs' | 'lostChanges'>> {
  const { conn, token, userIds, emails, now } = input;
  const { graph } = input.sandbox;
  const { sfEvents, mbEvents, toMailbox, toSalesforce, track, finish } = latencyTracker(input);
  for (const [u, userId] of userIds.entries()) {
    const email = emails[u]!;
    const slot = benchSlot(now, 100 + u, 19);
    const sfSubject = `Bench new sf series u${u}`;
    const sfStart = performance.now();
    const r = await conn.sobject('Event').create(benchSalesforceEvent(userId, sfSubject, slot, true));
    if (!r.success) throw new Error(`bench Salesforce series create failed: ${JSON.stringify(r)}`);
    track(toMailbox, sfStart, mbEvents.until((mb) => (mb.get(email) ?? []).some((e) => e.subject === sfSubject), 120_000));

    const mbSubject = `Bench new mb series u${u}`;
    const mbStart = performance.now();
    const res = await fetch(`${graph.graphUrl}/users/${encodeURIComponent(email)}/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(benchMailboxEvent(mbSubject, benchSlot(now, 100 + u, 20), true)),
    });
    if (!res.ok) throw new Error(`bench mailbox series create failed: ${res.status}`);
    track(toSalesforce, mbStart, sfEvents.until((sf) => sf.some((e) => e.OwnerId === userId && e.Subject === mbSubject), 120_000));
    await sleep(100);
  }
  const done = await finish();
  return { latencyMs: done.latencyMs, lostChanges: done.lost };
}

/** Watches on both sides, and latencies per direction for changes in flight, until finish(). */
function latencyTracker(input: SeriesBenchInput) {
  const { org, graph } = input.sandbox;
  const sfEvents = new Watch(() => org.records('Event'));
  const mbEvents = new Watch(() => new Map(input.emails.map((e) => [e, graph.events(e)])));
  const toMailbox: number[] = [];
  const toSalesforce: number[] = [];
  let lost = 0;
  const inflight: Promise<void>[] = [];
  const track = (into: number[], start: number, arrived: Promise<number | undefined>) =>
    inflight.push(arrived.then((t) => void (t === undefined ? lost++ : into.push(t - start))));
  const loseOne = () => void lost++;
  const finish = async () => {
    await Promise.all(inflight);
    return { latencyMs: { salesforceToMailbox: stats(toMailbox), mailboxToSalesforce: stats(toSalesforce) }, lost };
  };
  return { sfEvents, mbEvents, toMailbox, toSalesforce, track, loseOne, finish };
}

/** The summary line, from the report alone. */
export function seriesLine(r: SeriesReport): string {
  const seeded = `seeded ${r.seeded.salesforce} series in Salesforce, ${r.seeded.mailbox} in mailboxes`;
  const { salesforce, mailbox } = r.excludedByEngine;
  if (r.status === 'none_seeded') return 'series: none seeded (--series 0)';
  if (r.status === 'not_synced') return `series: not synced yet (excluded: ${salesforce + mailbox} items — Salesforce ${salesforce}, mailbox ${mailbox}; ${seeded})`;
  const l = r.latencyMs!;
  const o = r.occurrenceLatencyMs;
  const occurrences = o
    ? `; one occurrence edited p50/p95 ms Salesforce→mailbox ${o.salesforceToMailbox.p50}/${o.salesforceToMailbox.p95}, mailbox→Salesforce ${o.mailboxToSalesforce.p50}/${o.mailboxToSalesforce.p95}; lost ${r.lostOccurrenceChanges ?? 0}`
    : '';
  return `series: synced (${seeded}); new series p50/p95 ms Salesforce→mailbox ${l.salesforceToMailbox.p50}/${l.salesforceToMailbox.p95}, mailbox→Salesforce ${l.mailboxToSalesforce.p50}/${l.mailboxToSalesforce.p95}; lost ${r.lostChanges ?? 0}${occurrences}`;
}
