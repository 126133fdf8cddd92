/**
 * Model-based test of the per-occurrence step (engine/event-series-sync.ts) over one linked daily
 * series held in memory on both sides (test/support/series-sides.ts).
 *
 * Each run picks a configuration (direction, delete propagation, conflict policy) and plays random
 * commands: the rep editing single occurrences on either side (subject, location, description, or
 * moving one by a couple of hours), deleting one in Salesforce or cancelling one in the mailbox,
 * editing the same field of one occurrence on both sides (a same-field conflict), injected request
 * failures (some of which apply the write and lose the answer), passes, and settle points. At a
 * settle point failures are cleared and passes run until two in a row write nothing.
 *
 * Checked at every settle point:
 *   - the sides go quiet;
 *   - two-way, every slot filled on both sides holds the same occurrence on both (one-way, the
 *     receiver mirrors the sender in every field the rep did not edit on the receiver itself);
 *   - when no pass ran since the previous settle point (the settle's first pass sees the whole round
 *     at once), every slot is predicted: a field changed on one side reaches the other (if the
 *     direction carries it), a field changed on both to different values ends with the policy's
 *     winner, a cancel reaches the other side unless that occurrence was edited there since (then it
 *     stays) or deletes are not propagated or the direction does not carry it;
 *   - a Salesforce row the step cannot place in the pattern for sure (a moved row beside a deleted
 *     one: Salesforce keeps no slot) leaves the occurrences it may stand for untouched on both sides,
 *     for as long as it stays unplaceable; a row the step does place (by order, or by the start the
 *     store says its slot was last known at) is always in its true slot;
 *   - a write whose answer was lost is not taken for the rep's edit on the receiving side.
 *
 * Runs: SYNCLINE_SERIES_MODEL_RUNS=<n> (default 300); SYNCLINE_MODEL_SEED / SYNCLINE_MODEL_PATH
 * replay a failure as in event-sync-model.test.ts; SYNCLINE_MODEL_EXAMPLE='<the printed
 * counterexample>' tries that case first.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { EventFields } from '../../companion/src/core/event.ts';
import { normaliseEvent } from '../../companion/src/core/event-normalise.ts';
import { slotKeyHash } from '../../companion/src/core/event-hash.ts';
import { eventModel } from '../../companion/src/core/event-plan.ts';
import { assignSalesforceSlots } from '../../companion/src/core/event-series-assign.ts';
import { sentHashes } from '../../companion/src/core/event-series-plan.ts';
import type { Direction } from '../../companion/src/core/sync-types.ts';
import { syncSeriesInstances, type SeriesStepInput } from '../../companion/src/engine/event-series-sync.ts';
import { dailySeries, seriesStepInput, SeriesSides, type SeriesCall, type SeriesFailure } from '../support/series-sides.ts';

const RUNS = Number(process.env.SYNCLINE_SERIES_MODEL_RUNS ?? '') || 300;
const SEED = process.env.SYNCLINE_MODEL_SEED ? Number(process.env.SYNCLINE_MODEL_SEED) : undefined;
const PATH = process.env.SYNCLINE_MODEL_PATH;
/** A counterexample as fast-check printed it (JSON), tried before the random runs. */
const EXAMPLE = process.env.SYNCLINE_MODEL_EXAMPLE ? (JSON.parse(process.env.SYNCLINE_MODEL_EXAMPLE) as [Config, Command[]]) : undefined;

const SLOTS = 6;
const SALT = 'series-model-salt';
const MODEL = eventModel(SALT);
const HOUR = 3_600_000;
const { master: MASTER, slot, instance } = dailySeries(SLOTS);
const WINDOW = { start: '2026-03-01T00:00:00Z', end: '2026-03-31T00:00:00Z' };
/** The fields the rep changes on an occurrence here, compared in normalised form. */
const FIELDS = ['subject', 'start', 'end', 'location', 'description'] as const;
type Field = (typeof FIELDS)[number];
type Side = 'salesforce' | 'mailbox';
type Values = Record<Field, string | undefined>;
const other = (s: Side): Side => (s === 'salesforce' ? 'mailbox' : 'salesforce');

