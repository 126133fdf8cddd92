import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EVENT_FIELDS } from '../../companion/src/core/event.ts';
import type { EventFields } from '../../companion/src/core/event.ts';
import { eventFieldEquals, normaliseEvent } from '../../companion/src/core/event-normalise.ts';
import { hashEventFields } from '../../companion/src/core/event-hash.ts';
import { GRAPH_EVENT_FIELDS, fromGraphEvent, toGraphEvent } from '../../companion/src/core/graph-event.ts';
import type { GraphEvent, GraphEventOptions } from '../../companion/src/core/graph-event.ts';

const ALL: GraphEventOptions = { category: 'Salesforce', selection: 'all', defaultTimeZone: 'America/Chicago' };
const SELECTED: GraphEventOptions = { ...ALL, selection: 'selected' };

function from(raw: GraphEvent, opts = ALL) {
  return fromGraphEvent(raw, opts);
}

/** The shape of the Graph docs' event example, trimmed to what the mapping reads. */
const meeting: GraphEvent = {
  id: 'AAMkAGI1',
  type: 'singleInstance',
  subject: 'Let\'s go for lunch',
  body: { contentType: 'html', content: '<html><body><p>Does noon work for you?</p></body></html>' },
  start: { dateTime: '2017-04-15T12:00:00.0000000', timeZone: 'Pacific Standard Time' },
  end: { dateTime: '2017-04-15T14:00:00.0000000', timeZone: 'Pacific Standard Time' },
  originalStartTimeZone: 'Pacific Standard Time',
  originalEndTimeZone: 'Pacific Standard Time',
  isAllDay: false,
  location: { displayName: "Harry's Bar" },
  showAs: 'busy',
  sensitivity: 'normal',
  isReminderOn: true,
  reminderMinutesBeforeStart: 15,
  organizer: { emailAddress: { name: 'Dana Swope', address: 'DanaS@contoso.onmicrosoft.com' } },
  attendees: [
    { type: 'required', emailAddress: { name: 'Samantha Booth', address: 'samanthab@contoso.onmicrosoft.com' }, status: { response: 'accepted' } },
    { type: 'optional', emailAddress: { name: 'Alex Wilber', address: 'AlexW@contoso.onmicrosoft.com' }, status: { response: 'notResponded' } },
    { type: 'required', emailAddress: { name: 'Dana Swope', address: 'danas@contoso.onmicrosoft.com' }, status: { response: 'organizer' } },
  ],
  categories: ['Red category'],
};

describe('fromGraphEvent: a timed meeting', () => {
  const { event, warnings } = from(meeting);
  it('maps every field', () => {
    assert.deepEqual(warnings, []);
    assert.deepEqual(event, {
      kind: 'single',
      selected: true,
      fields: {
        subject: "Let's go for lunch",
        start: '2017-04-15T19:00:00Z',
        end: '2017-04-15T21:00:00Z',
        timeZone: 'America/Los_Angeles',
        location: "Harry's Bar",
        description: 'Does noon work for you?',
        showAs: 'busy',
        reminderMinutes: 15,
        organizer: { email: 'danas@contoso.onmicrosoft.com', name: 'Dana Swope' },
        attendees: [
          { email: 'samanthab@contoso.onmicrosoft.com', name: 'Samantha Booth', type: 'required', response: 'accepted' },
          { email: 'alexw@contoso.onmicrosoft.com', name: 'Alex Wilber', type: 'optional', response: 'none' },
        ],
      },
    });
  });

  it('reads the same instant whatever zone Prefer: outlook.timezone rendered it in', () => {
    const utc = from({ ...meeting, start: { dateTime: '2017-04-15T19:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2017-04-15T21:00:00.0000000', timeZone: 'UTC' } });
    const iana = from({ ...meeting, start: { dateTime: '2017-04-15T15:00:00', timeZone: 'America/New_York' }, end: { dateTime: '2017-04-15T17:00:00', timeZone: 'Eastern Standard Time' } });
    for (const other of [utc, iana]) {
      assert.equal(other.event.fields.start, '2017-04-15T19:00:00Z');
      assert.equal(other.event.fields.end, '2017-04-15T21:00:00Z');
      assert.equal(other.event.fields.timeZone, 'America/Los_Angeles');
    }
  });

  it('falls back to the rep zone, and warns on an unknown zone name', () => {
    const noZone = from({ ...meeting, originalStartTimeZone: undefined, start: { dateTime: '2017-04-15T12:00:00', timeZone: '' } });
    assert.equal(noZone.event.fields.timeZone, 'America/Chicago');
    assert.equal(noZone.event.fields.start, '2017-04-15T17:00:00Z');
    const custom = from({ ...meeting, originalStartTimeZone: 'tzone://Microsoft/Custom' });
    assert.equal(custom.event.fields.timeZone, 'America/Los_Angeles');
    assert.ok(custom.warnings.some((w) => w.code === 'unresolved'));
  });
});

