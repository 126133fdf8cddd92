/**
 * Places the instances of one series in its slots (see event-series.ts), one function per side.
 *
 * Whatever cannot be placed for sure is reported, never guessed: a side with an unplaced row gets
 * no missing slots at all (an empty slot may be where that row belongs), only held ones, so no
 * occurrence is cancelled on the other side because of a row this module could not read.
 */
import type { EventField, EventFields, EventKind } from './event.ts';
import { normaliseEvent } from './event-normalise.ts';
import { fieldsOffPattern, patternInstance, seriesSlots, slotMs } from './event-series.ts';
import type { SeriesMaster, SeriesSlots, TimeWindow } from './event-series.ts';
import { isCalendarDate } from './normalise.ts';
import { formatInstant, parseInstant } from './timezones.ts';

export interface PlacedInstance {
  id: string;
  slot: string;
  /** The instance's values (for a Graph occurrence stub: the pattern's). */
  fields: EventFields;
  /** It is not what the pattern implies (Graph: or it is an exception). */
  modified: boolean;
  /** The instance fields that differ from the pattern; the baseline for slots without stored hashes. */
  offPattern: EventField[];
  modifiedAt?: string;
}

export interface SlotAssignment {
  placed: PlacedInstance[];
  /** Slots in the window no instance fills: cancelled (Graph) or deleted (Salesforce) occurrences. */
  missing: string[];
  /** Empty slots in the window that an unplaced row may belong to: neither filled nor missing. */
  held: string[];
  unplaced: Array<{ id: string; reason: string }>;
  /** The pattern listing stopped at a cap (see seriesSlots). */
  capped: boolean;
}

interface Candidate {
  id: string;
  start: string;
  at: number;
}

/**
 * The slots to place rows in: the window, widened to every row given, so a row just outside the
 * window still finds (or takes) its slot instead of leaving a false gap inside it.
 */
function slotsAround(master: SeriesMaster, window: TimeWindow, rows: Candidate[]): SeriesSlots & { firstStart?: string } {
  const firstStart = normaliseEvent(master.fields).start;
  if (firstStart === undefined) return { slots: [], capped: false, problem: 'the series master has no start' };
  let from: number;
  let to: number;
  try {
    from = Math.min(parseInstant(window.start), ...rows.map((row) => row.at));
    to = Math.max(parseInstant(window.end), ...rows.map((row) => row.at + 1000));
  } catch {
    return { slots: [], capped: false, problem: 'the window is not two instants' };
  }
  return { ...seriesSlots(master.recurrence, { start: formatInstant(from), end: formatInstant(to) }, firstStart), firstStart };
}

function readStart(fields: EventFields, zone: string): { start: string; at: number } | undefined {
  const start = normaliseEvent(fields).start;
  if (start === undefined) return undefined;
  try {
    return { start, at: slotMs(start, zone) };
  } catch {
    return undefined;
  }
}

/** Missing and held slots once rows are placed; any unplaced row turns every empty slot into a held one. */
function finish(
  pattern: SeriesSlots,
  window: TimeWindow,
  zone: string,
  placed: PlacedInstance[],
  unplaced: SlotAssignment['unplaced'],
): SlotAssignment {
  const filled = new Set(placed.map((p) => p.slot));
  const from = parseInstant(window.start);
  const to = parseInstant(window.end);
  const empty = pattern.slots.filter((slot) => {
    if (filled.has(slot)) return false;
    const at = slotMs(slot, zone);
    return at >= from && at < to;
  });
  const guessing = unplaced.length > 0;
  return { placed, missing: guessing ? [] : empty, held: guessing ? empty : [], unplaced, capped: pattern.capped };
}

function unplaceAll(ids: string[], reason: string): SlotAssignment {
  return { placed: [], missing: [], held: [], unplaced: ids.map((id) => ({ id, reason })), capped: false };
}

export interface SalesforceOccurrenceRow {
  id: string;
  fields: EventFields;
  /** IsRecurrence2Exception (or Exclusion): the row was edited, so it may have moved off its slot. */
  isException: boolean;
  modifiedAt?: string;
}