interface Config {
  direction: Direction;
  propagateDeletes: boolean;
  conflictPolicy: 'salesforce_wins' | 'mailbox_wins' | 'newest_wins';
}

type Change = { f: 'subject' } | { f: 'location'; clear: boolean } | { f: 'description'; clear: boolean } | { f: 'shift'; hours: number };

type Command =
  | { t: 'edit'; side: Side; slot: number; change: Change }
  | { t: 'cancel'; side: Side; slot: number }
  | { t: 'conflict'; slot: number; change: Change; mailboxFirst: boolean }
  | { t: 'fail'; call: SeriesCall; mode: SeriesFailure }
  | { t: 'sync' }
  | { t: 'settle' };

const sideArb = fc.constantFrom<Side>('salesforce', 'mailbox');
const slotArb = fc.nat({ max: SLOTS - 1 });
const changeArb: fc.Arbitrary<Change> = fc.oneof(
  fc.constant<Change>({ f: 'subject' }),
  fc.record({ f: fc.constant('location' as const), clear: fc.boolean() }),
  fc.record({ f: fc.constant('description' as const), clear: fc.boolean() }),
  fc.record({ f: fc.constant('shift' as const), hours: fc.constantFrom(-2, -1, 1, 2) }),
);
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('edit' as const), side: sideArb, slot: slotArb, change: changeArb }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('cancel' as const), side: sideArb, slot: slotArb }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('conflict' as const), slot: slotArb, change: changeArb, mailboxFirst: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('fail' as const),
      call: fc.constantFrom<SeriesCall>('sf.seriesOccurrences', 'sf.updateEvents', 'sf.deleteEvents', 'mb.seriesInstances', 'mb.updateEvents', 'mb.deleteEvents'),
      mode: fc.constantFrom<SeriesFailure>('throw', 'applied-throw'),
    }),
  },
  { weight: 2, arbitrary: fc.constant<Command>({ t: 'sync' }) },
  { weight: 2, arbitrary: fc.constant<Command>({ t: 'settle' }) },
);
const configArb: fc.Arbitrary<Config> = fc.record({
  direction: fc.constantFrom<Direction>('both', 'both', 'salesforce_to_mailbox', 'mailbox_to_salesforce'),
  propagateDeletes: fc.boolean(),
  conflictPolicy: fc.constantFrom<Config['conflictPolicy']>('salesforce_wins', 'mailbox_wins', 'newest_wins'),
});

const flowsTo = (d: Direction, to: Side) => d === 'both' || (to === 'mailbox' ? d === 'salesforce_to_mailbox' : d === 'mailbox_to_salesforce');
const slotOfId = (id: string) => Number(id.replace(/^\D+/, ''));

function values(fields: EventFields): Values {
  const n = normaliseEvent(fields) as Record<string, unknown>;
  const out = {} as Values;
  for (const f of FIELDS) out[f] = n[f] === undefined ? undefined : JSON.stringify(n[f]);
  return out;
}

interface SlotView {
  sf?: { values: Values; modifiedAt: string };
  mb?: { values: Values; modifiedAt: string };
}

class World {
  readonly sides = new SeriesSides(SLOTS, (i) => instance(i), slot);
  private revisit = new Set<string>();
  private n = 0;
  /** Per slot: the values both sides agreed on at the last settle point (undefined: not on both sides then). */
  private agreed = new Map<number, Values>();
  /** Slots undecided at the last settle point: their agreement is the step's, unknown here. */
  private readonly uncertain = new Set<number>();
  /** No pass ran since the last settle point. */
  private quiet = true;
  /** `${slot}|${side}|${field}` the rep ever wrote (one-way: a receiver's own edit may stay). */
  private readonly repEdited = new Set<string>();
  readonly log: string[] = [];

  constructor(readonly cfg: Config) {
    for (let i = 0; i < SLOTS; i++) this.agreed.set(i, values(instance(i)));
  }

  private input(): SeriesStepInput {
    return seriesStepInput(MASTER, SALT, {
      direction: this.cfg.direction,
      conflictPolicy: this.cfg.conflictPolicy,
      propagateDeletes: this.cfg.propagateDeletes,
      maxDeleteShare: 1,
      revisit: this.revisit,
    });
  }

