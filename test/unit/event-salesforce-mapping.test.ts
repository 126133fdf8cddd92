import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventFields, Recurrence } from '../../companion/src/core/event.ts';
import {
  SALESFORCE_EVENT_FIELDS,
  SALESFORCE_EVENT_RELATION_FIELDS,
  fromSalesforceEvent,
  salesforceSeriesKey,
  toSalesforceEvent,
} from '../../companion/src/core/salesforce-event.ts';
import type { SalesforceEventRecord } from '../../companion/src/core/salesforce-event.ts';

const LA = 'America/Los_Angeles';
const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';
const TOKYO = 'Asia/Tokyo';
const KIRITIMATI = 'Pacific/Kiritimati'; // UTC+14
const PAGO_PAGO = 'Pacific/Pago_Pago'; // UTC-11

const MAX_MINUTES = 14 * 24 * 60;

function codes(list: { field: string; code: string }[]): string[] {
  return list.map((w) => `${w.field}:${w.code}`);
}

describe('fromSalesforceEvent', () => {
  it('maps a timed event with REST-style date-times', () => {
    const { event, warnings } = fromSalesforceEvent(
      {
        Id: '00U000000000001',
        Subject: ' Product Planning ',
        StartDateTime: '2024-05-06T17:00:00.000+0000',
        EndDateTime: '2024-05-06T18:00:00.000+0000',
        ActivityDateTime: '2024-05-06T17:00:00.000+0000',
        DurationInMinutes: 60,
        IsAllDayEvent: false,
        Location: 'San Francisco',
        Description: 'Agenda:\r\n- scope\r\n',
        ShowAs: 'Busy',
        IsPrivate: false,
        IsReminderSet: true,
        ReminderDateTime: '2024-05-06T16:45:00.000+0000',
      },
      { userTimeZone: LA },
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(event, {
      fields: {
        timeZone: LA,
        subject: 'Product Planning',
        location: 'San Francisco',
        description: 'Agenda:\n- scope',
        isAllDay: false,
        start: '2024-05-06T17:00:00Z',
        end: '2024-05-06T18:00:00Z',
        showAs: 'busy',
        isPrivate: false,
        reminderMinutes: 15,
      },
      kind: 'single',
      selected: true,
    });
  });

  it('reads a CDC payload (epoch milliseconds, no StartDateTime, duration instead of end)', () => {
    const cdc = { ActivityDateTime: 1715014800000, ActivityDate: 1714953600000, DurationInMinutes: 60, IsAllDayEvent: false };
    const { event } = fromSalesforceEvent(cdc as unknown as SalesforceEventRecord, { userTimeZone: LA });
    assert.equal(event.fields.start, '2024-05-06T17:00:00Z');
    assert.equal(event.fields.end, '2024-05-06T18:00:00Z');
  });

  for (const zone of [LA, NY, BERLIN, TOKYO, KIRITIMATI, PAGO_PAGO]) {
    it(`keeps an all-day event on its dates for a rep in ${zone}, across the US DST change`, () => {
      const { event, warnings } = fromSalesforceEvent(
        {
          IsAllDayEvent: true,
          ActivityDate: '2026-03-08',
          StartDateTime: '2026-03-08T00:00:00.000+0000',
          EndDateTime: '2026-03-09T00:00:00.000+0000',
          DurationInMinutes: 2 * 1440,
        },
        { userTimeZone: zone },
      );
      assert.deepEqual(warnings, []);
      assert.equal(event.fields.isAllDay, true);
      assert.equal(event.fields.start, '2026-03-08');
      assert.equal(event.fields.end, '2026-03-10');
    });
  }

  it('reads an all-day length from EndDateTime (its last day) when there is no duration', () => {
    const { event } = fromSalesforceEvent(
      { IsAllDayEvent: true, StartDateTime: '2026-10-24T00:00:00.000+0000', EndDateTime: '2026-10-26T00:00:00.000+0000' },
      { userTimeZone: BERLIN },
    );
    assert.deepEqual([event.fields.start, event.fields.end], ['2026-10-24', '2026-10-27']);
  });

  it('gives an all-day event with neither duration nor end one day', () => {
    const { event } = fromSalesforceEvent({ IsAllDayEvent: true, ActivityDate: '2026-12-24' }, { userTimeZone: NY });
    assert.deepEqual([event.fields.start, event.fields.end], ['2026-12-24', '2026-12-25']);
  });

  it('measures an all-day reminder from local midnight (after the DST change)', () => {
    // 17:00 PDT on Mar 8 = 00:00Z Mar 9; local midnight of Mar 9 = 07:00Z.
    const { event } = fromSalesforceEvent(
      { IsAllDayEvent: true, ActivityDate: '2026-03-09', DurationInMinutes: 1440, IsReminderSet: true, ReminderDateTime: '2026-03-09T00:00:00.000+0000' },
      { userTimeZone: LA },
    );
    assert.equal(event.fields.reminderMinutes, 420);
  });

  it('has no reminder when IsReminderSet is false, whatever ReminderDateTime says', () => {
    const { event } = fromSalesforceEvent(
      { StartDateTime: '2026-01-05T10:00:00Z', EndDateTime: '2026-01-05T11:00:00Z', IsReminderSet: false, ReminderDateTime: '2026-01-05T09:45:00Z' },
      { userTimeZone: NY },
    );
    assert.equal(event.fields.reminderMinutes, undefined);
  });

  const SHOW_AS: [string, EventFields['showAs']][] = [
    ['Busy', 'busy'],
    ['Free', 'free'],
    ['OutOfOffice', 'oof'],
  ];
  for (const [value, want] of SHOW_AS) {
    it(`reads ShowAs ${value}`, () => {
      const { event } = fromSalesforceEvent({ ShowAs: value, StartDateTime: '2026-01-05T10:00:00Z', DurationInMinutes: 30 }, { userTimeZone: NY });
      assert.equal(event.fields.showAs, want);
    });
  }

  it('reports an unknown ShowAs value', () => {
    const { event, warnings } = fromSalesforceEvent({ ShowAs: 'Tentative', StartDateTime: '2026-01-05T10:00:00Z', DurationInMinutes: 30 }, { userTimeZone: NY });
    assert.equal(event.fields.showAs, undefined);
    assert.deepEqual(codes(warnings), ['showAs:invalid']);
  });

  it('maps the series record of the CDC guide (GroupEventType 3) to a master with its pattern', () => {
    const { event, warnings } = fromSalesforceEvent(
      {
        Subject: 'Product Planning',
        IsAllDayEvent: false,
        StartDateTime: '2024-05-06T17:00:00.000+0000',
        DurationInMinutes: 60,
        GroupEventType: '3',
        IsRecurrence2: true,
        Recurrence2PatternText: 'RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=SU;INTERVAL=1;COUNT=13',
        Recurrence2PatternVersion: '1',
        Recurrence2PatternTimeZone: LA,
        ActivityRecurrence2Id: '828ZM0000000001YAA',
      },
      { userTimeZone: NY },
    );
    assert.deepEqual(warnings, []);
    assert.equal(event.kind, 'seriesMaster');
    assert.equal(event.fields.timeZone, LA);
    assert.deepEqual(event.fields.recurrence, { freq: 'weekly', interval: 1, byDay: ['MO'], startDate: '2024-05-06', count: 13, timeZone: LA });
  });

  it('maps an occurrence to its series with its start as the slot', () => {
    const { event } = fromSalesforceEvent(
      {
        StartDateTime: '2024-05-13T17:00:00.000+0000',
        DurationInMinutes: 60,
        GroupEventType: '0',
        IsRecurrence2: true,
        Recurrence2PatternText: 'RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=SU;INTERVAL=1;COUNT=13',
        ActivityRecurrence2Id: '828ZM0000000001YAA',
      },
      { userTimeZone: LA },
    );
    assert.equal(event.kind, 'occurrence');
    assert.equal(event.seriesMasterId, '828ZM0000000001YAA');
    assert.equal(event.originalStart, '2024-05-13T17:00:00Z');
    assert.equal(event.fields.recurrence, undefined);
  });

  it('reads the CDC guide\'s series record and first occurrence as two rows tied by ActivityRecurrence2Id', () => {
    // Field values as in the guide's "Recurring Activities" example: the change events carry no
    // IsRecurrence2, and RecurrenceActivityId (Classic only) is null on both.
    const shared = {
      StartDateTime: '2024-05-06T17:00:00.000+0000',
      DurationInMinutes: 60,
      IsRecurrence: false,
      RecurrenceActivityId: null,
      Recurrence2PatternText: 'RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=SU;INTERVAL=1;COUNT=13',
      ActivityRecurrence2Id: '828ZM0000000001YAA',
    };
    const series = { Id: '00UZM000000wuBw2AI', GroupEventType: '3', ...shared };
    const first = { Id: '00UZM000000wuBx2AI', GroupEventType: '0', ...shared };
    assert.equal(fromSalesforceEvent(series, { userTimeZone: LA }).event.kind, 'seriesMaster');
    const occurrence = fromSalesforceEvent(first, { userTimeZone: LA }).event;
    assert.deepEqual([occurrence.kind, occurrence.seriesMasterId], ['occurrence', '828ZM0000000001YAA']);
    assert.equal(salesforceSeriesKey(series), occurrence.seriesMasterId, 'the master is found by the same key');
  });

  it('treats RecurrenceActivityId as Classic recurrence only', () => {
    const classic = fromSalesforceEvent(
      { Id: '00U000000000002AAA', StartDateTime: '2024-05-13T17:00:00Z', DurationInMinutes: 60, RecurrenceActivityId: '00U000000000001AAA' },
      { userTimeZone: LA },
    ).event;
    assert.deepEqual([classic.kind, classic.seriesMasterId], ['occurrence', '00U000000000001AAA']);
    assert.equal(salesforceSeriesKey({ IsRecurrence: true, RecurrenceActivityId: '00U000000000001AAA' }), undefined);
  });

  it('maps an exception without an original slot (Salesforce keeps none)', () => {
    const { event } = fromSalesforceEvent(
      { StartDateTime: '2024-05-14T17:00:00Z', DurationInMinutes: 60, GroupEventType: '0', IsRecurrence2: true, IsRecurrence2Exception: true, ActivityRecurrence2Id: '828A' },
      { userTimeZone: LA },
    );
    assert.equal(event.kind, 'exception');
    assert.equal(event.originalStart, undefined);
  });

  it('does not select an invitee\'s child copy', () => {
    const { event } = fromSalesforceEvent({ IsChild: true, IsGroupEvent: true, StartDateTime: '2026-01-05T10:00:00Z', DurationInMinutes: 30 }, { userTimeZone: NY });
    assert.equal(event.selected, false);
  });

  it('reports a Classic recurring event instead of guessing its pattern', () => {
    const { event, warnings } = fromSalesforceEvent({ IsRecurrence: true, StartDateTime: '2026-01-05T10:00:00Z', DurationInMinutes: 30 }, { userTimeZone: NY });
    assert.equal(event.fields.recurrence, undefined);
    assert.deepEqual(codes(warnings), ['recurrence:invalid']);
  });
});

describe('toSalesforceEvent', () => {
  it('builds a timed insert', () => {
    const { record, warnings, errors } = toSalesforceEvent(
      {
        subject: 'Call',
        start: '2026-01-05T15:00:00Z',
        end: '2026-01-05T15:30:00Z',
        isAllDay: false,
        location: 'Phone',
        description: 'line 1\nline 2',
        showAs: 'oof',
        isPrivate: false,
        reminderMinutes: 15,
      },
      { userTimeZone: NY },
    );
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, []);
    assert.deepEqual(record, {
      Subject: 'Call',
      Location: 'Phone',
      Description: 'line 1\nline 2',
      IsAllDayEvent: false,
      StartDateTime: '2026-01-05T15:00:00Z',
      EndDateTime: '2026-01-05T15:30:00Z',
      ActivityDateTime: '2026-01-05T15:00:00Z',
      DurationInMinutes: 30,
      IsReminderSet: true,
      ReminderDateTime: '2026-01-05T14:45:00Z',
      ShowAs: 'OutOfOffice',
      IsPrivate: false,
    });
  });

  const DURATIONS: { name: string; start: string; end: string; ok: boolean }[] = [
    { name: 'exactly 14 days', start: '2026-03-01T09:00:00Z', end: '2026-03-15T09:00:00Z', ok: true },
    { name: '14 days and a minute', start: '2026-03-01T09:00:00Z', end: '2026-03-15T09:01:00Z', ok: false },
    { name: 'zero length', start: '2026-03-01T09:00:00Z', end: '2026-03-01T09:00:00Z', ok: true },
    { name: 'end before start', start: '2026-03-01T09:00:00Z', end: '2026-03-01T08:59:00Z', ok: false },
  ];
  for (const c of DURATIONS) {
    it(`timed event: ${c.name} → ${c.ok ? 'written' : 'skipped'}`, () => {
      const { record, errors } = toSalesforceEvent({ subject: 'x', start: c.start, end: c.end, isAllDay: false }, { userTimeZone: NY });
      assert.equal(errors.length === 0, c.ok, JSON.stringify(errors));
      if (!c.ok) assert.deepEqual(record, {});
      if (c.ok && c.name === 'exactly 14 days') assert.equal(record.DurationInMinutes, MAX_MINUTES);
    });
  }

  it('all-day: 14 days are written as ActivityDate + DurationInMinutes, 15 days are refused', () => {
    const ok = toSalesforceEvent({ start: '2026-07-01', end: '2026-07-15', isAllDay: true }, { userTimeZone: LA });
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(ok.record, {
      IsAllDayEvent: true,
      ActivityDate: '2026-07-01',
      StartDateTime: '2026-07-01T00:00:00Z',
      EndDateTime: null,
      ActivityDateTime: null,
      DurationInMinutes: MAX_MINUTES,
    });
    const tooLong = toSalesforceEvent({ start: '2026-07-01', end: '2026-07-16', isAllDay: true }, { userTimeZone: LA });
    assert.deepEqual(codes(tooLong.errors), ['end:invalid']);
    assert.deepEqual(tooLong.record, {});
    const backwards = toSalesforceEvent({ start: '2026-07-01', end: '2026-07-01', isAllDay: true }, { userTimeZone: LA });
    assert.deepEqual(codes(backwards.errors), ['end:invalid']);
  });

  for (const [zone, reminder] of [
    [LA, '2026-03-08T07:45:00Z'], // midnight of the US spring-forward day is still PST (UTC-8)
    [BERLIN, '2026-03-07T22:45:00Z'],
    [KIRITIMATI, '2026-03-07T09:45:00Z'],
  ] as const) {
    it(`all-day in ${zone}: same ActivityDate, reminder at local midnight minus 15 min`, () => {
      const { record, errors } = toSalesforceEvent({ start: '2026-03-08', end: '2026-03-09', isAllDay: true, reminderMinutes: 15 }, { userTimeZone: zone });
      assert.deepEqual(errors, []);
      assert.equal(record.ActivityDate, '2026-03-08');
      assert.equal(record.DurationInMinutes, 1440);
      assert.equal(record.ReminderDateTime, reminder);
    });
  }

  it('round-trips an all-day event through Salesforce in a zone west of UTC', () => {
    const { record } = toSalesforceEvent({ start: '2026-11-01', end: '2026-11-03', isAllDay: true }, { userTimeZone: PAGO_PAGO });
    const { event } = fromSalesforceEvent(record as SalesforceEventRecord, { userTimeZone: PAGO_PAGO });
    assert.deepEqual([event.fields.start, event.fields.end, event.fields.isAllDay], ['2026-11-01', '2026-11-03', true]);
  });

  it('refuses over-long text instead of truncating it', () => {
    const cases: [Partial<EventFields>, string][] = [
      [{ subject: 'x'.repeat(256) }, 'subject:invalid'],
      [{ location: 'x'.repeat(256) }, 'location:invalid'],
      [{ description: 'x'.repeat(32_001) }, 'description:invalid'],
    ];
    for (const [set, want] of cases) {
      const { record, errors } = toSalesforceEvent(set, { userTimeZone: NY });
      assert.deepEqual(codes(errors), [want]);
      assert.deepEqual(record, {});
    }
    assert.deepEqual(toSalesforceEvent({ subject: 'x'.repeat(255), description: 'y'.repeat(32_000) }, { userTimeZone: NY }).errors, []);
  });

  it('accepts an event without a subject (Subject is nillable) and clears cleared fields', () => {
    const { record, errors } = toSalesforceEvent({ subject: undefined, location: undefined, showAs: undefined }, { userTimeZone: NY });
    assert.deepEqual(errors, []);
    assert.deepEqual(record, { Subject: null, Location: null, ShowAs: null });
  });

  it('writes tentative and working-elsewhere as Busy, with a warning', () => {
    for (const showAs of ['tentative', 'workingElsewhere'] as const) {
      const { record, warnings } = toSalesforceEvent({ showAs }, { userTimeZone: NY });
      assert.equal(record.ShowAs, 'Busy');
      assert.deepEqual(codes(warnings), ['showAs:dropped']);
    }
    assert.equal(toSalesforceEvent({ showAs: 'free' }, { userTimeZone: NY }).record.ShowAs, 'Free');
  });

  it('refuses to make an event related to a contact private', () => {
    const current: SalesforceEventRecord = { Id: '00U1', WhoId: '003000000000001', StartDateTime: '2026-01-05T10:00:00Z', DurationInMinutes: 30 };
    const { record, errors } = toSalesforceEvent({ isPrivate: true, subject: 'x' }, { userTimeZone: NY, current });
    assert.deepEqual(codes(errors), ['isPrivate:invalid']);
    assert.deepEqual(record, {});
    assert.deepEqual(toSalesforceEvent({ isPrivate: true }, { userTimeZone: NY, current: { ...current, WhoId: null } }).errors, []);
  });

  it('clears a reminder, and moves it with the start', () => {
    const current: SalesforceEventRecord = {
      Id: '00U1',
      StartDateTime: '2026-01-05T10:00:00Z',
      EndDateTime: '2026-01-05T11:00:00Z',
      IsReminderSet: true,
      ReminderDateTime: '2026-01-05T09:30:00Z',
    };
    assert.deepEqual(toSalesforceEvent({ reminderMinutes: undefined }, { userTimeZone: NY, current }).record, { IsReminderSet: false, ReminderDateTime: null });
    const moved = toSalesforceEvent({ start: '2026-01-06T10:00:00Z', end: '2026-01-06T11:00:00Z' }, { userTimeZone: NY, current });
    assert.equal(moved.record.ReminderDateTime, '2026-01-06T09:30:00Z');
    const reminderOnly = toSalesforceEvent({ reminderMinutes: 5 }, { userTimeZone: NY, current });
    assert.deepEqual(reminderOnly.record, { IsReminderSet: true, ReminderDateTime: '2026-01-05T09:55:00Z' });
  });

  const weekly: Recurrence = { freq: 'weekly', interval: 1, byDay: ['MO', 'WE'], startDate: '2026-01-05', count: 10, timeZone: NY };

  it('creates a series with Recurrence2PatternText', () => {
    const { record, errors } = toSalesforceEvent(
      { subject: 'Standup', start: '2026-01-05T14:00:00Z', end: '2026-01-05T14:15:00Z', isAllDay: false, recurrence: weekly },
      { userTimeZone: NY },
    );
    assert.deepEqual(errors, []);
    assert.equal(record.Recurrence2PatternText, 'RRULE:FREQ=WEEKLY;BYDAY=MO,WE;INTERVAL=1;COUNT=10');
  });

  const REFUSED_PATTERNS: [string, Recurrence][] = [
    ['a yearly interval above 1', { freq: 'yearly', interval: 2, byMonth: 3, byMonthDay: 1, startDate: '2026-03-01', timeZone: NY }],
    ['a weekly interval above 99', { ...weekly, interval: 100 }],
    ['more than 999 occurrences', { ...weekly, count: 1000 }],
    ['Monday-or-Wednesday as the n-th day', { freq: 'monthly', interval: 1, byDay: ['MO', 'WE'], setPos: 1, startDate: '2026-01-05', timeZone: NY }],
    ['a shape no side shares', { freq: 'monthly', interval: 1, byDay: ['FR'], startDate: '2026-01-02', timeZone: NY }],
  ];
  for (const [name, recurrence] of REFUSED_PATTERNS) {
    it(`skips the event for ${name}`, () => {
      const { record, errors } = toSalesforceEvent(
        { subject: 'x', start: '2026-01-05T14:00:00Z', end: '2026-01-05T15:00:00Z', isAllDay: false, recurrence },
        { userTimeZone: NY },
      );
      assert.deepEqual(codes(errors), ['recurrence:invalid']);
      assert.deepEqual(record, {});
    });
  }

  it('accepts Salesforce\'s weekday, weekend and every-day sets for the n-th day', () => {
    const lastWeekday: Recurrence = { freq: 'monthly', interval: 1, byDay: ['MO', 'TU', 'WE', 'TH', 'FR'], setPos: -1, startDate: '2026-01-30', timeZone: NY };
    const { record, errors } = toSalesforceEvent({ recurrence: lastWeekday }, { userTimeZone: NY });
    assert.deepEqual(errors, []);
    assert.equal(record.Recurrence2PatternText, 'RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;INTERVAL=1');
  });

  it('cannot change the pattern of an existing series, but accepts the unchanged one', () => {
    const current: SalesforceEventRecord = {
      Id: '00U1',
      GroupEventType: '3',
      IsRecurrence2: true,
      StartDateTime: '2026-01-05T14:00:00Z',
      EndDateTime: '2026-01-05T14:15:00Z',
      Recurrence2PatternText: 'RRULE:FREQ=WEEKLY;BYDAY=MO,WE;WKST=SU;INTERVAL=1;COUNT=10',
      Recurrence2PatternTimeZone: NY,
    };
    const same = toSalesforceEvent({ recurrence: weekly, subject: 'renamed' }, { userTimeZone: NY, current });
    assert.deepEqual(same.errors, []);
    assert.deepEqual(same.record, { Subject: 'renamed' });
    const changed = toSalesforceEvent({ recurrence: { ...weekly, count: 12 } }, { userTimeZone: NY, current });
    assert.deepEqual(codes(changed.errors), ['recurrence:invalid']);
    const single = toSalesforceEvent({ recurrence: weekly }, { userTimeZone: NY, current: { Id: '00U2', StartDateTime: '2026-01-05T14:00:00Z', DurationInMinutes: 15 } });
    assert.deepEqual(codes(single.errors), ['recurrence:invalid']);
  });

  it('round-trips a timed event field for field', () => {
    const fields: EventFields = {
      subject: 'Review',
      start: '2026-10-25T00:30:00Z', // the night Europe leaves summer time
      end: '2026-10-25T03:30:00Z',
      isAllDay: false,
      location: 'Room 4',
      description: 'a\nb',
      showAs: 'free',
      isPrivate: true,
      reminderMinutes: 30,
    };
    const { record, errors } = toSalesforceEvent(fields, { userTimeZone: BERLIN });
    assert.deepEqual(errors, []);
    const { event } = fromSalesforceEvent(record as SalesforceEventRecord, { userTimeZone: BERLIN });
    assert.deepEqual(event.fields, { ...fields, timeZone: BERLIN });
  });
});

describe('SALESFORCE_EVENT_FIELDS', () => {
  it('holds the Event record fields; attendees and organizer live in EventRelation / OwnerId', () => {
    for (const field of ['organizer', 'attendees', 'timeZone'] as const) assert.ok(!SALESFORCE_EVENT_FIELDS.includes(field));
    assert.deepEqual([...SALESFORCE_EVENT_RELATION_FIELDS], ['organizer', 'attendees']);
    assert.ok(SALESFORCE_EVENT_FIELDS.includes('recurrence'));
  });
});
