/**
 * What the events end-to-end files share: time slots relative to today and lookups of a rep's
 * events on either side of the sandbox by subject.
 */
import type { SyncHarness } from './sync-harness.ts';

export const DAY = 86_400_000;

/** An hour-long slot `days` from today (UTC midnight) at `hour`, as ISO instants without milliseconds. */
export function slot(days: number, hour: number): { start: string; end: string } {
  const day = Math.floor(Date.now() / DAY) * DAY + days * DAY;
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  return { start: iso(day + hour * 3_600_000), end: iso(day + (hour + 1) * 3_600_000) };
}

/** A Graph dateTimeTimeZone for a UTC instant. */
export const utc = (iso: string) => ({ dateTime: iso.replace('Z', ''), timeZone: 'UTC' });

/** Lookups on the harness started in `before` (read lazily, as the files assign it there). */
export function eventLookups(harness: () => SyncHarness) {
  const allRep = () => harness().sandbox.seeded.users[0]!;
  const selectedRep = () => harness().sandbox.seeded.users[1]!;
  const sfEventsOf = (userId: string) => harness().sandbox.org.records('Event').filter((e) => e.OwnerId === userId && e.IsChild !== true);
  const mbEvents = (email: string) => harness().sandbox.graph.events(email);
  const sfBySubject = (userId: string, subject: string) => sfEventsOf(userId).filter((e) => e.Subject === subject);
  const mbBySubject = (email: string, subject: string) => mbEvents(email).filter((e) => e.subject === subject);
  return { allRep, selectedRep, sfEventsOf, mbEvents, sfBySubject, mbBySubject };
}