describe('fromGraphEvent: DST', () => {
  const at = (dateTime: string, timeZone: string) => from({ ...meeting, originalStartTimeZone: timeZone, start: { dateTime, timeZone }, end: { dateTime, timeZone } }).event.fields.start;
  it('New York spring-forward gap and fall-back overlap', () => {
    assert.equal(at('2025-03-09T02:30:00.0000000', 'Eastern Standard Time'), '2025-03-09T07:30:00Z');
    assert.equal(at('2025-11-02T01:30:00.0000000', 'Eastern Standard Time'), '2025-11-02T05:30:00Z');
  });
  it('London spring-forward gap and fall-back overlap', () => {
    assert.equal(at('2025-03-30T01:30:00.0000000', 'GMT Standard Time'), '2025-03-30T01:30:00Z');
    assert.equal(at('2025-10-26T01:30:00.0000000', 'Europe/London'), '2025-10-26T00:30:00Z');
  });
});

describe('all-day events keep their dates', () => {
  const allDay = (start: string, end: string, zone: string, originalZone = zone): GraphEvent => ({
    ...meeting,
    isAllDay: true,
    originalStartTimeZone: originalZone,
    start: { dateTime: `${start}T00:00:00.0000000`, timeZone: zone },
    end: { dateTime: `${end}T00:00:00.0000000`, timeZone: zone },
  });
  // Auckland's DST ends 2025-04-06 and Los Angeles' begins 2025-03-09: days of 25 and 23 hours.
  const table: Array<[string, string, string]> = [
    ['2025-04-06', '2025-04-07', 'Pacific/Auckland'],
    ['2025-04-05', '2025-04-08', 'New Zealand Standard Time'],
    ['2025-03-09', '2025-03-10', 'Pacific Standard Time'],
    ['2025-03-08', '2025-03-12', 'America/Los_Angeles'],
    ['2025-12-31', '2026-01-02', 'UTC'],
    ['2024-02-29', '2024-03-01', 'UTC'],
  ];
  for (const [start, end, zone] of table) {
    it(`${start}..${end} in ${zone}: Graph → canonical → Graph`, () => {
      const mapped = from(allDay(start, end, zone));
      assert.deepEqual(mapped.warnings, []);
      assert.equal(mapped.event.fields.isAllDay, true);
      assert.equal(mapped.event.fields.start, start);
      assert.equal(mapped.event.fields.end, end);
      const { body } = toGraphEvent({ start, end, isAllDay: true, timeZone: mapped.event.fields.timeZone }, ALL);
      assert.equal(body.isAllDay, true);
      assert.equal(body.start?.dateTime, `${start}T00:00:00`);
      assert.equal(body.end?.dateTime, `${end}T00:00:00`);
      assert.equal(from({ ...meeting, ...body, originalStartTimeZone: body.start?.timeZone }).event.fields.start, start);
    });
  }

  it('Graph reports an all-day midnight as UTC: still the same date for an Auckland event', () => {
    const mapped = from(allDay('2025-04-06', '2025-04-07', 'UTC', 'New Zealand Standard Time'));
    assert.equal(mapped.event.fields.start, '2025-04-06');
    assert.equal(mapped.event.fields.timeZone, 'Pacific/Auckland');
  });

  it('a midnight converted into another zone is taken back into the event zone', () => {
    const raw: GraphEvent = {
      ...meeting,
      isAllDay: true,
      originalStartTimeZone: 'Pacific/Auckland',
      start: { dateTime: '2025-06-09T12:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2025-06-10T12:00:00.0000000', timeZone: 'UTC' },
    };
    const { fields } = from(raw).event;
    assert.equal(fields.start, '2025-06-10');
    assert.equal(fields.end, '2025-06-11');
  });
});