  private async pass(): Promise<number> {
    const before = this.sides.engineWrites.salesforce + this.sides.engineWrites.mailbox;
    const out = await syncSeriesInstances(this.sides.deps(SALT), this.input());
    this.revisit = new Set(out.revisit);
    const writes = this.sides.engineWrites.salesforce + this.sides.engineWrites.mailbox - before;
    this.log.push(`pass: ${writes} writes, ${out.errors.length} rows, ${out.conflicts.length} conflicts`);
    return writes;
  }

  /** Always a real change of the occurrence as it is on `side` (a clear of an empty field sets it instead). */
  private changeSet(change: Change, i: number, sign: number, side: Side): EventFields {
    const n = ++this.n;
    const current = this.fieldsOf(side, i);
    switch (change.f) {
      case 'subject':
        return { subject: `Stand-up v${n}` };
      case 'location':
        return change.clear && sign > 0 && current?.location !== undefined ? { location: undefined } : { location: `Room ${n}` };
      case 'description':
        return change.clear && sign > 0 && current?.description !== undefined ? { description: undefined } : { description: `Note ${n}` };
      case 'shift': {
        const start = Date.parse(slot(i)) + change.hours * sign * HOUR;
        const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
        return { start: iso(start), end: iso(start + 15 * 60_000) };
      }
    }
  }

  private fieldsOf(side: Side, i: number): EventFields | undefined {
    return side === 'salesforce' ? this.sides.sfRows.find((r) => r.id === `sf${i}`)?.fields : this.sides.mbInstances.find((r) => r.id === `mb${i}`)?.fields;
  }

  private edit(side: Side, i: number, set: EventFields): boolean {
    const id = side === 'salesforce' ? `sf${i}` : `mb${i}`;
    const present = side === 'salesforce' ? this.sides.sfRows.some((r) => r.id === id) : this.sides.mbInstances.some((r) => r.id === id);
    if (!present) return false;
    if (side === 'salesforce') this.sides.sfEdit(id, set);
    else this.sides.mbEdit(id, set);
    for (const f of Object.keys(set)) this.repEdited.add(`${i}|${side}|${f}`);
    this.log.push(`edit ${side} slot ${i} ${JSON.stringify(set)}`);
    return true;
  }

  async apply(cmd: Command): Promise<void> {
    switch (cmd.t) {
      case 'edit':
        this.edit(cmd.side, cmd.slot, this.changeSet(cmd.change, cmd.slot, 1, cmd.side));
        return;
      case 'conflict': {
        const order: Side[] = cmd.mailboxFirst ? ['mailbox', 'salesforce'] : ['salesforce', 'mailbox'];
        for (const [k, side] of order.entries()) this.edit(side, cmd.slot, this.changeSet(cmd.change, cmd.slot, k === 0 ? 1 : -1, side));
        return;
      }
      case 'cancel':
        if (cmd.side === 'salesforce') this.sides.sfRows = this.sides.sfRows.filter((r) => r.id !== `sf${cmd.slot}`);
        else this.sides.mbInstances = this.sides.mbInstances.filter((r) => r.id !== `mb${cmd.slot}`);
        this.log.push(`cancel ${cmd.side} slot ${cmd.slot}`);
        return;
      case 'fail':
        this.sides.failNext(cmd.call, cmd.mode);
        this.log.push(`fail next ${cmd.call} (${cmd.mode})`);
        return;
      case 'sync':
        try {
          await this.pass();
        } catch (err) {
          // The step itself never throws for a failed request: that is checked here.
          throw new Error(`a pass threw: ${err instanceof Error ? err.message : String(err)}`);
        }
        this.quiet = false;
        return;
      case 'settle':
        await this.settle();
    }
  }