/**
 * Gives each Salesforce occurrence row its slot. `rows`: every occurrence row of the series
 * starting in the window, plus a margin around it (a week or one pattern period): a row moved
 * just out of the window would otherwise leave its slot looking deleted. Exclusions
 * (IsRecurrence2Exclusion, cut loose from an older pattern) do not belong to any slot: leave them out.
 *
 * Rule: a row starting exactly on a slot takes it (of two, the one not marked as an exception;
 * otherwise neither). A row that is not an exception but starts off the pattern is not placed:
 * Salesforce reads the pattern differently, so no slot can be trusted. The remaining rows are
 * moved occurrences, and a moved occurrence keeps its place in the series order: between two
 * pinned rows, the moved rows take the empty slots between those rows' slots, in order of start,
 * when there are exactly as many of each. With fewer rows than empty slots it is unknown which
 * slots were deleted, with more, a row was moved past another one: such rows are not placed.
 * With `agreed`, a row starting exactly where an empty slot's occurrence was last known to start
 * takes that slot first (see placeByAgreedStart).
 */
export function assignSalesforceSlots(master: SeriesMaster, rows: SalesforceOccurrenceRow[], window: TimeWindow, agreed?: AgreedStarts): SlotAssignment {
  const zone = master.recurrence.timeZone;
  const unplaced: SlotAssignment['unplaced'] = [];
  const readable: Array<Candidate & { row: SalesforceOccurrenceRow }> = [];
  for (const row of rows) {
    const start = readStart(row.fields, zone);
    if (start === undefined) unplaced.push({ id: row.id, reason: 'the row has no readable start' });
    else readable.push({ id: row.id, ...start, row });
  }
  const pattern = slotsAround(master, window, readable);
  if (pattern.problem !== undefined || pattern.firstStart === undefined) {
    return unplaceAll(rows.map((row) => row.id), pattern.problem ?? 'the series master has no start');
  }
  const order = new Map(pattern.slots.map((slot, index) => [slot, index]));
  const capNote = pattern.capped ? ' (the pattern listing was capped, see seriesSlots)' : '';
  const placed: PlacedInstance[] = [];
  const place = (entry: (typeof readable)[number], slot: string): void => {
    const offPattern = fieldsOffPattern(master.fields, slot, entry.row.fields);
    placed.push({ id: entry.id, slot, fields: normaliseEvent(entry.row.fields), modified: offPattern.length > 0, offPattern, ...(entry.row.modifiedAt ? { modifiedAt: entry.row.modifiedAt } : {}) });
  };

  const onSlot = new Map<string, typeof readable>();
  const moved: typeof readable = [];
  for (const entry of readable) {
    if (order.has(entry.start)) onSlot.set(entry.start, [...(onSlot.get(entry.start) ?? []), entry]);
    else if (entry.row.isException) moved.push(entry);
    else unplaced.push({ id: entry.id, reason: `not an edited occurrence, yet it does not start on a slot of the pattern as read here${capNote}` });
  }
  const pinned = new Set<string>();
  for (const [slot, group] of onSlot) {
    const plain = group.filter((entry) => !entry.row.isException);
    const keeper = group.length === 1 ? group[0] : plain.length === 1 ? plain[0] : undefined;
    if (keeper === undefined) {
      for (const entry of group) unplaced.push({ id: entry.id, reason: `${group.length} rows start at slot ${slot}; which one fills it is unknown` });
      continue;
    }
    place(keeper, slot);
    pinned.add(slot);
    for (const entry of group) if (entry !== keeper) moved.push(entry);
  }

  // Segment k lies between the k-th and (k+1)-th pinned slot; rows and empty slots are grouped by it.
  const pinnedAt = pattern.slots.filter((slot) => pinned.has(slot)).map((slot) => slotMs(slot, zone));
  const segmentOf = (at: number): number => pinnedAt.filter((p) => p < at).length;
  const segments = new Map<number, { rows: typeof readable; slots: string[] }>();
  const segment = (k: number) => segments.get(k) ?? segments.set(k, { rows: [], slots: [] }).get(k)!;
  for (const slot of pattern.slots) if (!pinned.has(slot)) segment(segmentOf(slotMs(slot, zone))).slots.push(slot);
  for (const entry of moved) {
    if (pinnedAt.includes(entry.at)) unplaced.push({ id: entry.id, reason: `starts at the same time as a pinned occurrence (${entry.start}); its place in the series is unknown` });
    else segment(segmentOf(entry.at)).rows.push(entry);
  }
  for (const segment of segments.values()) {
    const { rows: inSegment, slots } = agreed === undefined ? segment : placeByAgreedStart(segment, agreed, place);
    if (inSegment.length === 0) continue;
    if (inSegment.length !== slots.length) {
      for (const entry of inSegment) {
        unplaced.push({ id: entry.id, reason: `${inSegment.length} moved rows for ${slots.length} empty slots between the same unmoved occurrences${capNote}` });
      }
      continue;
    }
    const sorted = [...inSegment].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    sorted.forEach((entry, index) => place(entry, slots[index]!));
  }
  placed.sort((a, b) => (order.get(a.slot) ?? 0) - (order.get(b.slot) ?? 0));
  return finish(pattern, window, zone, placed, unplaced);
}