describe('fromGraphEvent: field rules', () => {
  it('HTML bodies keep paragraphs, breaks, lists and entities', () => {
    const body = { contentType: 'html' as const, content: '<p>Agenda:</p><ul><li>Q3 &amp; Q4</li><li>&lt;TBD&gt;</li></ul><p>Line<br>break</p>' };
    assert.equal(from({ ...meeting, body }).event.fields.description, 'Agenda:\n- Q3 & Q4\n- <TBD>\nLine\nbreak');
  });
  it('text bodies are taken as they are (CRLF unified)', () => {
    const body = { contentType: 'text' as const, content: 'a <b>\r\n\r\nc & d' };
    assert.equal(from({ ...meeting, body }).event.fields.description, 'a <b>\n\nc & d');
  });
  it('sensitivity', () => {
    assert.equal(from({ ...meeting, sensitivity: 'private' }).event.fields.isPrivate, true);
    assert.equal(from({ ...meeting, sensitivity: 'confidential' }).event.fields.isPrivate, true);
    assert.equal(from({ ...meeting, sensitivity: 'personal' }).event.fields.isPrivate, undefined);
    assert.equal(from({ ...meeting, sensitivity: 'normal' }).event.fields.isPrivate, undefined);
  });
  it('reminder only when isReminderOn', () => {
    assert.equal(from({ ...meeting, isReminderOn: false, reminderMinutesBeforeStart: 15 }).event.fields.reminderMinutes, undefined);
    assert.equal(from({ ...meeting, isReminderOn: true, reminderMinutesBeforeStart: 0 }).event.fields.reminderMinutes, 0);
  });
  it('showAs: known values kept, unknown → busy with a warning', () => {
    for (const showAs of ['free', 'tentative', 'busy', 'oof', 'workingElsewhere']) {
      assert.equal(from({ ...meeting, showAs }).event.fields.showAs, showAs);
    }
    const unknown = from({ ...meeting, showAs: 'unknown' });
    assert.equal(unknown.event.fields.showAs, 'busy');
    assert.equal(unknown.warnings[0]?.field, 'showAs');
  });
  it('attendee responses', () => {
    const responses: Array<[string, string | undefined]> = [
      ['none', 'none'],
      ['notResponded', 'none'],
      ['organizer', 'organizer'],
      ['accepted', 'accepted'],
      ['tentativelyAccepted', 'tentative'],
      ['declined', 'declined'],
      ['somethingNew', undefined],
    ];
    for (const [response, expected] of responses) {
      const raw: GraphEvent = { ...meeting, attendees: [{ type: 'resource', emailAddress: { address: 'Room1@contoso.com' }, status: { response } }] };
      assert.deepEqual(from(raw).event.fields.attendees, [{ email: 'room1@contoso.com', type: 'resource', ...(expected ? { response: expected } : {}) }]);
    }
  });
  it('attendees without an address are dropped with a warning', () => {
    const raw: GraphEvent = { ...meeting, attendees: [{ type: 'required', emailAddress: { name: 'Nobody' } }] };
    const result = from(raw);
    assert.equal(result.event.fields.attendees, undefined);
    assert.equal(result.warnings[0]?.code, 'dropped');
  });
  it('cancelled exceptions keep their slot and flag', () => {
    const raw: GraphEvent = { ...meeting, type: 'exception', seriesMasterId: 'MASTER', originalStart: '2025-06-02T16:00:00Z', isCancelled: true };
    const { event } = from(raw);
    assert.equal(event.kind, 'exception');
    assert.equal(event.seriesMasterId, 'MASTER');
    assert.equal(event.originalStart, '2025-06-02T16:00:00Z');
    assert.equal(event.cancelled, true);
    assert.equal(event.fields.subject, "Let's go for lunch");
  });
});