  private view(): Map<number, SlotView> {
    const out = new Map<number, SlotView>();
    for (let i = 0; i < SLOTS; i++) out.set(i, {});
    for (const r of this.sides.sfRows) out.get(slotOfId(r.id))!.sf = { values: values(r.fields), modifiedAt: r.modifiedAt ?? '' };
    for (const m of this.sides.mbInstances) out.get(slotOfId(m.id))!.mb = { values: values(m.fields), modifiedAt: m.modifiedAt ?? '' };
    return out;
  }

  /**
   * Slots a Salesforce row the step cannot place may stand for: the slots of unplaced rows and every
   * held slot. Placed as the step places them, with the starts the store says both sides agreed.
   */
  private async ambiguous(): Promise<Set<number>> {
    const [row] = await this.sides.store.seriesSlots('u1', ['S1']);
    const placed = assignSalesforceSlots(
      { recurrence: MASTER.recurrence!, fields: MASTER },
      this.sides.sfRows.map((r) => ({ id: r.id, fields: r.fields, isException: r.isException })),
      WINDOW,
      {
        slotStarts: (s) => {
          const hashes = row?.slots[slotKeyHash(s, SALT)] ?? {};
          return [...(hashes.start === undefined ? [] : [hashes.start]), ...sentHashes(hashes, 'start')];
        },
        rowStart: (fields) => MODEL.hash(fields).start,
      },
    );
    const out = new Set<number>(placed.unplaced.map((u) => slotOfId(u.id)));
    for (const s of placed.held) out.add([...Array(SLOTS).keys()].find((i) => slot(i) === s)!);
    // A placed row in the wrong slot would be a bug of the placement, not of this step: checked too.
    for (const p of placed.placed) assert.equal(p.slot, slot(slotOfId(p.id)), `row ${p.id} placed in ${p.slot}`);
    return out;
  }

  async settle(): Promise<void> {
    this.sides.clearFailures();
    const before = this.view();
    const ambiguous = await this.ambiguous();
    let quietPasses = 0;
    for (let k = 0; k < 8 && quietPasses < 2; k++) quietPasses = (await this.pass()) === 0 ? quietPasses + 1 : 0;
    assert.equal(quietPasses, 2, 'the sides did not go quiet');
    const after = this.view();
    // A row the step could not place at first may be placed once a lost write is known to have
    // landed (its start then matches what was sent): only slots undecided throughout must stay as
    // they were; slots decided on the way are checked for agreement, not predicted.
    const still = await this.ambiguous();
    const decidedOnTheWay = new Set([...ambiguous].filter((i) => !still.has(i)));
    this.check(before, after, new Set([...ambiguous].filter((i) => still.has(i))), decidedOnTheWay);
    // The new agreement: slots on both sides (one-way: the sender's values). For a slot left
    // undecided (a row could not be placed) the model cannot tell what the step last agreed: a
    // pass before the row became unplaceable may have written the slot. It is not predicted
    // until a settle point decides it again.
    this.agreed.clear();
    for (const [i, v] of after) {
      if (still.has(i)) this.uncertain.add(i);
      else {
        this.uncertain.delete(i);
        if (v.sf && v.mb) this.agreed.set(i, { ...(this.cfg.direction === 'mailbox_to_salesforce' ? v.mb.values : v.sf.values) });
      }
    }
    this.quiet = true;
    this.log.push('── settled ──');
  }

  private check(before: Map<number, SlotView>, after: Map<number, SlotView>, ambiguous: Set<number>, unpredicted: Set<number>): void {
    const d = this.cfg.direction;
    for (const [i, a] of after) {
      const b = before.get(i)!;
      const what = `slot ${i}`;
      if (ambiguous.has(i)) {
        assert.deepEqual(a, b, `${what}: a row that cannot be placed for sure, yet the slot was written`);
        continue;
      }
      if (a.sf && a.mb) {
        for (const f of FIELDS) {
          const receiver: Side | undefined = d === 'salesforce_to_mailbox' ? 'mailbox' : d === 'mailbox_to_salesforce' ? 'salesforce' : undefined;
          if (receiver && this.repEdited.has(`${i}|${receiver}|${f}`)) continue;
          assert.equal(a.sf.values[f], a.mb.values[f], `${what}: field ${f} differs after settling`);
        }
      }
      if (!this.quiet || unpredicted.has(i)) continue;
      this.predict(i, b, a);
    }
  }

