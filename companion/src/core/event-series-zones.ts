/**
 * Slots of a series the two sides hold in different zones. Salesforce evaluates a series in the
 * rep's zone, so a mailbox series from another zone is held there as the same instants told in the
 * rep's days (recurrence-zone.ts). Its slots are then not the same strings on both sides, and
 * while the two zones' clock changes disagree they are not even the same instants: 09:00 in New
 * York is 14:00 in London most of the year, 13:00 for a few weeks in spring and autumn.
 *
 * Each Salesforce slot is paired with the one mailbox slot that starts within three hours of it
 * (clock changes differ by two hours at most; a pattern's occurrences are a day or more apart), so
 * the per-occurrence plan can work in the mailbox's slots. Pure: data in, data out.
 */
import { normaliseEvent } from './event-normalise.ts';
import type { PlacedInstance, SlotAssignment } from './event-series-assign.ts';
import { seriesSlots, slotMs, type SeriesMaster } from './event-series.ts';
import { isCalendarDate } from './normalise.ts';
import { formatInstant } from './timezones.ts';

const PAIRING_REACH_MS = 3 * 3_600_000;

/**
 * The Salesforce placement `sf` (slots of `sfMaster`) told in the slots of `mbMaster`. An all-day
 * series keeps its dates (they name the same days everywhere). A Salesforce slot without exactly
 * one mailbox partner, or sharing it with another, cannot be placed: its row is reported as
 * unplaced, and, as for any unplaced row, no empty slot then counts as deleted.
 */
export function intoMailboxSlots(sf: SlotAssignment, sfMaster: SeriesMaster, mbMaster: SeriesMaster): SlotAssignment {
  const sfZone = sfMaster.recurrence.timeZone;
  const mbFirst = normaliseEvent(mbMaster.fields).start;
  const partnerOf = (slot: string): string | undefined => {
    if (isCalendarDate(slot)) return slot;
    if (mbFirst === undefined) return undefined;
    let at: number;
    try {
      at = slotMs(slot, sfZone);
    } catch {
      return undefined;
    }
    const near = seriesSlots(mbMaster.recurrence, { start: formatInstant(at - PAIRING_REACH_MS), end: formatInstant(at + PAIRING_REACH_MS) }, mbFirst);
    return near.problem === undefined && near.slots.length === 1 ? near.slots[0] : undefined;
  };

  const keys = new Set<string>([...sf.placed.map((p) => p.slot), ...sf.missing, ...sf.held]);
  const partner = new Map<string, string>();
  const taken = new Map<string, number>();
  for (const slot of keys) {
    const p = partnerOf(slot);
    if (p === undefined) continue;
    partner.set(slot, p);
    taken.set(p, (taken.get(p) ?? 0) + 1);
  }
  const mapped = (slot: string): string | undefined => {
    const p = partner.get(slot);
    return p !== undefined && taken.get(p) === 1 ? p : undefined;
  };

  const placed: PlacedInstance[] = [];
  const unplaced = [...sf.unplaced];
  for (const p of sf.placed) {
    const slot = mapped(p.slot);
    if (slot === undefined) unplaced.push({ id: p.id, reason: `its slot ${p.slot} has no single counterpart in the mailbox series' zone ${mbMaster.recurrence.timeZone}` });
    else placed.push({ ...p, slot });
  }
  const toMailbox = (slots: string[]) => slots.map(mapped).filter((s): s is string => s !== undefined);
  const empty = [...toMailbox(sf.missing), ...toMailbox(sf.held)];
  const guessing = unplaced.length > 0;
  return { placed, missing: guessing ? [] : toMailbox(sf.missing), held: guessing ? empty : toMailbox(sf.held), unplaced, capped: sf.capped };
}
