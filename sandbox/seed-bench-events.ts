/**
 * Calendars for the benchmark: per rep, M single events split between Salesforce and the mailbox
 * and S weekly series split the same way, added to a sandbox started without the sample events.
 * Salesforce rows go straight into the org (as seed.ts does); mailbox events go through Graph,
 * so the emulator stores them as it would for a real client. Every mailbox event carries the
 * selection category, so the "selected events" rep's calendar is in scope like everyone else's,
 * and the rep's meeting guests: two of the rep's contacts, a colleague (the next rep) and someone
 * Salesforce does not know, so the attendee step is part of the cost.
 */
import { clientCredentialsToken, type Sandbox } from './index.ts';
import { SELECTED_EVENTS_CATEGORY } from './seed.ts';

export interface BenchEventsOptions {
  eventsPerUser: number;
  seriesPerUser: number;
  /** The instant the events are placed after (default: now). */
  now?: number;
}

export interface BenchEvent {
  id: string;
  subject: string;
}

/** A mailbox meeting's guests, and the Salesforce records they match (the relations to expect). */
export interface BenchGuests {
  attendees: Array<Record<string, unknown>>;
  relationIds: string[];
}

export interface BenchRepEvents {
  userId: string;
  email: string;
  guests: BenchGuests;
  /** Single events created in Salesforce, then in the mailbox. */
  salesforce: BenchEvent[];
  mailbox: BenchEvent[];
}

export interface SeededBenchEvents {
  reps: BenchRepEvents[];
  series: { salesforce: number; mailbox: number; occurrencesEach: number };
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
export const BENCH_SERIES_OCCURRENCES = 4;
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** One hour starting `days` whole UTC days after `now`'s day, at `hour` UTC: inside the seeded sync window. */
export function benchSlot(now: number, days: number, hour: number): { start: string; end: string } {
  const t = Math.floor(now / DAY) * DAY + days * DAY + hour * HOUR;
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  return { start: iso(t), end: iso(t + HOUR) };
}

const graphTime = (iso: string) => ({ dateTime: iso.replace('Z', ''), timeZone: 'UTC' });

/** A Graph event body; with `weekly`, a series master of BENCH_SERIES_OCCURRENCES weekly occurrences. */
export function benchMailboxEvent(subject: string, slot: { start: string; end: string }, weekly = false, guests?: BenchGuests): Record<string, unknown> {
  const body: Record<string, unknown> = { subject, start: graphTime(slot.start), end: graphTime(slot.end), categories: [SELECTED_EVENTS_CATEGORY] };
  if (guests) body.attendees = guests.attendees;
  if (weekly) {
    body.recurrence = {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: [WEEKDAYS[new Date(slot.start).getUTCDay()]] },
      range: { type: 'numbered', startDate: slot.start.slice(0, 10), numberOfOccurrences: BENCH_SERIES_OCCURRENCES },
    };
  }
  return body;
}

/** Salesforce Event values; with `weekly`, a Lightning event series (the org expands the occurrences). */
export function benchSalesforceEvent(ownerId: string, subject: string, slot: { start: string; end: string }, weekly = false): Record<string, unknown> {
  const values: Record<string, unknown> = { OwnerId: ownerId, Subject: subject, StartDateTime: slot.start, EndDateTime: slot.end, ShowAs: 'Busy' };
  if (weekly) Object.assign(values, { IsRecurrence2: true, Recurrence2PatternText: `RRULE:FREQ=WEEKLY;COUNT=${BENCH_SERIES_OCCURRENCES}` });
  return values;
}

export async function seedBenchEvents(sandbox: Sandbox, opts: BenchEventsOptions): Promise<SeededBenchEvents> {
  const { org, graph, seeded } = sandbox;
  const now = opts.now ?? Date.now();
  const token = await clientCredentialsToken(graph);
  const post = async (email: string, body: Record<string, unknown>): Promise<string> => {
    const res = await fetch(`${graph.graphUrl}/users/${encodeURIComponent(email)}/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`bench event seeding: ${res.status} ${text.slice(0, 300)}`);
    return (JSON.parse(text) as { id: string }).id;
  };
  // Salesforce gets the odd one out, so one event or one series per rep still lands somewhere.
  const sfSingles = Math.ceil(opts.eventsPerUser / 2);
  const sfSeries = Math.ceil(opts.seriesPerUser / 2);
  const guestsOf = (u: number): BenchGuests => {
    const user = seeded.users[u]!;
    const colleague = seeded.users.length > 1 ? seeded.users[(u + 1) % seeded.users.length] : undefined;
    const contacts = ['a', 'b'].map((tag) => {
      const email = `bench.u${u}.${tag}@customer.example`;
      return { email, id: org.insert('Contact', { LastName: `Guest ${tag.toUpperCase()} u${u}`, Email: email }, user.id) };
    });
    const guest = (address: string) => ({ type: 'required', emailAddress: { address } });
    return {
      attendees: [...contacts.map((c) => guest(c.email)), ...(colleague ? [guest(colleague.email)] : []), guest(`stranger.u${u}@elsewhere.example`)],
      relationIds: [...contacts.map((c) => c.id), ...(colleague ? [colleague.id] : [])],
    };
  };
  // Reps in parallel (each mailbox has its own request limits); one rep's events in order.
  const reps = await Promise.all(
    seeded.users.map(async (user, u): Promise<BenchRepEvents> => {
      const rep: BenchRepEvents = { userId: user.id, email: user.email, guests: guestsOf(u), salesforce: [], mailbox: [] };
      for (let k = 0; k < opts.eventsPerUser; k++) {
        // Spread over 60 days and 10 hours a day so meetings rarely share a slot.
        const slot = benchSlot(now, 1 + (k % 60), 7 + (Math.floor(k / 60) % 10));
        if (k < sfSingles) {
          const subject = `Bench sf u${u} #${k}`;
          rep.salesforce.push({ id: org.insert('Event', benchSalesforceEvent(user.id, subject, slot), user.id), subject });
        } else {
          const subject = `Bench mb u${u} #${k}`;
          rep.mailbox.push({ id: await post(user.email, benchMailboxEvent(subject, slot, false, rep.guests)), subject });
        }
      }
      for (let s = 0; s < opts.seriesPerUser; s++) {
        const slot = benchSlot(now, 1 + s, 18);
        if (s < sfSeries) org.insert('Event', benchSalesforceEvent(user.id, `Bench sf series u${u} #${s}`, slot, true), user.id);
        else await post(user.email, benchMailboxEvent(`Bench mb series u${u} #${s}`, slot, true));
      }
      return rep;
    }),
  );
  const perSide = seeded.users.length;
  return {
    reps,
    series: { salesforce: sfSeries * perSide, mailbox: (opts.seriesPerUser - sfSeries) * perSide, occurrencesEach: BENCH_SERIES_OCCURRENCES },
  };
}