/**
 * Where a slot's occurrence was last known to start, as the hashes the store keeps (the start both
 * sides agreed, and a start sent in a write whose answer was lost), and the same hash of a row's
 * start: evidence for where a moved row belongs.
 */
export interface AgreedStarts {
  slotStarts(slot: string): readonly string[];
  rowStart(fields: EventFields): string | undefined;
}

/**
 * A moved row that starts exactly where the occurrence of one empty slot of its segment was last
 * known to start (and no other row or slot there shares that start) is that occurrence:
 * it was moved there and synced, or synced there from the mailbox. It takes that slot; the rest
 * of the segment is placed by order as before. This is what lets a row moved past a deleted
 * neighbour keep its slot instead of leaving the series unplaceable.
 */
function placeByAgreedStart<R extends { row: SalesforceOccurrenceRow }>(
  segment: { rows: R[]; slots: string[] },
  agreed: AgreedStarts,
  place: (entry: R, slot: string) => void,
): { rows: R[]; slots: string[] } {
  const starts = new Map(segment.slots.map((slot) => [slot, agreed.slotStarts(slot)] as const));
  const rowStarts = new Map(segment.rows.map((entry) => [entry, agreed.rowStart(entry.row.fields)] as const));
  const used = new Set<string>();
  const placedRows = new Set<R>();
  for (const [entry, start] of rowStarts) {
    if (start === undefined) continue;
    const slots = segment.slots.filter((slot) => starts.get(slot)?.includes(start) === true);
    const rivals = [...rowStarts.values()].filter((other) => other === start).length;
    if (slots.length !== 1 || rivals !== 1) continue;
    place(entry, slots[0]!);
    used.add(slots[0]!);
    placedRows.add(entry);
  }
  return { rows: segment.rows.filter((entry) => !placedRows.has(entry)), slots: segment.slots.filter((slot) => !used.has(slot)) };
}

export interface GraphInstance {
  id: string;
  kind: EventKind;
  /** Empty for an occurrence stub (Graph returns no content for unedited occurrences). */
  fields: EventFields;
  originalStart?: string;
  cancelled?: boolean;
  modifiedAt?: string;
}

/**
 * Places Graph occurrences and exceptions (a full /instances listing of the window, or more) by
 * their originalStart. A cancelled instance leaves its slot empty, as /instances does by leaving
 * it out. An originalStart that is not a slot of the pattern, or is named twice, is not placed.
 */
