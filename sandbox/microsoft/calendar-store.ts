import { randomBytes } from 'node:crypto';
import { wallToUtc } from './calendar-time.ts';
import type { ExtendedProperty } from './contact-schema.ts';
import { expandSlots, shiftWall, type Recurrence } from './events-recurrence.ts';
import type { EventProps, EventTime } from './events-schema.ts';
import { newChangeKey, newItemId } from './ids.ts';

export type StoredKind = 'singleInstance' | 'seriesMaster' | 'exception';

export interface EventRecord {
  id: string;
  kind: StoredKind;
  props: EventProps;
  start: EventTime;
  end: EventTime;
  recurrence?: Recurrence;
  /** Keyed by the lower-cased property id: Exchange matches extended property ids case-insensitively. */
  extended: Map<string, ExtendedProperty>;
  changeKey: string;
  created: number;
  modified: number;
  /** Calendar sequence number of the last change; delta compares it with a token's watermark. */
  seq: number;
  iCalUId: string;
  transactionId?: string;
  /** Exceptions: their series and the slot they replace. */
  seriesMasterId?: string;
  originalStart?: number;
  /** Masters: slots turned into exceptions (slot instant → exception id) and cancelled slots. */
  exceptions: Map<number, string>;
  cancelled: Set<number>;
}

/** A generated instance of a series: never stored, derived from its master on every read. */
export interface Occurrence {
  id: string;
  master: EventRecord;
  originalStart: number;
  start: EventTime;
  end: EventTime;
}

export interface EventTombstone {
  id: string;
  seq: number;
  /** For an instance of a series: its slot, so delta reports it only near its window. */
  slot?: number;
}

export interface CalendarState {
  id: string;
  events: Map<string, EventRecord>;
  tombstones: EventTombstone[];
  seq: number;
}

/** How far an open-ended series is enumerated when every slot is needed (diffs, deletes). */
const MAX_SLOTS = 1000;

export const utcOf = (t: EventTime): number => wallToUtc(t.wall, t.iana);

/** Occurrence ids are the master id plus the slot, so they are stable across reads, as in Exchange. */
export function occurrenceId(masterId: string, originalStart: number): string {
  const stamp = new Date(originalStart).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `${masterId.replace(/=+$/, '')}_${stamp}`;
}

const OCCURRENCE_ID = /^(.+)_(\d{8}T\d{6}Z)$/;

/** The default calendar of each mailbox with its events; it knows nothing of HTTP. */
export class CalendarStore {
  private readonly byMailbox = new Map<string, CalendarState>();
  /** Successful API writes on events, for echo-loop tests. */
  writes = 0;
  /**
   * Cancelled occurrences leave no @removed in delta, as one experiment reported
   * (microsoftgraph/microsoft-graph-docs#4501); off by default, on to test a client's fallback.
   */
  silentCancellations = false;

  constructor(private readonly now: () => number) {}

  of(mailboxId: string): CalendarState {
    let cal = this.byMailbox.get(mailboxId);
    if (!cal) {
      cal = { id: newItemId(), events: new Map(), tombstones: [], seq: 0 };
      this.byMailbox.set(mailboxId, cal);
    }
    return cal;
  }

  create(cal: CalendarState, input: { props: EventProps; start: EventTime; end: EventTime; recurrence?: Recurrence; extended: ExtendedProperty[]; transactionId?: string }): EventRecord {
    const now = this.now();
    const rec: EventRecord = {
      id: newItemId(),
      kind: input.recurrence ? 'seriesMaster' : 'singleInstance',
      props: { ...input.props },
      start: input.start,
      end: input.end,
      recurrence: input.recurrence,
      extended: new Map(input.extended.map((e) => [e.id.toLowerCase(), e])),
      changeKey: newChangeKey(),
      created: now,
      modified: now,
      seq: ++cal.seq,
      iCalUId: newICalUId(),
      transactionId: input.transactionId,
      exceptions: new Map(),
      cancelled: new Set(),
    };
    alignMaster(rec);
    cal.events.set(rec.id, rec);
    return rec;
  }

  /** Applies an already merged and validated state; a master whose slots move loses what no longer fits. */
  update(cal: CalendarState, rec: EventRecord, next: { props: EventProps; start: EventTime; end: EventTime; recurrence?: Recurrence; extended: ExtendedProperty[] }): void {
    const before = rec.kind === 'seriesMaster' ? this.slotIds(rec) : undefined;
    rec.props = next.props;
    rec.start = next.start;
    rec.end = next.end;
    if (rec.kind !== 'exception') {
      rec.recurrence = next.recurrence;
      rec.kind = next.recurrence ? 'seriesMaster' : 'singleInstance';
      alignMaster(rec);
    }
    for (const e of next.extended) rec.extended.set(e.id.toLowerCase(), e);
    this.touch(cal, rec);
    if (before) this.dropVanishedSlots(cal, rec, before);
  }

  /** PATCH on an occurrence: it becomes an exception under the same id. */
  makeException(cal: CalendarState, occ: Occurrence): EventRecord {
    const m = occ.master;
    const now = this.now();
    const rec: EventRecord = {
      id: occ.id,
      kind: 'exception',
      props: structuredClone(m.props),
      start: occ.start,
      end: occ.end,
      extended: new Map(m.extended),
      changeKey: newChangeKey(),
      created: now,
      modified: now,
      seq: ++cal.seq,
      iCalUId: newICalUId(),
      seriesMasterId: m.id,
      originalStart: occ.originalStart,
      exceptions: new Map(),
      cancelled: new Set(),
    };
    cal.events.set(rec.id, rec);
    m.exceptions.set(occ.originalStart, rec.id);
    m.changeKey = newChangeKey();
    return rec;
  }

