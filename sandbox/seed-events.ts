/**
 * Sample calendars: a few Salesforce events per rep and a few events already in each mailbox,
 * chosen so the first sync shows every rule an admin configures — one meeting is in both
 * calendars already (paired by subject, start and end, not duplicated), one mailbox event is
 * private (not copied while private events are off), one carries the selection category and one
 * does not (the "selected events" rep only gets the first), and a weekly series in Salesforce shows
 * a series travelling as one series master. Times are relative to the day the
 * sandbox starts, so they always fall inside the seeded sync window.
 */
import { SELECTED_EVENTS_CATEGORY } from './seed.ts';

const DAY = 86_400_000;

function at(now: number, days: number, hourUtc: number, minute = 0): string {
  const day = Math.floor(now / DAY) * DAY + days * DAY;
  return new Date(day + hourUtc * 3_600_000 + minute * 60_000).toISOString().replace('.000Z', 'Z');
}
const date = (now: number, days: number) => new Date(Math.floor(now / DAY) * DAY + days * DAY).toISOString().slice(0, 10);

/** The seeded weekly series in each rep's Salesforce calendar. */
export const SEED_SERIES_SUBJECT = 'Weekly pipeline sync';

/** The meeting both calendars already hold for rep `u`. */
export function sharedMeeting(now: number, u: number): { subject: string; start: string; end: string } {
  return { subject: 'Pipeline review', start: at(now, 2 + u, 10), end: at(now, 2 + u, 11) };
}

export function salesforceSeedEvents(ownerId: string, u: number, now: number): Array<Record<string, unknown>> {
  const shared = sharedMeeting(now, u);
  return [
    { OwnerId: ownerId, Subject: shared.subject, StartDateTime: shared.start, EndDateTime: shared.end, ShowAs: 'Busy' },
    {
      OwnerId: ownerId,
      Subject: 'Site visit — Northwind Traders',
      StartDateTime: at(now, 5, 13, 30),
      EndDateTime: at(now, 5, 15),
      Location: '1 Harbour Way, Seattle',
      Description: 'Bring the renewal quote.\nAsk about the second warehouse.',
      ShowAs: 'Busy',
      IsReminderSet: true,
      ReminderDateTime: at(now, 5, 13, 15),
    },
    // Two whole days: all-day events keep their dates in every zone.
    { OwnerId: ownerId, Subject: 'Trade fair', IsAllDayEvent: true, ActivityDate: date(now, 12), DurationInMinutes: 2 * 1440, ShowAs: 'OutOfOffice' },
    // A Lightning event series (the org expands its four occurrences; the mailbox gets one series master).
    {
      OwnerId: ownerId,
      Subject: SEED_SERIES_SUBJECT,
      StartDateTime: at(now, 1, 8),
      EndDateTime: at(now, 1, 8, 30),
      ShowAs: 'Busy',
      IsRecurrence2: true,
      Recurrence2PatternText: 'RRULE:FREQ=WEEKLY;COUNT=4',
    },
  ];
}

/** Graph event bodies (POST /users/{upn}/events). */
export function mailboxSeedEvents(u: number, now: number): Array<Record<string, unknown>> {
  const shared = sharedMeeting(now, u);
  const utc = (dateTime: string) => ({ dateTime: dateTime.replace('Z', ''), timeZone: 'UTC' });
  return [
    { subject: shared.subject, start: utc(shared.start), end: utc(shared.end), location: { displayName: 'Teams' } },
    { subject: 'Dentist', sensitivity: 'private', start: utc(at(now, 3, 8)), end: utc(at(now, 3, 9)) },
    {
      subject: 'Customer call — Contoso',
      categories: [SELECTED_EVENTS_CATEGORY],
      start: utc(at(now, 4, 15)),
      end: utc(at(now, 4, 15, 30)),
      body: { contentType: 'html', content: '<p>Renewal terms</p><p>Next steps</p>' },
    },
    { subject: 'Team lunch', start: utc(at(now, 6, 12)), end: utc(at(now, 6, 13)), showAs: 'tentative' },
  ];
}