  /** The settle's first pass saw the whole round: each slot's outcome follows from the agreement and what each side did. */
  private predict(i: number, b: SlotView, a: SlotView): void {
    const d = this.cfg.direction;
    if (this.uncertain.has(i)) return;
    const agreed = this.agreed.get(i);
    const what = `slot ${i} (exact)`;
    if (!agreed) {
      // Not on both sides at the last settle point: nothing is left to sync for it.
      assert.deepEqual(a, b, `${what}: was one-sided, yet it changed`);
      return;
    }
    if (b.sf && b.mb) {
      assert.ok(a.sf && a.mb, `${what}: present on both sides, then removed by the sync`);
      const units: Field[][] = [['start', 'end'], ['subject'], ['location'], ['description']];
      for (const unit of units) {
        const sc = unit.some((f) => b.sf!.values[f] !== agreed[f]);
        const mc = unit.some((f) => b.mb!.values[f] !== agreed[f]);
        for (const f of unit) {
          const s: string | undefined = b.sf.values[f];
          const m: string | undefined = b.mb.values[f];
          let expect: [string | undefined, string | undefined];
          if (!sc && !mc) expect = [s, m];
          else if (sc && !mc) expect = flowsTo(d, 'mailbox') ? [s, s] : [s, m];
          else if (!sc && mc) expect = flowsTo(d, 'salesforce') ? [m, m] : [s, m];
          else if (unit.every((g) => b.sf!.values[g] === b.mb!.values[g])) expect = [s, s];
          else {
            let winner: Side;
            if (d !== 'both') winner = d === 'salesforce_to_mailbox' ? 'salesforce' : 'mailbox';
            else if (this.cfg.conflictPolicy === 'newest_wins') winner = Date.parse(b.mb.modifiedAt) > Date.parse(b.sf.modifiedAt) ? 'mailbox' : 'salesforce';
            else winner = this.cfg.conflictPolicy === 'mailbox_wins' ? 'mailbox' : 'salesforce';
            const v = winner === 'salesforce' ? s : m;
            expect = [v, v];
          }
          assert.deepEqual([a.sf.values[f], a.mb.values[f]], expect, `${what}: field ${f}: agreed ${agreed[f]}, Salesforce had ${s}, mailbox had ${m}`);
        }
      }
      return;
    }
    if (!b.sf && !b.mb) {
      assert.deepEqual(a, {}, `${what}: gone on both sides, yet something is back`);
      return;
    }
    const gone: Side = b.sf ? 'mailbox' : 'salesforce';
    const survivor = (gone === 'salesforce' ? b.mb : b.sf)!;
    const after = gone === 'salesforce' ? a.mb : a.sf;
    const edited = FIELDS.some((f) => survivor.values[f] !== agreed[f]);
    assert.equal(gone === 'salesforce' ? a.sf : a.mb, undefined, `${what}: a cancelled occurrence came back`);
    const cancels = this.cfg.propagateDeletes && flowsTo(d, other(gone)) && !edited;
    if (cancels) assert.equal(after, undefined, `${what}: cancelled in ${gone}, the unedited occurrence on the other side survived`);
    else assert.deepEqual(after, survivor, `${what}: cancelled in ${gone}; the other side's occurrence should stay as it was`);
  }
}

describe('single occurrences of a linked series against a model', () => {
  it(`random occurrence edits, cancels, conflicts and failures on both sides settle as the configuration says (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(configArb, fc.array(commandArb, { minLength: 5, maxLength: 40 }), async (cfg, commands) => {
        const world = new World(cfg);
        try {
          for (const cmd of commands) await world.apply(cmd);
          await world.settle();
        } catch (err) {
          if (err instanceof Error) throw new Error(`${err.message}\n── config ${JSON.stringify(cfg)}\n── trace\n${world.log.join('\n')}`, { cause: err });
          throw err;
        }
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), ...(PATH ? { path: PATH } : {}), ...(EXAMPLE ? { examples: [EXAMPLE] } : {}), includeErrorInReport: true },
    );
  });
});
