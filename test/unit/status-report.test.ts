import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildStatusReport, formatStatusReport, type StatusReport } from '../../companion/src/cli/status-report.ts';
import type { ItemErrorRow, StateStore, UserStatusRow } from '../../companion/src/ports/state.ts';
import type { SyncUser } from '../../companion/src/ports/salesforce.ts';

const ANA = '005000000000001AAA';
const BEN = '005000000000002AAA';
const CLEO = '005000000000003AAA';

const status = (over: Partial<UserStatusRow> & Pick<UserStatusRow, 'userId'>): UserStatusRow => ({
  state: 'idle',
  contactsLinked: 10,
  contactsFailed: 0,
  lastSyncToMailbox: '2026-11-22T10:00:00.000Z',
  lastSyncToSalesforce: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:00:00.000Z',
  ...over,
});

const item = (over: Partial<ItemErrorRow>): ItemErrorRow => ({
  userId: ANA,
  side: 'salesforce',
  itemId: '003000000000001AAA',
  code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  message: 'contact 003000000000001AAA: rejected (fields: Phone)',
  fields: ['Phone'],
  at: '2026-11-22T10:00:00.000Z',
  ...over,
});

/** Only what buildStatusReport reads. */
function fakeStore(rows: UserStatusRow[], errors: ItemErrorRow[]): StateStore {
  return {
    listUserStatus: async () => rows.map((r) => ({ ...r })),
    itemErrors: async () => errors.map((e) => ({ ...e })),
  } as unknown as StateStore;
}

const user = (userId: string, email: string) => ({ userId, email }) as unknown as SyncUser;

/** The table's data line for a user, split on the two-space column gaps. */
function cells(out: string, who: string): string[] {
  const line = out.split('\n').find((l) => l.startsWith(who));
  assert.ok(line, `a line for ${who} in:\n${out}`);
  return line.split(/ {2,}/);
}

/** The problems block printed under a user's name (up to the next blank line). */
function block(out: string, who: string): string {
  const start = out.indexOf(`\n${who}:\n`);
  assert.ok(start >= 0, `a problems block for ${who} in:\n${out}`);
  const rest = out.slice(start + who.length + 3);
  const end = rest.indexOf('\n\n');
  return end < 0 ? rest : rest.slice(0, end + 1);
}

test('event counts sit next to the contact counts; a user without an events pass shows "-", not 0', async () => {
  const store = fakeStore(
    [status({ userId: ANA, eventsLinked: 7, eventsFailed: 2 }), status({ userId: BEN, contactsLinked: 3, contactsFailed: 1 }), status({ userId: CLEO, eventsLinked: 0, eventsFailed: 0 })],
    [],
  );
  const report = await buildStatusReport(store, [user(ANA, 'ana@example.com'), user(BEN, 'ben@example.com'), user(CLEO, 'cleo@example.com')]);
  const out = formatStatusReport(report);
  const header = out.split('\n')[0]!.split(/ {2,}/);
  assert.deepEqual(header, ['USER', 'STATE', 'LAST → MAILBOX', 'LAST → SALESFORCE', 'CONTACTS LINKED', 'CONTACTS FAILED', 'EVENTS LINKED', 'EVENTS FAILED', 'LAST ERROR']);
  assert.deepEqual(cells(out, 'ana@example.com').slice(4, 8), ['10', '0', '7', '2']);
  assert.deepEqual(cells(out, 'ben@example.com').slice(4, 8), ['3', '1', '-', '-']);
  assert.deepEqual(cells(out, 'cleo@example.com').slice(4, 8), ['10', '0', '0', '0'], 'a measured zero is a zero');
  // Columns line up: each count starts where its header does.
  const lines = out.split('\n');
  const at = lines[0]!.indexOf('EVENTS LINKED');
  for (const l of lines.slice(1, 4)) assert.notEqual(l[at], ' ', `events column aligned in "${l}"`);
});

