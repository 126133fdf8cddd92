/**
 * What the platform does around Event and EventRelation writes, beyond per-field validation:
 * derived time fields, AccountId, series occurrences, group-event flags and invitee responses.
 * dml.ts calls these inside the same transaction, so a failure writes nothing and every side
 * effect commits (and reaches CDC) with the write that caused it.
 */
import { SfError } from './errors.ts';
import { addChild, deleteChildren, removeChild, updateChildren } from './event-children.ts';
import { deriveEventTimes } from './event-rules.ts';
import {
  CRITICAL,
  createOccurrences,
  deleteOccurrences,
  isOccurrence as isSeriesOccurrence,
  isSeriesRecord,
  ownerZone,
  patternError,
  PROPAGATED,
  propagate,
  regenerate,
  SERIES_PATTERN,
  seriesRecordValues,
} from './event-series.ts';
import { keyPrefixOf } from './ids.ts';
import type { ObjectDef } from './schema.ts';
import type { Transaction } from './store.ts';

type Values = Record<string, unknown>;

export interface ObjectHooks {
  /** After field validation, before the write: may add derived values; errors fail the record. */
  prepare?(tx: Transaction, def: ObjectDef, values: Values, existing: Readonly<Values> | undefined): SfError[];
  afterInsert?(tx: Transaction, def: ObjectDef, id: string): void;
  afterUpdate?(tx: Transaction, def: ObjectDef, id: string, before: Readonly<Values>, given: ReadonlySet<string>): void;
  afterDelete?(tx: Transaction, def: ObjectDef, id: string, before: Readonly<Values>): void;
}

const typeOf = (tx: Transaction, id: unknown): string | undefined =>
  typeof id === 'string' ? tx.schema.objectByPrefix(keyPrefixOf(id))?.name : undefined;

const SERIES_ONLY = ['Recurrence2PatternText', 'Recurrence2PatternTimeZone'];

const eventHooks: ObjectHooks = {
  prepare(tx, _def, values, existing) {
    const given = new Set(Object.keys(values));
    const merged = { ...existing, ...values };
    const isOccurrence = isSeriesOccurrence(existing);
    if (isOccurrence && SERIES_ONLY.some((f) => given.has(f))) {
      return [new SfError('FIELD_INTEGRITY_EXCEPTION', 'Change the recurrence pattern on the event series record.', SERIES_ONLY.filter((f) => given.has(f)))];
    }
    if (merged['IsPrivate'] === true && (merged['WhoId'] || merged['WhatId'])) {
      // The object reference forbids relating private events; the wording is the emulator's.
      return [new SfError('FIELD_INTEGRITY_EXCEPTION', 'Private events can\'t be related to contacts, leads, or other records.', ['IsPrivate'])];
    }
    const times = deriveEventTimes({ merged, given, ...(existing ? { existing } : {}), ownerTimeZone: ownerZone(tx, merged) });
    if (times.errors.length) return times.errors;
    Object.assign(values, times.set);
    const series = existing ? existing['IsRecurrence2'] === true : values['IsRecurrence2'] === true;
    if (series && (!existing || SERIES_ONLY.some((f) => given.has(f)))) {
      const bad = patternError(merged['Recurrence2PatternText']);
      if (bad) return [bad];
    }
    if (!existing) {
      Object.assign(values, { GroupEventType: '0', IsGroupEvent: false, IsChild: false, IsRecurrence2Exception: false, IsRecurrence2Exclusion: false });
      if (series) {
        Object.assign(values, {
          Recurrence2PatternVersion: '1',
          Recurrence2PatternStartDate: values['StartDateTime'],
          Recurrence2PatternTimeZone: merged['Recurrence2PatternTimeZone'] ?? ownerZone(tx, merged),
          // The inserted row is the series record; its occurrences follow (event-series.ts).
          ...seriesRecordValues(),
        });
      }
    } else if (isOccurrence && given.size) {
      values['IsRecurrence2Exception'] = true;
    }
    values['AccountId'] = accountOf(tx, { ...merged, ...values });
    return [];
  },
  afterInsert(tx, def, id) {
    if (tx.get(id)?.values['IsRecurrence2'] === true) createOccurrences(tx, def, id);
  },
  afterUpdate(tx, def, id, before, given) {
    updateChildren(tx, def, id, before);
    const after = tx.get(id)?.values;
    if (!after || !isSeriesRecord(after)) return;
    if (CRITICAL.some((f) => given.has(f) && before[f] !== after[f])) {
      regenerate(tx, def, id, tx.timestamp);
      return;
    }
    const changed: Values = {};
    for (const f of [...PROPAGATED, 'ReminderDateTime']) if (before[f] !== after[f]) changed[f] = after[f];
    propagate(tx, def, id, changed);
  },
  afterDelete(tx, def, id, before) {
    deleteChildren(tx, def, id);
    if (isSeriesRecord(before)) deleteOccurrences(tx, def, id);
  },
};