describe('occurrence stubs from calendarView/delta', () => {
  const stub: GraphEvent = {
    '@odata.type': '#microsoft.graph.event',
    '@odata.etag': 'W/"abc"',
    id: 'OCC1',
    type: 'occurrence',
    seriesMasterId: 'MASTER',
    start: { dateTime: '2025-06-09T16:00:00.0000000', timeZone: 'UTC' },
    end: { dateTime: '2025-06-09T16:30:00.0000000', timeZone: 'UTC' },
  };
  it('map to an occurrence with its slot and no fields', () => {
    assert.deepEqual(from(stub).event, { kind: 'occurrence', seriesMasterId: 'MASTER', originalStart: '2025-06-09T16:00:00Z', fields: {}, selected: true });
  });
  it('prefer originalStart when a full read gives it', () => {
    assert.equal(from({ ...stub, ...meeting, type: 'occurrence', seriesMasterId: 'MASTER', originalStart: '2025-06-09T16:00:00.0000000Z' }).event.originalStart, '2025-06-09T16:00:00Z');
    assert.deepEqual(from({ ...stub, ...meeting, type: 'occurrence', seriesMasterId: 'MASTER' }).event.fields, {});
  });
});

describe('series masters', () => {
  const master: GraphEvent = {
    ...meeting,
    type: 'seriesMaster',
    start: { dateTime: '2025-06-02T09:00:00.0000000', timeZone: 'Pacific Standard Time' },
    end: { dateTime: '2025-06-02T09:30:00.0000000', timeZone: 'Pacific Standard Time' },
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday'], firstDayOfWeek: 'sunday' },
      range: { type: 'endDate', startDate: '2025-06-02', endDate: '2025-06-30', recurrenceTimeZone: 'Pacific Standard Time' },
    },
  };
  it('map the pattern through recurrence.ts and write it back', () => {
    const { event, warnings } = from(master);
    assert.deepEqual(warnings, []);
    assert.equal(event.kind, 'seriesMaster');
    assert.equal(event.fields.recurrence?.freq, 'weekly');
    assert.deepEqual(event.fields.recurrence?.byDay, ['MO', 'WE']);
    assert.equal(event.fields.recurrence?.until, '2025-06-30');
    const { body } = toGraphEvent({ recurrence: event.fields.recurrence }, { ...ALL, current: master });
    assert.deepEqual(body.recurrence?.pattern.daysOfWeek, ['monday', 'wednesday']);
    assert.equal(body.recurrence?.range.endDate, '2025-06-30');
  });
});

describe('selection by category', () => {
  it("'all' selects everything; 'selected' needs the category, in any case", () => {
    assert.equal(from({ ...meeting, categories: [] }, ALL).event.selected, true);
    assert.equal(from({ ...meeting, categories: [] }, SELECTED).event.selected, false);
    assert.equal(from({ ...meeting, categories: undefined }, SELECTED).event.selected, false);
    assert.equal(from({ ...meeting, categories: ['Blue', 'salesforce'] }, SELECTED).event.selected, true);
    assert.equal(from({ ...meeting, categories: ['Blue', 'CRM'] }, { ...SELECTED, category: 'crm' }).event.selected, true);
  });
  it('create in selected mode adds the category and keeps the others', () => {
    const created = toGraphEvent({ subject: 'x', start: '2025-06-02T16:00:00Z', end: '2025-06-02T17:00:00Z' }, { ...SELECTED, create: true });
    assert.deepEqual(created.body.categories, ['Salesforce']);
    const kept = toGraphEvent({ subject: 'x', start: '2025-06-02T16:00:00Z', end: '2025-06-02T17:00:00Z' }, { ...SELECTED, create: true, current: { categories: ['Blue', 'SALESFORCE'] } });
    assert.deepEqual(kept.body.categories, ['Blue', 'SALESFORCE']);
    const merged = toGraphEvent({ subject: 'x' }, { ...SELECTED, create: true, current: { ...meeting, categories: ['Blue'] } });
    assert.deepEqual(merged.body.categories, ['Blue', 'Salesforce']);
  });
  it('updates never touch categories, and all mode never adds one', () => {
    assert.equal(toGraphEvent({ subject: 'x' }, { ...SELECTED, current: meeting }).body.categories, undefined);
    assert.equal(toGraphEvent({ subject: 'x', start: '2025-06-02T16:00:00Z', end: '2025-06-02T17:00:00Z' }, { ...ALL, create: true }).body.categories, undefined);
  });
});