  /** DELETE: a single event or master goes with everything it generated; an instance is cancelled. */
  delete(cal: CalendarState, target: EventRecord | Occurrence): void {
    if ('master' in target) return this.cancelSlot(cal, target.master, target.originalStart, target.id);
    if (target.kind === 'exception') {
      const master = target.seriesMasterId ? cal.events.get(target.seriesMasterId) : undefined;
      if (master && target.originalStart !== undefined) return this.cancelSlot(cal, master, target.originalStart, target.id);
    }
    if (target.kind === 'seriesMaster') {
      for (const [slot, id] of this.slotIds(target)) this.bury(cal, id, slot);
      for (const id of target.exceptions.values()) {
        cal.events.delete(id);
        this.bury(cal, id);
      }
    }
    cal.events.delete(target.id);
    this.bury(cal, target.id);
  }

  /** What a calendar view shows of a series between two instants: occurrences and exceptions. */
  instances(cal: CalendarState, master: EventRecord, from?: number, to?: number): Array<EventRecord | Occurrence> {
    if (!master.recurrence) return [];
    const slots = expandSlots(master.start.wall, master.start.iana, master.recurrence, { from, to, max: MAX_SLOTS });
    const duration = utcOf(master.end) - utcOf(master.start);
    const out: Array<EventRecord | Occurrence> = [];
    for (const s of slots) {
      if (master.cancelled.has(s.originalStart)) continue;
      const exId = master.exceptions.get(s.originalStart);
      const ex = exId ? cal.events.get(exId) : undefined;
      if (ex) {
        out.push(ex);
        continue;
      }
      const start = { ...master.start, wall: s.startWall };
      const end = { ...master.end, wall: shiftWall(s.originalStart + duration, master.end.iana) };
      out.push({ id: occurrenceId(master.id, s.originalStart), master, originalStart: s.originalStart, start, end });
    }
    return out;
  }

  /** A stored event, or an occurrence named by its generated id. */
  find(cal: CalendarState, id: string): EventRecord | Occurrence | undefined {
    const stored = cal.events.get(id);
    if (stored) return stored;
    const m = OCCURRENCE_ID.exec(id);
    if (!m?.[1] || !m[2]) return undefined;
    const master = [m[1], `${m[1]}=`, `${m[1]}==`].map((k) => cal.events.get(k)).find((e) => e?.kind === 'seriesMaster');
    if (!master) return undefined;
    const s = m[2];
    const slot = Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(9, 11), +s.slice(11, 13), +s.slice(13, 15));
    return this.instances(cal, master, slot, slot + 1).find((i) => i.id === id && 'master' in i);
  }

  touch(cal: CalendarState, rec: EventRecord): void {
    rec.changeKey = newChangeKey();
    rec.modified = this.now();
    rec.seq = ++cal.seq;
  }

  private cancelSlot(cal: CalendarState, master: EventRecord, slot: number, id: string): void {
    master.cancelled.add(slot);
    const exId = master.exceptions.get(slot);
    if (exId) cal.events.delete(exId);
    master.exceptions.delete(slot);
    master.changeKey = newChangeKey();
    master.modified = this.now();
    if (!this.silentCancellations) this.bury(cal, id, slot);
  }

  private slotIds(master: EventRecord): Map<number, string> {
    if (!master.recurrence) return new Map();
    const slots = expandSlots(master.start.wall, master.start.iana, master.recurrence, { max: MAX_SLOTS });
    return new Map(slots.map((s) => [s.originalStart, occurrenceId(master.id, s.originalStart)]));
  }

  private dropVanishedSlots(cal: CalendarState, master: EventRecord, before: Map<number, string>): void {
    const after = this.slotIds(master);
    for (const [slot, id] of before) {
      if (after.has(slot)) continue;
      const exId = master.exceptions.get(slot);
      if (exId) cal.events.delete(exId);
      master.exceptions.delete(slot);
      master.cancelled.delete(slot);
      this.bury(cal, id, slot);
    }
  }

  private bury(cal: CalendarState, id: string, slot?: number): void {
    cal.tombstones.push({ id, seq: ++cal.seq, ...(slot === undefined ? {} : { slot }) });
  }
}

/** Exchange moves a master's start and end onto the first slot its pattern produces. */
function alignMaster(rec: EventRecord): void {
  if (!rec.recurrence) return;
  const first = expandSlots(rec.start.wall, rec.start.iana, rec.recurrence, { max: 1 })[0];
  if (!first) return;
  const duration = utcOf(rec.end) - utcOf(rec.start);
  rec.start = { ...rec.start, wall: first.startWall };
  rec.end = { ...rec.end, wall: shiftWall(first.originalStart + duration, rec.end.iana) };
}

/** Outlook's iCalUId: a fixed Outlook prefix followed by a random GUID-like tail, upper-case hex. */
function newICalUId(): string {
  return `040000008200E00074C5B7101A82E00800000000${randomBytes(36).toString('hex').toUpperCase()}`;
}