/** The object reference's rule: WhatId's account if it is one, else a Contact WhoId's account. */
function accountOf(tx: Transaction, v: Readonly<Values>): string | null {
  if (typeOf(tx, v['WhatId']) === 'Account') return v['WhatId'] as string;
  if (typeOf(tx, v['WhoId']) === 'Contact') {
    const acct = tx.get(v['WhoId'] as string)?.values['AccountId'];
    return typeof acct === 'string' ? acct : null;
  }
  return null;
}

const RESPONSES = new Set(['Accepted', 'Declined', 'Maybe']);

const relationHooks: ObjectHooks = {
  prepare(tx, _def, values, existing) {
    if (!existing) {
      const event = tx.get(values['EventId'] as string)?.values;
      if (event?.['IsChild'] === true) {
        return [new SfError('FIELD_INTEGRITY_EXCEPTION', 'An EventRelation can\'t be related to a child event.', ['EventId'])];
      }
      const clash = tx
        .list('EventRelation')
        .find((r) => r.values['EventId'] === values['EventId'] && r.values['RelationId'] === values['RelationId']);
      if (clash) {
        return [new SfError('DUPLICATE_VALUE', `duplicate value found: RelationId duplicates value on record with id: ${String(clash.values['Id'])}`, ['RelationId'])];
      }
      values['IsWhat'] = typeOf(tx, values['RelationId']) === 'Account';
      if (values['IsWhat'] === true) values['IsInvitee'] = false;
    }
    const merged = { ...existing, ...values };
    if ((merged['IsParent'] === true || merged['IsWhat'] === true) && tx.get(merged['EventId'] as string)?.values['IsPrivate'] === true) {
      // The object reference's rule for WhoId/WhatId, which these rows stand for; same wording as the Event check.
      return [new SfError('FIELD_INTEGRITY_EXCEPTION', 'Private events can\'t be related to contacts, leads, or other records.', ['IsParent'])];
    }
    const status = values['Status'];
    if (typeof status === 'string' && RESPONSES.has(status) && !('RespondedDate' in values) && existing?.['Status'] !== status) {
      values['RespondedDate'] = tx.timestamp;
    }
    return [];
  },
  afterInsert(tx, _def, id) {
    const rel = tx.get(id)?.values;
    syncGroupFlag(tx, rel?.['EventId']);
    const eventDef = tx.schema.object('Event');
    if (rel && eventDef && rel['IsInvitee'] === true && typeOf(tx, rel['RelationId']) === 'User') {
      addChild(tx, eventDef, rel['EventId'] as string, rel['RelationId'] as string);
    }
  },
  afterUpdate(tx, _def, id) {
    syncGroupFlag(tx, tx.get(id)?.values['EventId']);
  },
  afterDelete(tx, _def, _id, before) {
    syncGroupFlag(tx, before['EventId']);
    const eventDef = tx.schema.object('Event');
    if (eventDef && typeOf(tx, before['RelationId']) === 'User') removeChild(tx, eventDef, before['EventId'] as string, before['RelationId'] as string);
  },
};

/** An event with invitees is a group event (IsGroupEvent, GroupEventType '1'). */
function syncGroupFlag(tx: Transaction, eventId: unknown): void {
  if (typeof eventId !== 'string') return;
  const event = tx.get(eventId);
  const def = tx.schema.object('Event');
  if (!event || event.values['IsDeleted'] === true || !def) return;
  const invited = tx.list('EventRelation').some((r) => r.values['EventId'] === eventId && r.values['IsInvitee'] === true);
  if (event.values['IsGroupEvent'] === invited) return;
  // A series record keeps GroupEventType '3', which is what marks it as the series.
  const groupType = event.values['GroupEventType'] === SERIES_PATTERN ? SERIES_PATTERN : invited ? '1' : '0';
  tx.update(def, eventId, { IsGroupEvent: invited, GroupEventType: groupType });
}

const HOOKS: Record<string, ObjectHooks> = { Event: eventHooks, EventRelation: relationHooks };

export const hooksFor = (def: ObjectDef): ObjectHooks | undefined => HOOKS[def.name];