test('an assigned user not synced yet shows as waiting, with no event counts', async () => {
  const report = await buildStatusReport(fakeStore([], []), [user(ANA, 'ana@example.com')]);
  assert.equal(report.users.length, 1);
  assert.equal(report.users[0]!.state, 'initial_sync');
  assert.equal(report.users[0]!.eventsLinked, undefined);
  assert.deepEqual(cells(formatStatusReport(report), 'ana@example.com').slice(4, 8), ['0', '0', '-', '-']);
});

test('the problems list names the kind of each item; rows without a kind are contacts', async () => {
  const store = fakeStore(
    [status({ userId: ANA, contactsFailed: 1, eventsLinked: 4, eventsFailed: 1 })],
    [
      item({}),
      item({ kind: 'event', side: 'mailbox', itemId: 'AAMkEvent1', code: 'ErrorInvalidRecipients', message: 'event AAMkEvent1: rejected (fields: attendees)' }),
      item({ kind: 'contact', side: 'mailbox', itemId: 'AAMkContact1', code: 'unresolved', message: 'contact AAMkContact1: company not found' }),
    ],
  );
  const report = await buildStatusReport(store, [user(ANA, 'ana@example.com')]);
  assert.deepEqual(report.users[0]!.errors.map((e) => e.kind), ['contact', 'event', 'contact'], 'every row carries its kind');
  const text = block(formatStatusReport(report), 'ana@example.com');
  assert.match(text, /^ {2}✗ contact salesforce 003000000000001AAA \[FIELD_CUSTOM_VALIDATION_EXCEPTION\] /m);
  assert.match(text, /^ {2}✗ event mailbox AAMkEvent1 \[ErrorInvalidRecipients\] /m);
  assert.match(text, /^ {2}\? contact mailbox AAMkContact1 contact AAMkContact1: company not found$/m);
});

test('conflicts decided by the policy are listed apart, marked informational, and never counted as errors', async () => {
  const conflict = (n: number) =>
    item({
      kind: 'event',
      side: 'mailbox',
      itemId: `AAMkEvent${n}`,
      code: 'policy_conflict',
      message: 'subject was changed on both sides since the last sync; the value from Salesforce was kept (policy salesforce_wins)',
      fields: ['subject'],
      at: `2026-11-22T10:0${n}:00.000Z`,
    });
  const failures = [1, 2, 3].map((n) => item({ itemId: `00300000000000${n}AAA` }));
  const store = fakeStore([status({ userId: ANA, contactsFailed: 3, eventsLinked: 5, eventsFailed: 0 })], [...failures, conflict(1), conflict(2), conflict(3)]);
  const report = await buildStatusReport(store, [user(ANA, 'ana@example.com')]);
  const text = block(formatStatusReport(report, 2), 'ana@example.com');
  // Errors: only the three failures count ("… and 1 more", not 4).
  assert.equal(text.match(/✗/g)?.length, 2);
  assert.match(text, /… and 1 more errors\n/);
  assert.doesNotMatch(text, /✗[^\n]*conflict/);
  // Conflicts: their own heading, after the failures, with kind, side, id, time and the field.
  const heading = text.indexOf('conflicts decided by the conflict policy (informational, not failures):');
  assert.ok(heading > text.indexOf('more errors'), text);
  assert.match(text.slice(heading), /\n {4}~ event mailbox AAMkEvent1 at 2026-11-22T10:01:00\.000Z: subject was changed on both sides/);
  assert.match(text.slice(heading), /\n {4}… and 1 more conflicts\n/);
  assert.equal(text.match(/~ /g)?.length, 2);
});

