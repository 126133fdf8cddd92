/**
 * Reading the mailbox side of a linked series for the per-occurrence step: its instances around
 * the sync window, and their slots. Graph lists instances by the time they take now, not by their
 * slot, so an empty slot may be a cancelled occurrence or one moved out of what was listed; this
 * module reads far enough to tell the two apart before a cancel can reach Salesforce.
 */
import type { EventFields, Recurrence } from '../core/event.ts';
import { graphSlots, unlistedMoves, type SlotAssignment } from '../core/event-series-assign.ts';
import type { EventWindow, MailboxEventsPort, MailboxSeriesInstance } from '../ports/mailbox-events.ts';
import type { SeriesStepInput } from './event-series-sync.ts';

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** One period of the pattern in days, at most (a month as 31, a year as 366). */
const periodDays = (r: Recurrence): number => ({ daily: 1, weekly: 7, monthly: 31, yearly: 366 })[r.freq] * Math.max(1, r.interval);

/**
 * Graph lists the instances whose time overlaps the window asked for, so an occurrence moved out
 * of the window would leave its slot looking cancelled. The window is widened by a pattern
 * period (at least a week) on each side, which holds every move Outlook allows unless the
 * occurrence's neighbours are cancelled; readMailboxSlots looks further when that matters.
 */
export function instancesWindow(window: EventWindow, recurrence: Recurrence): EventWindow {
  const margin = Math.max(7, Math.min(periodDays(recurrence), 731)) * DAY_MS;
  return { start: iso(Date.parse(window.start) - margin), end: iso(Date.parse(window.end) + margin) };
}

/**
 * How far past the listed range a possibly moved occurrence is looked for: a year, or four
 * pattern periods for longer patterns. An occurrence whose every later (or earlier) neighbour is
 * cancelled, moved further than that, reads as cancelled; the README states the limit.
 */
export function beyondListing(listing: EventWindow, recurrence: Recurrence, side: 'before' | 'after'): EventWindow {
  const reach = Math.max(366, Math.min(4 * periodDays(recurrence), 4 * 366)) * DAY_MS;
  return side === 'before'
    ? { start: iso(Date.parse(listing.start) - reach), end: listing.start }
    : { start: listing.end, end: iso(Date.parse(listing.end) + reach) };
}

/**
 * The mailbox instances of a series and their slots. A slot Salesforce still fills that the
 * listing leaves empty is only taken as cancelled once no moved occurrence can be hiding past the
 * listed range (see unlistedMoves); otherwise the range beyond is read too. null: the master is
 * gone. Any failed read throws.
 */
export async function readMailboxSlots(
  mailbox: Pick<MailboxEventsPort, 'seriesInstances'>,
  input: Pick<SeriesStepInput, 'email' | 'window' | 'opts'>,
  series: { mbId: string; recurrence: Recurrence; fields: EventFields },
  salesforceFilled: ReadonlySet<string>,
): Promise<{ instances: MailboxSeriesInstance[]; slots: SlotAssignment } | null> {
  const master = { recurrence: series.recurrence, fields: series.fields };
  const listing = instancesWindow(input.window, series.recurrence);
  const first = await mailbox.seriesInstances(input.email, series.mbId, listing, input.opts);
  if (first === null) return null;
  const slots = graphSlots(master, first, input.window);
  const open = unlistedMoves(master, slots, listing, (slot) => salesforceFilled.has(slot));
  if (!open.before && !open.after) return { instances: first, slots };
  const byId = new Map(first.map((i) => [i.id, i] as const));
  for (const side of ['before', 'after'] as const) {
    if (!open[side]) continue;
    const more = await mailbox.seriesInstances(input.email, series.mbId, beyondListing(listing, series.recurrence, side), input.opts);
    if (more === null) return null;
    for (const i of more) byId.set(i.id, i);
  }
  const instances = [...byId.values()];
  return { instances, slots: graphSlots(master, instances, input.window) };
}