describe('toGraphEvent', () => {
  it('writes a timed event as local time, naming the zone by its Windows name', () => {
    const { body, warnings } = toGraphEvent(
      { subject: 'Demo', start: '2025-03-09T07:30:00Z', end: '2025-03-09T08:30:00Z', timeZone: 'America/New_York' },
      { ...ALL, create: true },
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(body, {
      subject: 'Demo',
      start: { dateTime: '2025-03-09T03:30:00', timeZone: 'Eastern Standard Time' },
      end: { dateTime: '2025-03-09T04:30:00', timeZone: 'Eastern Standard Time' },
      isAllDay: false,
    });
  });
  it('uses the rep zone when the event has none', () => {
    const { body } = toGraphEvent({ start: '2025-07-01T15:00:00Z', end: '2025-07-01T16:00:00Z' }, ALL);
    assert.deepEqual(body.start, { dateTime: '2025-07-01T10:00:00', timeZone: 'Central Standard Time' });
  });
  it('writes the IANA name when no Windows zone covers it', () => {
    const { body } = toGraphEvent({ start: '2025-07-01T15:00:00Z', end: '2025-07-01T16:00:00Z', timeZone: 'Antarctica/Troll' }, ALL);
    assert.deepEqual(body.start, { dateTime: '2025-07-01T17:00:00', timeZone: 'Antarctica/Troll' });
  });
  it("a Windows name that is the rep's own zone reads back as the rep's IANA zone", () => {
    const vancouver: GraphEventOptions = { ...ALL, defaultTimeZone: 'America/Vancouver' };
    const { body } = toGraphEvent({ start: '2025-07-01T15:00:00Z', end: '2025-07-01T16:00:00Z', timeZone: 'America/Vancouver' }, { ...vancouver, create: true });
    assert.equal(body.start?.timeZone, 'Pacific Standard Time');
    const read = fromGraphEvent({ ...body, originalStartTimeZone: body.start?.timeZone }, vancouver).event.fields;
    assert.equal(read.timeZone, 'America/Vancouver');
    assert.equal(read.start, '2025-07-01T15:00:00Z');
    // Someone else's Pacific event, read for a rep in Chicago, is the CLDR default zone.
    assert.equal(fromGraphEvent({ ...body, originalStartTimeZone: body.start?.timeZone }, ALL).event.fields.timeZone, 'America/Los_Angeles');
  });
  it('changing only the end keeps the start and zone from current', () => {
    const { body } = toGraphEvent({ end: '2017-04-15T22:00:00Z' }, { ...ALL, current: meeting });
    assert.deepEqual(body.start, { dateTime: '2017-04-15T12:00:00', timeZone: 'Pacific Standard Time' });
    assert.deepEqual(body.end, { dateTime: '2017-04-15T15:00:00', timeZone: 'Pacific Standard Time' });
  });
  it('refuses to write times that are missing or reversed', () => {
    assert.equal(toGraphEvent({ start: '2025-07-01T15:00:00Z' }, ALL).warnings[0]?.code, 'invalid');
    const reversed = toGraphEvent({ start: '2025-07-01T15:00:00Z', end: '2025-07-01T14:00:00Z' }, ALL);
    assert.equal(reversed.body.start, undefined);
    assert.equal(reversed.warnings[0]?.field, 'end');
  });
  it('description → HTML that reads back as the same text', () => {
    const description = 'Bring: <laptop> & charger\n\n  - slides\t(v2)';
    const { body } = toGraphEvent({ description }, ALL);
    assert.equal(body.body?.contentType, 'html');
    assert.equal(from({ ...meeting, body: body.body }).event.fields.description, description);
  });
  it('clears', () => {
    const { body } = toGraphEvent({ subject: undefined, location: undefined, description: undefined, reminderMinutes: undefined, showAs: undefined }, ALL);
    assert.deepEqual(body, { subject: '', location: { displayName: '' }, body: { contentType: 'html', content: '' }, isReminderOn: false, showAs: 'busy' });
  });
  it('reminders and sensitivity', () => {
    assert.deepEqual(toGraphEvent({ reminderMinutes: 30 }, ALL).body, { isReminderOn: true, reminderMinutesBeforeStart: 30 });
    assert.equal(toGraphEvent({ isPrivate: true }, ALL).body.sensitivity, 'private');
    assert.equal(toGraphEvent({ isPrivate: true }, { ...ALL, current: { sensitivity: 'confidential' } }).body.sensitivity, 'confidential');
    assert.equal(toGraphEvent({ isPrivate: undefined }, { ...ALL, current: { sensitivity: 'private' } }).body.sensitivity, 'normal');
    assert.equal(toGraphEvent({ isPrivate: undefined }, { ...ALL, current: { sensitivity: 'personal' } }).body.sensitivity, 'personal');
  });
  it('attendees without responses, names kept from current; organizer never written', () => {
    const { body, warnings } = toGraphEvent(
      { attendees: [{ email: 'samanthab@contoso.onmicrosoft.com', type: 'required', response: 'accepted' }], organizer: { email: 'someone@else.com' } },
      { ...ALL, current: meeting },
    );
    assert.deepEqual(body, { attendees: [{ type: 'required', emailAddress: { address: 'samanthab@contoso.onmicrosoft.com', name: 'Samantha Booth' } }] });
    assert.equal(warnings[0]?.field, 'organizer');
  });
  it('a Graph event read, written and read again keeps every field', () => {
    const first = from(meeting).event.fields;
    const { body } = toGraphEvent(first, { ...ALL, current: meeting });
    const again = from({ ...meeting, ...body }).event.fields;
    // Responses are the attendees' own and not written; Graph keeps them, this fake does not.
    const withoutResponses = (fields: EventFields) => ({ ...fields, attendees: fields.attendees?.map(({ response: _r, ...rest }) => rest) });
    assert.deepEqual(withoutResponses(again), withoutResponses(first));
    assert.deepEqual({ ...again, attendees: undefined }, { ...first, attendees: undefined });
  });
  it('GRAPH_EVENT_FIELDS covers every canonical field', () => {
    assert.deepEqual([...GRAPH_EVENT_FIELDS], [...EVENT_FIELDS]);
  });
});

describe('normaliseEvent', () => {
  const messy: EventFields = {
    subject: '  Quarterly\u00a0 review ',
    start: '2025-06-02T09:00:00.0000000-07:00',
    end: '2025-06-02T17:30:00+01:00',
    timeZone: 'Pacific Standard Time',
    location: '',
    description: '\r\nLine 1  \r\nLine 2\r\n\r\n',
    isPrivate: false,
    isAllDay: false,
    reminderMinutes: -5,
    organizer: { email: ' Boss@Example.com ', name: ' Boss ' },
    attendees: [
      { email: 'B@x.com', type: 'optional' },
      { email: 'a@x.com', type: 'required', name: '' },
      { email: 'b@x.com', type: 'required' },
      { email: 'boss@example.com', type: 'required' },
      { email: '  ', type: 'required' },
    ],
  };
  const clean: EventFields = {
    subject: 'Quarterly review',
    start: '2025-06-02T16:00:00Z',
    end: '2025-06-02T16:30:00Z',
    timeZone: 'America/Los_Angeles',
    description: 'Line 1\nLine 2',
    organizer: { email: 'boss@example.com', name: 'Boss' },
    // In the mailbox's order (the rep's status names attendees by position), each address once.
    attendees: [
      { email: 'b@x.com', type: 'optional' },
      { email: 'a@x.com', type: 'required' },
    ],
  };
  it('canonicalises', () => assert.deepEqual(normaliseEvent(messy), clean));
  it('attendees compare and hash alike in any order', () => {
    const reordered: EventFields = { ...clean, attendees: [...(clean.attendees ?? [])].reverse() };
    assert.ok(eventFieldEquals('attendees', clean, reordered));
    assert.equal(hashEventFields(clean, 'salt').attendees, hashEventFields(reordered, 'salt').attendees);
    assert.ok(!eventFieldEquals('attendees', clean, { ...clean, attendees: [{ email: 'a@x.com', type: 'required' }] }));
  });
  it('is idempotent', () => assert.deepEqual(normaliseEvent(normaliseEvent(messy)), normaliseEvent(messy)));
  it('all-day bounds are dates; instants for all-day events are reduced to their date', () => {
    assert.deepEqual(normaliseEvent({ isAllDay: true, start: '2025-06-02T00:00:00', end: '2025-06-03' }), { isAllDay: true, start: '2025-06-02', end: '2025-06-03' });
    assert.deepEqual(normaliseEvent({ start: '2025-06-02', end: 'soon' }), {});
  });
  it('property: idempotent on random events', () => {
    const event = fc.record(
      {
        subject: fc.string(),
        start: fc.constantFrom('2025-06-02T09:00:00Z', '2025-06-02T09:00:00.123+02:00', '2025-06-02', ''),
        end: fc.constantFrom('2025-06-03T09:00:00Z', '2025-06-03', 'x'),
        isAllDay: fc.boolean(),
        description: fc.string(),
        attendees: fc.array(fc.record({ email: fc.constantFrom('a@x.com', 'A@X.com', 'b@y.com', ''), type: fc.constantFrom('required' as const, 'optional' as const) })),
      },
      { requiredKeys: [] },
    );
    fc.assert(fc.property(event, (value) => JSON.stringify(normaliseEvent(normaliseEvent(value))) === JSON.stringify(normaliseEvent(value))));
  });
  it('eventFieldEquals ignores spelling', () => {
    assert.ok(eventFieldEquals('start', { start: '2025-06-02T16:00:00.0000000Z' }, { start: '2025-06-02T09:00:00-07:00' }));
    assert.ok(eventFieldEquals('attendees', messy, clean));
    assert.ok(!eventFieldEquals('subject', { subject: 'a' }, { subject: 'b' }));
  });
});

describe('hashEventFields', () => {
  const SALT = 'test-salt-0123456789';
  it('one 22-character hash per field', () => {
    const hashes = hashEventFields(from(meeting).event.fields, SALT);
    assert.deepEqual(Object.keys(hashes), [...EVENT_FIELDS]);
    for (const hash of Object.values(hashes)) assert.match(hash, /^[A-Za-z0-9_-]{22}$/);
  });
  it('is stable across spellings and attendee order', () => {
    const a = hashEventFields({ start: '2025-06-02T16:00:00Z', attendees: [{ email: 'a@x.com', type: 'required' }, { email: 'b@x.com', type: 'required' }] }, SALT);
    const b = hashEventFields({ start: '2025-06-02T09:00:00.0000000-07:00', attendees: [{ email: 'B@x.com', type: 'required' }, { email: 'a@x.com', type: 'required' }] }, SALT);
    assert.deepEqual(a, b);
  });
  it('changes with the salt, the value, and differs between fields and from absent', () => {
    const fields: EventFields = { subject: 'x', location: 'x' };
    const one = hashEventFields(fields, SALT);
    const two = hashEventFields(fields, 'other-salt');
    assert.notEqual(one.subject, two.subject);
    assert.notEqual(one.subject, one.location);
    assert.notEqual(one.subject, hashEventFields({}, SALT).subject);
    assert.notEqual(one.subject, hashEventFields({ subject: 'y' }, SALT).subject);
    assert.equal(hashEventFields({ isPrivate: false }, SALT).isPrivate, hashEventFields({}, SALT).isPrivate);
  });
  it('refuses an empty salt', () => assert.throws(() => hashEventFields({}, ''), TypeError));
});
