/**
 * The emulator's calendar surface (sandbox/microsoft events-*), driven like the contacts tests:
 * a real msal-node token and fetch against the loopback server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { startGraph, type GraphEmulator } from '../../sandbox/microsoft/index.ts';

interface Reply {
  status: number;
  headers: Headers;
  body: any; // test-side JSON of varying shape; assertions check the fields they need
}

/** One JSON item from the emulator; tests read the fields they assert on. */
type Item = Record<string, any>; // JSON of varying shape, like Reply.body

type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Reply>;

async function acquireToken(em: GraphEmulator): Promise<string> {
  const cca = new ConfidentialClientApplication({
    auth: {
      clientId: em.clientId,
      authority: em.authority,
      knownAuthorities: [new URL(em.authority).host],
      authorityMetadata: em.authorityMetadata,
      clientSecret: em.clientSecret,
    },
  });
  const result = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
  assert.ok(result?.accessToken);
  return result.accessToken;
}

function client(em: GraphEmulator, token: string): Call {
  return async (method, path, body, headers = {}) => {
    const url = path.startsWith('http') ? path : `${em.graphUrl}${path}`;
    const res = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
}

const WINDOW = 'startDateTime=2026-06-01T00:00:00Z&endDateTime=2026-06-30T00:00:00Z';
const MARKER = 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name SynclineId';

const timed = (subject: string, day: number, extra: Record<string, unknown> = {}) => ({
  subject,
  start: { dateTime: `2026-06-${String(day).padStart(2, '0')}T10:00:00`, timeZone: 'UTC' },
  end: { dateTime: `2026-06-${String(day).padStart(2, '0')}T11:00:00`, timeZone: 'UTC' },
  ...extra,
});

/** Follows nextLinks to the deltaLink; returns every page's items and the deltaLink. */
async function deltaRound(call: Call, first: string, headers: Record<string, string> = {}) {
  const pages: Reply[] = [];
  let url: string | undefined = first;
  while (url) {
    const r = await call('GET', url, undefined, headers);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    pages.push(r);
    url = r.body['@odata.nextLink'];
    if (!url) assert.ok(r.body['@odata.deltaLink']);
  }
  const last = pages.at(-1);
  return { pages, items: pages.flatMap((p) => p.body.value as Item[]), deltaLink: last?.body['@odata.deltaLink'] as string };
}

describe('graph emulator: events', () => {
  let em: GraphEmulator;
  let call: Call;
  let user: string;
  const newMailbox = async (upn: string) => em.addMailbox({ userPrincipalName: upn, displayName: upn.split('@')[0] });

  before(async () => {
    em = await startGraph({ serviceTimeMs: 0 });
    user = await newMailbox('rep@contoso.example');
    call = client(em, await acquireToken(em));
  });
  after(() => em.close());

  test('CRUD on /events and /calendar/events', async () => {
    const created = await call('POST', `/users/${user}/calendar/events`, timed('Kick-off', 2, { body: { contentType: 'text', content: 'Agenda: <b>all</b>' } }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const ev = created.body;
    assert.equal(ev['@odata.etag'], `W/"${ev.changeKey}"`);
    assert.equal(ev.type, 'singleInstance');
    assert.equal(ev.seriesMasterId, null);
    assert.equal(ev.start.dateTime, '2026-06-02T10:00:00.0000000');
    assert.equal(ev.start.timeZone, 'UTC');
    assert.equal(ev.organizer.emailAddress.address, 'rep@contoso.example');
    assert.match(ev.iCalUId, /^040000008200E00074C5B7101A82E008/);
    assert.equal(ev.bodyPreview, 'Agenda: <b>all</b>');
    // Outlook returns bodies as HTML unless asked for text (event-get docs).
    assert.equal(ev.body.contentType, 'html');
    assert.match(ev.body.content, /converted from text[\s\S]*Agenda: &lt;b&gt;all&lt;\/b&gt;/);
    assert.equal('transactionId' in ev, false);

    const got = await call('GET', `/users/rep@contoso.example/events/${ev.id}`, undefined, { Prefer: 'outlook.body-content-type="text"' });
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.body, { contentType: 'text', content: 'Agenda: <b>all</b>' });
    assert.equal(got.headers.get('preference-applied'), 'outlook.body-content-type="text"');
    const html = await call('POST', `/users/${user}/events`, timed('Html', 3, { body: { contentType: 'html', content: '<p>Line 1</p><p>Line &amp; 2</p>' } }), {
      Prefer: 'outlook.body-content-type="text", outlook.timezone="Pacific Standard Time"',
    });
    assert.deepEqual(html.body.body, { contentType: 'text', content: 'Line 1\r\nLine & 2\r\n' });
    assert.equal(html.body.start.dateTime, '2026-06-03T03:00:00.0000000');
    await call('DELETE', `/users/${user}/events/${html.body.id}`);
    assert.equal(got.body.subject, 'Kick-off');

    const patched = await call('PATCH', `/users/${user}/events/${ev.id}`, { subject: 'Kick-off (moved)', location: { displayName: 'Room 1' } }, { 'If-Match': ev['@odata.etag'] });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.subject, 'Kick-off (moved)');
    assert.equal(patched.body.location.displayName, 'Room 1');
    assert.notEqual(patched.body.changeKey, ev.changeKey);
    const stale = await call('PATCH', `/users/${user}/events/${ev.id}`, { subject: 'x' }, { 'If-Match': ev['@odata.etag'] });
    assert.equal(stale.status, 412);

    const writes = em.eventWriteCount();
    assert.equal((await call('DELETE', `/users/${user}/events/${ev.id}`)).status, 204);
    assert.equal(em.eventWriteCount(), writes + 1);
    const gone = await call('GET', `/users/${user}/events/${ev.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'ErrorItemNotFound');
  });

  test('all-day events must start and end at midnight', async () => {
    const bad = await call('POST', `/users/${user}/events`, {
      subject: 'Offsite',
      isAllDay: true,
      start: { dateTime: '2026-06-03T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-06-04T09:00:00', timeZone: 'UTC' },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /midnight/);
    assert.ok(bad.body.error.innerError['request-id']);
    const good = await call(
      'POST',
      `/users/${user}/events`,
      { subject: 'Offsite', isAllDay: true, start: { dateTime: '2026-06-03', timeZone: 'Pacific Standard Time' }, end: { dateTime: '2026-06-04', timeZone: 'Pacific Standard Time' } },
      { Prefer: 'outlook.timezone="Tokyo Standard Time"' },
    );
    assert.equal(good.status, 201, JSON.stringify(good.body));
    // All-day dates float: the same midnights whatever zone is asked for.
    assert.equal(good.body.start.dateTime, '2026-06-03T00:00:00.0000000');
    assert.equal(good.body.end.dateTime, '2026-06-04T00:00:00.0000000');
    const backwards = await call('POST', `/users/${user}/events`, { ...timed('Oops', 5), end: { dateTime: '2026-06-04T10:00:00', timeZone: 'UTC' } });
    assert.equal(backwards.status, 400);
    assert.equal(backwards.body.error.code, 'ErrorPropertyValidationFailure');
    await call('DELETE', `/users/${user}/events/${good.body.id}`);
  });

  test('time zones: Windows and IANA input, Prefer outlook.timezone output', async () => {
    const pst = await call('POST', `/users/${user}/events`, {
      subject: 'West coast',
      start: { dateTime: '2026-03-10T09:00:00', timeZone: 'Pacific Standard Time' },
      end: { dateTime: '2026-03-10T10:00:00', timeZone: 'Pacific Standard Time' },
    });
    assert.equal(pst.status, 201);
    // 10 March 2026 is after the US DST switch (8 March): PDT, UTC-7.
    assert.equal(pst.body.start.dateTime, '2026-03-10T16:00:00.0000000');
    assert.equal(pst.body.originalStartTimeZone, 'Pacific Standard Time');
    const inBerlin = await call('GET', `/users/${user}/events/${pst.body.id}`, undefined, { Prefer: 'outlook.timezone="W. Europe Standard Time"' });
    assert.equal(inBerlin.body.start.dateTime, '2026-03-10T17:00:00.0000000');
    assert.equal(inBerlin.body.start.timeZone, 'W. Europe Standard Time');
    assert.equal(inBerlin.headers.get('preference-applied'), 'outlook.timezone="W. Europe Standard Time"');

    const iana = await call('POST', `/users/${user}/events`, {
      subject: 'Berlin',
      start: { dateTime: '2026-07-01T09:00:00', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2026-07-01T10:00:00', timeZone: 'Europe/Berlin' },
    });
    assert.equal(iana.body.start.dateTime, '2026-07-01T07:00:00.0000000');
    const unknown = await call('POST', `/users/${user}/events`, { ...timed('x', 1), start: { dateTime: '2026-06-01T10:00:00', timeZone: 'Mars/Olympus' } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, 'TimeZoneNotSupportedException');
    const series = await call('POST', `/users/${user}/events`, {
      subject: 'Across DST',
      start: { dateTime: '2026-03-02T09:00:00', timeZone: 'Pacific Standard Time' },
      end: { dateTime: '2026-03-02T10:00:00', timeZone: 'Pacific Standard Time' },
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] }, range: { type: 'numbered', startDate: '2026-03-02', numberOfOccurrences: 3 } },
    });
    const window = 'startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-03-31T00:00:00Z';
    const utc = await call('GET', `/users/${user}/events/${series.body.id}/instances?${window}`);
    assert.deepEqual(utc.body.value.map((i: Item) => i.start.dateTime.slice(11, 16)), ['17:00', '16:00', '16:00']);
    const local = await call('GET', `/users/${user}/events/${series.body.id}/instances?${window}`, undefined, { Prefer: 'outlook.timezone="America/Los_Angeles"' });
    assert.deepEqual(local.body.value.map((i: Item) => i.start.dateTime.slice(11, 16)), ['09:00', '09:00', '09:00']);
    for (const id of [pst.body.id, iana.body.id, series.body.id]) await call('DELETE', `/users/${user}/events/${id}`);
  });

  test('calendarView/delta: window required, paging, incremental changes and @removed', async () => {
    const mb = await newMailbox('delta@contoso.example');
    const missing = await call('GET', `/users/${mb}/calendarView/delta`);
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.code, 'ErrorInvalidParameter');
    assert.match(missing.body.error.message, /StartDateTime and EndDateTime/);
    for (const path of ['calendarView', `events/${'A'.repeat(20)}/instances`]) {
      assert.equal((await call('GET', `/users/${mb}/${path}`)).status, path === 'calendarView' ? 400 : 404);
    }

    const ids: string[] = [];
    for (let d = 1; d <= 5; d++) ids.push((await call('POST', `/users/${mb}/events`, timed(`E${d}`, d))).body.id);
    await call('POST', `/users/${mb}/events`, { ...timed('Outside', 1), start: { dateTime: '2026-08-01T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-08-01T11:00:00', timeZone: 'UTC' } });

    const first = await deltaRound(call, `/users/${mb}/calendarView/delta?${WINDOW}`, { Prefer: 'odata.maxpagesize=2' });
    assert.deepEqual(first.pages.map((p) => p.body.value.length), [2, 2, 1]);
    assert.equal(first.pages[0]?.headers.get('preference-applied'), 'odata.maxpagesize=2');
    assert.deepEqual(new Set(first.items.map((i) => i.id)), new Set(ids));
    assert.ok(first.items.every((i) => i['@odata.type'] === '#microsoft.graph.event' && typeof i.subject === 'string'));

    const added = (await call('POST', `/users/${mb}/events`, timed('E6', 6))).body.id as string;
    await call('PATCH', `/users/${mb}/events/${ids[0]}`, { subject: 'E1 renamed' });
    await call('DELETE', `/users/${mb}/events/${ids[1]}`);
    await call('PATCH', `/users/${mb}/events/${ids[2]}`, { start: { dateTime: '2026-09-01T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-09-01T11:00:00', timeZone: 'UTC' } });
    const second = await deltaRound(call, first.deltaLink);
    const byId = new Map(second.items.map((i) => [i.id, i]));
    assert.equal(byId.get(added)?.subject, 'E6');
    assert.equal(byId.get(ids[0] ?? '')?.subject, 'E1 renamed');
    assert.deepEqual(byId.get(ids[1] ?? '')?.['@removed'], { reason: 'deleted' });
    assert.deepEqual(byId.get(ids[2] ?? '')?.['@removed'], { reason: 'deleted' });
    assert.equal(second.items.length, 4);

    // The mailbox owner in Outlook: visible to delta, not an API write.
    const writes = em.eventWriteCount();
    const own = em.user.createEvent('delta@contoso.example', timed('From Outlook', 7));
    const third = await deltaRound(call, second.deltaLink);
    assert.deepEqual(third.items.map((i) => i.id), [own]);
    assert.equal(em.eventWriteCount(), writes);

    em.expireDeltaTokens();
    const expired = await call('GET', third.deltaLink);
    assert.equal(expired.status, 410);
    assert.equal(expired.body.error.code, 'SyncStateNotFound');
  });

  test('weekly series: stubs in delta, instances, cancel, exception, pattern change', async () => {
    const mb = await newMailbox('series@contoso.example');
    const master = await call('POST', `/users/${mb}/events`, {
      subject: 'Weekly 1:1',
      start: { dateTime: '2026-06-01T09:00:00', timeZone: 'Pacific Standard Time' },
      end: { dateTime: '2026-06-01T09:30:00', timeZone: 'Pacific Standard Time' },
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
        range: { type: 'numbered', startDate: '2026-06-01', numberOfOccurrences: 6 },
      },
    });
    assert.equal(master.status, 201, JSON.stringify(master.body));
    assert.equal(master.body.type, 'seriesMaster');
    assert.equal(master.body.recurrence.pattern.firstDayOfWeek, 'sunday');
    const masterId = master.body.id as string;

    const first = await deltaRound(call, `/users/${mb}/calendarView/delta?${WINDOW}`);
    assert.equal(first.items.length, 5, 'five Mondays in June, no master');
    for (const stub of first.items) {
      assert.deepEqual(Object.keys(stub), ['@odata.type', '@odata.etag', 'id', 'seriesMasterId', 'type', 'start', 'end']);
      assert.equal(stub.seriesMasterId, masterId);
      assert.equal(stub.type, 'occurrence');
    }
    assert.equal(first.items[0]?.start.dateTime, '2026-06-01T16:00:00.0000000');

    const instances = await call('GET', `/users/${mb}/events/${masterId}/instances?${WINDOW}`);
    assert.equal(instances.status, 200);
    assert.equal(instances.body.value.length, 5);
    const [occ1, occ2, occ3] = instances.body.value as Item[];
    assert.equal(occ1?.subject, 'Weekly 1:1');
    assert.equal(occ1?.originalStart, '2026-06-01T16:00:00Z');
    assert.equal((await call('GET', `/users/${mb}/events/${masterId}/instances`)).status, 400);

    assert.equal((await call('DELETE', `/users/${mb}/events/${occ2?.id}`)).status, 204);
    const modified = await call('PATCH', `/users/${mb}/events/${occ3?.id}`, { subject: 'Weekly 1:1 (customer visit)' });
    assert.equal(modified.status, 200);
    assert.equal(modified.body.type, 'exception');
    assert.equal(modified.body.id, occ3?.id);
    assert.equal(modified.body.seriesMasterId, masterId);

    const after = await call('GET', `/users/${mb}/events/${masterId}/instances?${WINDOW}`);
    assert.deepEqual(after.body.value.map((i: Item) => i.type), ['occurrence', 'exception', 'occurrence', 'occurrence']);
    assert.equal(after.body.value.some((i: Item) => i.id === occ2?.id), false);
    assert.equal((await call('GET', `/users/${mb}/events/${occ2?.id}`)).status, 404);

    const second = await deltaRound(call, first.deltaLink);
    const byId = new Map(second.items.map((i) => [i.id, i]));
    assert.deepEqual(byId.get(occ2?.id)?.['@removed'], { reason: 'deleted' });
    assert.equal(byId.get(occ3?.id)?.subject, 'Weekly 1:1 (customer visit)');

    const repattern = await call('PATCH', `/users/${mb}/events/${masterId}`, {
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['tuesday'] },
        range: { type: 'numbered', startDate: '2026-06-01', numberOfOccurrences: 6 },
      },
    });
    assert.equal(repattern.status, 200, JSON.stringify(repattern.body));
    const tuesdays = await call('GET', `/users/${mb}/events/${masterId}/instances?${WINDOW}`);
    assert.deepEqual(
      tuesdays.body.value.map((i: Item) => [i.type, i.start.dateTime]),
      ['02', '09', '16', '23'].map((d) => ['occurrence', `2026-06-${d}T16:00:00.0000000`]),
    );
    assert.equal((await call('GET', `/users/${mb}/events/${occ3?.id}`)).status, 404, 'the exception left with its Monday');
    assert.equal(repattern.body.start.dateTime, '2026-06-02T16:00:00.0000000', 'the master moves to the first slot');
    const third = await deltaRound(call, second.deltaLink);
    const removed = third.items.filter((i) => i['@removed']).map((i) => i.id);
    assert.ok(removed.includes(occ1?.id) && removed.includes(occ3?.id));
    assert.equal(third.items.filter((i) => i.type === 'occurrence').length, 4);

    assert.equal((await call('DELETE', `/users/${mb}/events/${masterId}`)).status, 204);
    const fourth = await deltaRound(call, third.deltaLink);
    // Five Tuesday slots near the window (30 June is within a day of its end) and the master; 7 July is not reported.
    assert.equal(fourth.items.length, 6);
    assert.ok(fourth.items.every((i) => i['@removed']));
    assert.equal(em.events('series@contoso.example').length, 0);
  });

  test('a moved occurrence may not reach the day of its neighbours, unless the neighbour is cancelled', async () => {
    const mb = await newMailbox('crossing@contoso.example');
    const master = await call('POST', `/users/${mb}/events`, {
      ...timed('Daily check-in', 1),
      recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2026-06-01', numberOfOccurrences: 5 } },
    });
    assert.equal(master.status, 201, JSON.stringify(master.body));
    const [, second, third] = (await call('GET', `/users/${mb}/events/${master.body.id}/instances?${WINDOW}`)).body.value as Item[];
    const at = (day: string, hour: string) => ({ start: { dateTime: `2026-06-${day}T${hour}:00:00`, timeZone: 'UTC' }, end: { dateTime: `2026-06-${day}T${hour}:30:00`, timeZone: 'UTC' } });

    const sameDay = await call('PATCH', `/users/${mb}/events/${second?.id}`, at('02', '16'));
    assert.equal(sameDay.status, 200, 'a move within its own day is allowed');
    for (const day of ['03', '01']) {
      const crossing = await call('PATCH', `/users/${mb}/events/${second?.id}`, at(day, '12'));
      assert.equal(crossing.status, 400, `onto 2026-06-${day}`);
      assert.equal(crossing.body.error.code, 'ErrorOccurrenceCrossingBoundary');
    }
    assert.equal((await call('GET', `/users/${mb}/events/${second?.id}`)).body.start.dateTime, '2026-06-02T16:00:00.0000000', 'a refused move changes nothing');

    assert.equal((await call('DELETE', `/users/${mb}/events/${third?.id}`)).status, 204);
    const intoTheGap = await call('PATCH', `/users/${mb}/events/${second?.id}`, at('03', '12'));
    assert.equal(intoTheGap.status, 200, 'a cancelled neighbour leaves its day free');
    assert.equal((await call('PATCH', `/users/${mb}/events/${second?.id}`, at('04', '12'))).status, 400, 'the next occurrence still bounds it');
  });

  test('categories and extended properties: $filter and $expand', async () => {
    const mb = await newMailbox('marks@contoso.example');
    const tagged = await call('POST', `/users/${mb}/events`, timed('Tagged', 10, { categories: ['Salesforce'], singleValueExtendedProperties: [{ id: MARKER, value: 'sf-1' }] }));
    await call('POST', `/users/${mb}/events`, timed('Plain', 11));
    const byCategory = await call('GET', `/users/${mb}/events?$filter=${encodeURIComponent("categories/any(c:c eq 'salesforce')")}`);
    assert.deepEqual(byCategory.body.value.map((e: Item) => e.id), [tagged.body.id]);
    const filter = `singleValueExtendedProperties/Any(ep: ep/id eq '${MARKER}' and ep/value eq 'sf-1')`;
    const byMarker = await call('GET', `/users/${mb}/events?$filter=${encodeURIComponent(filter)}`);
    assert.deepEqual(byMarker.body.value.map((e: Item) => e.id), [tagged.body.id]);
    const expanded = await call('GET', `/users/${mb}/events/${tagged.body.id}?$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${MARKER}')`)}`);
    assert.deepEqual(expanded.body.singleValueExtendedProperties, [{ id: MARKER, value: 'sf-1' }]);
    assert.equal((await call('GET', `/users/${mb}/events/${tagged.body.id}`)).body.singleValueExtendedProperties, undefined);
    const bad = await call('GET', `/users/${mb}/events?$filter=${encodeURIComponent('startswith(subject,\'T\')')}`);
    assert.equal(bad.status, 400);
  });

  test('transactionId makes a retried create return the first event', async () => {
    const mb = await newMailbox('retry@contoso.example');
    const writes = em.eventWriteCount();
    const body = timed('Once', 12, { transactionId: 'sf-00U000000000001' });
    const a = await call('POST', `/users/${mb}/events`, body);
    const b = await call('POST', `/users/${mb}/events`, body);
    assert.equal(a.status, 201);
    assert.equal(b.body.id, a.body.id);
    assert.equal(a.body.transactionId, 'sf-00U000000000001');
    assert.equal(em.events('retry@contoso.example').length, 1);
    assert.equal(em.eventWriteCount(), writes + 1);
  });

  test('attendees: responses default to none; the hooks can answer for them', async () => {
    const mb = await newMailbox('meet@contoso.example');
    const attendees = [
      { type: 'required', emailAddress: { address: 'ana@customer.example', name: 'Ana' }, status: { response: 'accepted' } },
      { type: 'optional', emailAddress: { address: 'bo@customer.example' } },
    ];
    const viaApi = await call('POST', `/users/${mb}/events`, timed('Demo', 15, { attendees }));
    assert.deepEqual(
      viaApi.body.attendees.map((a: Item) => [a.type, a.emailAddress.name, a.status.response]),
      [['required', 'Ana', 'none'], ['optional', 'bo@customer.example', 'none']],
    );
    const own = em.user.createEvent('meet@contoso.example', timed('Demo 2', 16, { attendees }));
    const got = await call('GET', `/users/${mb}/events/${own}`);
    assert.equal(got.body.attendees[0].status.response, 'accepted');
  });

  test('$batch carries event writes, with dependsOn', async () => {
    const mb = await newMailbox('batch@contoso.example');
    const r = await call('POST', '/$batch', {
      requests: [
        { id: '1', method: 'POST', url: `/users/${mb}/events`, headers: { 'Content-Type': 'application/json' }, body: timed('B1', 20) },
        { id: '2', dependsOn: ['1'], method: 'POST', url: `/users/${mb}/calendar/events`, headers: { 'Content-Type': 'application/json' }, body: timed('B2', 21) },
      ],
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.responses.map((x: Item) => x.status).sort(), [201, 201]);
    assert.equal(em.events('batch@contoso.example').length, 2);
  });

  test('silentCancellations: a cancelled occurrence leaves no trace in delta', async () => {
    const quiet = await startGraph({ serviceTimeMs: 0, calendar: { silentCancellations: true } });
    try {
      const mb = quiet.addMailbox({ userPrincipalName: 'q@contoso.example' });
      const q = client(quiet, await acquireToken(quiet));
      const master = await q('POST', `/users/${mb}/events`, {
        ...timed('Daily', 1),
        recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'endDate', startDate: '2026-06-01', endDate: '2026-06-05' } },
      });
      const first = await deltaRound(q, `/users/${mb}/calendarView/delta?${WINDOW}`);
      assert.equal(first.items.length, 5);
      assert.equal((await q('DELETE', `/users/${mb}/events/${first.items[1]?.id}`)).status, 204);
      const second = await deltaRound(q, first.deltaLink);
      assert.deepEqual(second.items, []);
      const left = await q('GET', `/users/${mb}/events/${master.body.id}/instances?${WINDOW}`);
      assert.equal(left.body.value.length, 4);
    } finally {
      await quiet.close();
    }
  });

  test('calendar resource and permissions', async () => {
    const cal = await call('GET', `/users/${user}/calendar`);
    assert.equal(cal.body.isDefaultCalendar, true);
    const list = await call('GET', `/users/${user}/calendars/${cal.body.id}/events`);
    assert.equal(list.status, 200);
    const contactsOnly = await startGraph({ serviceTimeMs: 0, roles: ['Contacts.ReadWrite'] });
    try {
      const mb = contactsOnly.addMailbox({ userPrincipalName: 'x@contoso.example' });
      const denied = await client(contactsOnly, await acquireToken(contactsOnly))('GET', `/users/${mb}/events`);
      assert.equal(denied.status, 403);
    } finally {
      await contactsOnly.close();
    }
  });
});