test('a user with only conflicts gets a block with the conflict heading and no errors', async () => {
  const store = fakeStore(
    [status({ userId: ANA, eventsLinked: 5, eventsFailed: 0 })],
    [item({ kind: 'event', side: 'salesforce', itemId: '00U000000000001AAA', code: 'policy_conflict', message: 'location was changed on both sides since the last sync; the value from the mailbox was kept (policy mailbox_wins)', fields: ['location'] })],
  );
  const out = formatStatusReport(await buildStatusReport(store, [user(ANA, 'ana@example.com')]));
  const text = block(out, 'ana@example.com');
  assert.doesNotMatch(text, /✗|more errors/);
  assert.match(text, /conflicts decided by the conflict policy/);
  assert.match(text, /~ event salesforce 00U000000000001AAA at /);
  assert.deepEqual(cells(out, 'ana@example.com').slice(4, 8), ['10', '0', '5', '0']);
});

test('a value the other side cannot hold is a note (i), not an error: the event synced and Events Failed stays 0', async () => {
  const dropped = (n: number) =>
    item({ kind: 'event', itemId: `00U00000000000${n}AAA`, code: 'dropped', message: 'Salesforce has no "tentative"; written as Busy', fields: ['showAs'] });
  const store = fakeStore([status({ userId: ANA, eventsLinked: 5, eventsFailed: 0 })], [1, 2, 3].map(dropped));
  const out = formatStatusReport(await buildStatusReport(store, [user(ANA, 'ana@example.com')]), 2);
  const text = block(out, 'ana@example.com');
  assert.doesNotMatch(text, /✗|more errors/);
  assert.match(text, /^ {2}i event salesforce 00U000000000001AAA \[dropped\] Salesforce has no "tentative"; written as Busy$/m);
  assert.equal(text.match(/^ {2}i /gm)?.length, 2);
  assert.match(text, /… and 1 more notes\n/);
});

test('many unresolved items are cut to the same length as the errors, with the rest counted', async () => {
  const unresolved = [1, 2, 3, 4].map((n) => item({ kind: 'event', itemId: `00U00000000000${n}AAA`, code: 'unresolved', message: `attendee ${n} of 4 matches two contacts`, fields: ['attendees'] }));
  const text = block(formatStatusReport(await buildStatusReport(fakeStore([status({ userId: ANA })], unresolved), [user(ANA, 'ana@example.com')]), 2), 'ana@example.com');
  assert.equal(text.match(/\? /g)?.length, 2);
  assert.match(text, /… and 2 more unresolved\n/);
});

test('the JSON form only gains keys: the old ones keep their meaning', async () => {
  const store = fakeStore(
    [status({ userId: ANA, eventsLinked: 7, eventsFailed: 1 }), status({ userId: BEN })],
    [item({}), item({ kind: 'event', code: 'policy_conflict', itemId: '00U000000000001AAA', message: 'subject was changed on both sides', fields: ['subject'] })],
  );
  const report = JSON.parse(JSON.stringify(await buildStatusReport(store, [user(ANA, 'ana@example.com')]))) as StatusReport;
  const ana = report.users.find((u) => u.userId === ANA)!;
  const ben = report.users.find((u) => u.userId === BEN)!;
  for (const key of ['userId', 'state', 'contactsLinked', 'contactsFailed', 'lastSyncToMailbox', 'lastSyncToSalesforce', 'updatedAt', 'email', 'errors']) {
    assert.ok(key in ana, `${key} is still there`);
  }
  assert.equal(ana.contactsLinked, 10);
  assert.equal(ana.eventsLinked, 7);
  assert.equal(ana.eventsFailed, 1);
  assert.ok(!('eventsLinked' in ben) && !('eventsFailed' in ben), 'absent until the first events pass');
  // errors still lists every item row of the user (consumers filter by code, as they did for 'unresolved').
  assert.deepEqual(ana.errors.map((e) => [e.kind, e.code]), [['contact', 'FIELD_CUSTOM_VALIDATION_EXCEPTION'], ['event', 'policy_conflict']]);
  for (const key of ['userId', 'side', 'itemId', 'code', 'message', 'fields', 'at']) assert.ok(key in ana.errors[0]!, `errors[].${key}`);
});