export function graphSlots(master: SeriesMaster, instances: GraphInstance[], window: TimeWindow): SlotAssignment {
  const zone = master.recurrence.timeZone;
  const unplaced: SlotAssignment['unplaced'] = [];
  const readable: Array<Candidate & { instance: GraphInstance }> = [];
  for (const instance of instances) {
    if (instance.cancelled === true) continue;
    if (instance.kind !== 'occurrence' && instance.kind !== 'exception') {
      unplaced.push({ id: instance.id, reason: `a ${instance.kind} is not an instance of the series` });
      continue;
    }
    const start = instance.originalStart === undefined ? undefined : readStart({ start: instance.originalStart, isAllDay: isCalendarDate(instance.originalStart) }, zone);
    if (start === undefined) unplaced.push({ id: instance.id, reason: 'no readable originalStart' });
    else readable.push({ id: instance.id, ...start, instance });
  }
  const pattern = slotsAround(master, window, readable);
  if (pattern.problem !== undefined) return unplaceAll(instances.filter((i) => i.cancelled !== true).map((i) => i.id), pattern.problem);
  const inPattern = new Set(pattern.slots);
  const bySlot = new Map<string, typeof readable>();
  for (const entry of readable) bySlot.set(entry.start, [...(bySlot.get(entry.start) ?? []), entry]);
  const placed: PlacedInstance[] = [];
  for (const slot of pattern.slots) {
    const group = bySlot.get(slot);
    if (group === undefined) continue;
    if (group.length > 1) {
      for (const entry of group) unplaced.push({ id: entry.id, reason: `${group.length} instances name slot ${slot}` });
      continue;
    }
    const { instance } = group[0]!;
    // An occurrence stub carries no content: it holds whatever the pattern gives its slot.
    const fields = instance.kind === 'occurrence' && instance.fields.start === undefined ? patternInstance(master.fields, slot) : normaliseEvent(instance.fields);
    const offPattern = fieldsOffPattern(master.fields, slot, fields);
    // Judged by value, as Salesforce rows are: an exception edited back to the pattern holds nothing that
    // syncs differently, and counting it as edited would keep it against a cancel the other side made.
    placed.push({ id: instance.id, slot, fields, modified: offPattern.length > 0, offPattern, ...(instance.modifiedAt ? { modifiedAt: instance.modifiedAt } : {}) });
  }
  for (const entry of readable) {
    if (!inPattern.has(entry.start)) {
      const capNote = pattern.capped ? ' (the pattern listing was capped, see seriesSlots)' : '';
      unplaced.push({ id: entry.id, reason: `originalStart ${entry.start} is not a slot of the pattern as read here${capNote}` });
    }
  }
  return finish(pattern, window, zone, placed, unplaced);
}

/** Where an occurrence missing from a Graph listing may have moved to, unseen: before or after the listed range. */
export interface UnlistedMoves {
  before: boolean;
  after: boolean;
}

/**
 * Whether the missing slots of a Graph listing (see graphSlots) can be trusted as cancelled.
 * Outlook refuses to move an occurrence to or past the day of the occurrence before or after it
 * (Graph's "Update event" documents ErrorOccurrenceCrossingBoundary), so instances keep the order
 * of their slots. When the listing holds an instance of an earlier slot and one of a later slot,
 * both starting inside the listed range, an occurrence that was only moved would start between
 * them, inside the range, and have been listed: its slot is empty for sure. A missing slot with
 * no such instance before it may have moved to before the range (`before`), one with none after
 * it to after the range (`after`). Only the slots `matters` names are asked about (a slot the
 * other side no longer fills either has nothing to cancel).
 */
export function unlistedMoves(master: SeriesMaster, slots: SlotAssignment, listing: TimeWindow, matters: (slot: string) => boolean): UnlistedMoves {
  const zone = master.recurrence.timeZone;
  const from = parseInstant(listing.start);
  const to = parseInstant(listing.end);
  const inside: number[] = [];
  for (const p of slots.placed) {
    const start = readStart(p.fields, zone);
    if (start !== undefined && start.at >= from && start.at < to) inside.push(slotMs(p.slot, zone));
  }
  const out: UnlistedMoves = { before: false, after: false };
  for (const slot of slots.missing) {
    if (!matters(slot)) continue;
    const at = slotMs(slot, zone);
    if (!inside.some((s) => s < at)) out.before = true;
    if (!inside.some((s) => s > at)) out.after = true;
  }
  return out;
}
