import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planContacts, matchContacts, type ContactPlanInput, type PairPlan, type SideSnapshot } from '../../companion/src/core/contact-plan.ts';
import { hashContactFields } from '../../companion/src/core/hash.ts';
import { normaliseContact } from '../../companion/src/core/normalise.ts';
import { CONTACT_FIELDS, type ContactFields } from '../../companion/src/core/contact.ts';
import type { ContactLink, Direction, SideItem } from '../../companion/src/core/sync-types.ts';

const SALT = 'test-salt';
const MAILBOX_FIELDS = CONTACT_FIELDS.filter((f) => f !== 'fax');
const ada: ContactFields = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', title: 'Analyst', fax: '+1 555 0100' };

const item = (id: string, data: ContactFields, version = 'v1'): SideItem<ContactFields> => ({ id, version, data });
const link = (sfId: string, mbId: string, agreed: ContactFields): ContactLink => ({
  userId: 'u1',
  sfId,
  mbId,
  sfVersion: 'v1',
  mbVersion: 'v1',
  hashes: hashContactFields(normaliseContact(agreed), SALT),
});
const inc = (items: SideItem<ContactFields>[] = [], deleted: string[] = []): SideSnapshot => ({ full: false, items, deleted });
const full = (items: SideItem<ContactFields>[]): SideSnapshot => ({ full: true, items, deleted: [] });

function plan(over: Partial<ContactPlanInput>): PairPlan[] {
  const result = planContacts({
    userId: 'u1',
    direction: 'both',
    conflictPolicy: 'salesforce_wins',
    salt: SALT,
    links: [],
    salesforce: inc(),
    mailbox: inc(),
    mailboxFields: MAILBOX_FIELDS,
    maxDeleteShare: 0.5,
    ...over,
  });
  assert.equal(result.halted, false);
  return result.halted ? [] : result.pairs;
}

test('a field changed on one side is copied to the other, only that field', () => {
  const pairs = plan({ links: [link('s1', 'm1', ada)], salesforce: inc([item('s1', { ...ada, title: 'Director' }, 'v2')]) });
  assert.equal(pairs.length, 1);
  assert.deepEqual(pairs[0]!.toMailbox && pairs[0]!.toMailbox.op === 'update' ? pairs[0]!.toMailbox.set : undefined, { title: 'Director' });
  assert.equal(pairs[0]!.toSalesforce, undefined);
});

test('edits to different fields on both sides both survive', () => {
  const pairs = plan({
    links: [link('s1', 'm1', ada)],
    salesforce: inc([item('s1', { ...ada, title: 'Director' })]),
    mailbox: inc([item('m1', { ...ada, fax: undefined, mobilePhone: '+44 7700 900123' })]),
  });
  const p = pairs[0]!;
  assert.deepEqual(p.toMailbox?.op === 'update' && p.toMailbox.set, { title: 'Director' });
  assert.deepEqual(p.toSalesforce?.op === 'update' && p.toSalesforce.set, { mobilePhone: '+44 7700 900123' });
  assert.deepEqual(p.conflicts, []);
});

const conflictCases: Array<{ policy: ContactPlanInput['conflictPolicy']; direction: Direction; winner: 'salesforce' | 'mailbox'; writes: 'mailbox' | 'salesforce' }> = [
  { policy: 'salesforce_wins', direction: 'both', winner: 'salesforce', writes: 'mailbox' },
  { policy: 'mailbox_wins', direction: 'both', winner: 'mailbox', writes: 'salesforce' },
  { policy: 'mailbox_wins', direction: 'salesforce_to_mailbox', winner: 'salesforce', writes: 'mailbox' },
  { policy: 'salesforce_wins', direction: 'mailbox_to_salesforce', winner: 'mailbox', writes: 'salesforce' },
];
for (const c of conflictCases) {
  test(`same field changed on both sides: ${c.policy} with direction ${c.direction} → ${c.winner} wins and it is reported`, () => {
    const pairs = plan({
      direction: c.direction,
      conflictPolicy: c.policy,
      links: [link('s1', 'm1', ada)],
      salesforce: inc([item('s1', { ...ada, title: 'From Salesforce' })]),
      mailbox: inc([item('m1', { ...ada, fax: undefined, title: 'From mailbox' })]),
    });
    const p = pairs[0]!;
    assert.deepEqual(p.conflicts, [{ field: 'title', winner: c.winner }]);
    const written = c.writes === 'mailbox' ? p.toMailbox : p.toSalesforce;
    const other = c.writes === 'mailbox' ? p.toSalesforce : p.toMailbox;
    assert.equal(written?.op, 'update');
    assert.deepEqual(written?.op === 'update' && written.set, { title: c.winner === 'salesforce' ? 'From Salesforce' : 'From mailbox' });
    assert.equal(other, undefined);
  });
}

test('the same new value on both sides is no conflict and writes nothing', () => {
  const pairs = plan({
    links: [link('s1', 'm1', ada)],
    salesforce: inc([item('s1', { ...ada, title: 'Director' })]),
    mailbox: inc([item('m1', { ...ada, fax: undefined, title: 'Director' })]),
  });
  assert.equal(pairs[0]!.toMailbox, undefined);
  assert.equal(pairs[0]!.toSalesforce, undefined);
  assert.deepEqual(pairs[0]!.conflicts, []);
  assert.ok(pairs[0]!.agreed.title);
});

test('whitespace and e-mail case differences are not changes (no echo writes)', () => {
  const pairs = plan({
    links: [link('s1', 'm1', ada)],
    mailbox: inc([item('m1', { ...ada, fax: undefined, email: 'ADA@Example.com ', firstName: ' Ada' }, 'v9')]),
  });
  assert.equal(pairs[0]!.toSalesforce, undefined);
  assert.equal(pairs[0]!.toMailbox, undefined);
});

test('a Salesforce-only field (fax) never counts as deleted because the mailbox cannot hold it', () => {
  const pairs = plan({ links: [link('s1', 'm1', ada)], mailbox: inc([item('m1', { ...ada, fax: undefined, title: 'Director' })]) });
  assert.deepEqual(pairs[0]!.toSalesforce?.op === 'update' && pairs[0]!.toSalesforce.set, { title: 'Director' });
});

const deleteCases: Array<{ name: string; direction: Direction; gone: 'salesforce' | 'mailbox'; expect: 'delete' | 'unlink_only' }> = [
  { name: 'deleted in Salesforce, both ways → deleted in mailbox', direction: 'both', gone: 'salesforce', expect: 'delete' },
  { name: 'deleted in mailbox, both ways → deleted in Salesforce', direction: 'both', gone: 'mailbox', expect: 'delete' },
  { name: 'deleted in mailbox, Salesforce→mailbox only → Salesforce untouched', direction: 'salesforce_to_mailbox', gone: 'mailbox', expect: 'unlink_only' },
  { name: 'deleted in Salesforce, mailbox→Salesforce only → mailbox untouched', direction: 'mailbox_to_salesforce', gone: 'salesforce', expect: 'unlink_only' },
];
for (const c of deleteCases) {
  test(c.name, () => {
    const pairs = plan({
      direction: c.direction,
      links: [link('s1', 'm1', ada)],
      salesforce: inc([], c.gone === 'salesforce' ? ['s1'] : []),
      mailbox: inc([], c.gone === 'mailbox' ? ['m1'] : []),
    });
    const p = pairs[0]!;
    assert.equal(p.unlink, true);
    const other = c.gone === 'salesforce' ? p.toMailbox : p.toSalesforce;
    if (c.expect === 'delete') assert.deepEqual(other, { op: 'delete' });
    else assert.equal(other, undefined);
  });
}

test('deleted on one side but edited on the other since the last sync: the edit wins and is re-created', () => {
  const pairs = plan({ links: [link('s1', 'm1', ada)], salesforce: inc([], ['s1']), mailbox: inc([item('m1', { ...ada, fax: undefined, title: 'Edited' })]) });
  const p = pairs[0]!;
  assert.equal(p.reason, 'recreated');
  assert.equal(p.toSalesforce?.op, 'create');
  assert.equal(p.toSalesforce?.op === 'create' && p.toSalesforce.data.title, 'Edited');
  assert.equal(p.toMailbox, undefined);
});

test('a linked item missing from a full listing is treated as deleted', () => {
  const other = link('s2', 'm2', { lastName: 'Other' });
  const pairs = plan({ links: [link('s1', 'm1', ada), other], salesforce: full([item('s2', { lastName: 'Other' })]) });
  const p = pairs.find((x) => x.sfId === 's1')!;
  assert.deepEqual(p.toMailbox, { op: 'delete' });
});

test('a side that suddenly lists empty halts the pass instead of deleting', () => {
  for (const side of ['salesforce', 'mailbox'] as const) {
    const result = planContacts({
      userId: 'u1',
      direction: 'both',
      conflictPolicy: 'salesforce_wins',
      salt: SALT,
      links: [link('s1', 'm1', ada)],
      salesforce: side === 'salesforce' ? full([]) : inc(),
      mailbox: side === 'mailbox' ? full([]) : inc(),
      mailboxFields: MAILBOX_FIELDS,
      maxDeleteShare: 0.5,
    });
    assert.equal(result.halted, true);
    assert.equal(result.halted && result.reason, `${side}_empty`);
  }
});

test('initial sync pairs by e-mail, then by name, and creates only the rest', () => {
  const pairs = plan({
    salesforce: full([
      item('s1', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', title: 'Analyst' }),
      item('s2', { firstName: 'Grace', lastName: 'Hopper' }),
      item('s3', { lastName: 'OnlyInSalesforce' }),
    ]),
    mailbox: full([
      item('m1', { firstName: 'A.', lastName: 'Lovelace', email: 'ADA@example.com', mobilePhone: '+1 555' }),
      item('m2', { firstName: 'grace', lastName: 'HOPPER', email: 'grace@navy.example' }),
      item('m3', { lastName: 'OnlyInMailbox' }),
    ]),
  });
  const paired = pairs.filter((p) => p.reason === 'paired').map((p) => `${p.sfId}-${p.mbId}`).sort();
  assert.deepEqual(paired, ['s1-m1', 's2-m2']);
  assert.deepEqual(pairs.filter((p) => p.reason === 'new_in_salesforce').map((p) => p.sfId), ['s3']);
  assert.deepEqual(pairs.filter((p) => p.reason === 'new_in_mailbox').map((p) => p.mbId), ['m3']);
  const s1 = pairs.find((p) => p.sfId === 's1')!;
  // Gaps are filled both ways; the differing first name is a conflict settled by the policy.
  assert.deepEqual(s1.toSalesforce?.op === 'update' && s1.toSalesforce.set, { mobilePhone: '+1 555' });
  assert.deepEqual(s1.toMailbox?.op === 'update' && s1.toMailbox.set, { firstName: 'Ada', title: 'Analyst' });
  const s2 = pairs.find((p) => p.sfId === 's2')!;
  assert.deepEqual(s2.toSalesforce?.op === 'update' && s2.toSalesforce.set, { email: 'grace@navy.example' });
});

test('running the initial sync again after it converged plans no writes (no duplicates after a reset)', () => {
  const sf = [item('s1', { ...ada })];
  const mb = [item('m1', { ...ada, fax: undefined })];
  const pairs = plan({ salesforce: full(sf), mailbox: full(mb) });
  assert.equal(pairs.length, 1);
  assert.equal(pairs[0]!.reason, 'paired');
  assert.equal(pairs[0]!.toMailbox, undefined);
  assert.equal(pairs[0]!.toSalesforce, undefined);
});

test('ambiguous matches never pair: two mailbox contacts with the same e-mail', () => {
  const m = matchContacts([item('s1', { lastName: 'X', email: 'dup@example.com' })], [item('m1', { lastName: 'Y', email: 'dup@example.com' }), item('m2', { lastName: 'Z', email: 'dup@example.com' })]);
  assert.equal(m.size, 0);
});

test('direction limits what new items create', () => {
  const sfOnly = [item('s1', { lastName: 'A' })];
  const mbOnly = [item('m1', { lastName: 'B' })];
  const one = plan({ direction: 'salesforce_to_mailbox', salesforce: full(sfOnly), mailbox: full(mbOnly) });
  assert.deepEqual(one.map((p) => p.reason), ['new_in_salesforce']);
  const other = plan({ direction: 'mailbox_to_salesforce', salesforce: full(sfOnly), mailbox: full(mbOnly) });
  assert.deepEqual(other.map((p) => p.reason), ['new_in_mailbox']);
});

test('a mailbox edit under Salesforce→mailbox is left alone until Salesforce changes that field', () => {
  const first = plan({ direction: 'salesforce_to_mailbox', links: [link('s1', 'm1', ada)], mailbox: inc([item('m1', { ...ada, fax: undefined, title: 'Mailbox title' })]) });
  assert.equal(first[0]!.toSalesforce, undefined);
  assert.equal(first[0]!.toMailbox, undefined);
  const later = plan({
    direction: 'salesforce_to_mailbox',
    links: [link('s1', 'm1', ada)],
    salesforce: inc([item('s1', { ...ada, title: 'Salesforce title' })]),
    mailbox: inc([item('m1', { ...ada, fax: undefined, title: 'Mailbox title' })]),
  });
  assert.deepEqual(later[0]!.toMailbox?.op === 'update' && later[0]!.toMailbox.set, { title: 'Salesforce title' });
});

test('clearing a field on one side clears it on the other', () => {
  const pairs = plan({ links: [link('s1', 'm1', ada)], mailbox: inc([item('m1', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' })]) });
  const set = pairs[0]!.toSalesforce?.op === 'update' ? pairs[0]!.toSalesforce.set : undefined;
  assert.ok(set && 'title' in set && set.title === undefined);
});

test('an agreed hash only moves with the write that carries it', () => {
  const pairs = plan({ links: [link('s1', 'm1', ada)], salesforce: inc([item('s1', { ...ada, title: 'Director' })]) });
  const op = pairs[0]!.toMailbox;
  assert.equal(op?.op, 'update');
  const expected = hashContactFields(normaliseContact({ ...ada, title: 'Director' }), SALT).title;
  assert.equal(op?.op === 'update' && op.agreed.title, expected);
  assert.equal(pairs[0]!.agreed.title, undefined);
});

test('a mass delete over the configured share stops the pass; within it, or small, it goes through', () => {
  const links = Array.from({ length: 20 }, (_, i) => link(`s${i}`, `m${i}`, { lastName: `L${i}` }));
  const run = (deleted: number, share: number) =>
    planContacts({
      userId: 'u1',
      direction: 'both',
      conflictPolicy: 'salesforce_wins',
      salt: SALT,
      links,
      salesforce: inc(),
      mailbox: inc([], links.slice(0, deleted).map((l) => l.mbId)),
      mailboxFields: MAILBOX_FIELDS,
      maxDeleteShare: share,
    });
  const over = run(11, 0.5);
  assert.equal(over.halted, true);
  assert.equal(over.halted && over.reason, 'mass_delete_salesforce');
  assert.match(over.halted ? over.message : '', /11 of 20 linked contacts/);
  assert.equal(run(10, 0.5).halted, false, 'exactly the share is allowed');
  assert.equal(run(5, 0.1).halted, false, 'five or fewer never trip the valve');
  assert.equal(run(6, 0.1).halted, true);
  assert.equal(run(20, 1).halted, false, 'a 100% limit lets a deliberate mass delete through');
});

test('newest wins: the side modified last wins a same-field conflict; unknown times or a tie → Salesforce', () => {
  const conflict = (sfAt?: string, mbAt?: string) =>
    plan({
      conflictPolicy: 'newest_wins',
      links: [link('s1', 'm1', ada)],
      salesforce: inc([{ ...item('s1', { ...ada, title: 'From Salesforce' }), ...(sfAt ? { modifiedAt: sfAt } : {}) }]),
      mailbox: inc([{ ...item('m1', { ...ada, fax: undefined, title: 'From mailbox' }), ...(mbAt ? { modifiedAt: mbAt } : {}) }]),
    })[0]!.conflicts[0]!.winner;
  assert.equal(conflict('2026-11-22T10:00:00.000+0000', '2026-11-22T10:05:00Z'), 'mailbox');
  assert.equal(conflict('2026-11-22T10:06:00.000+0000', '2026-11-22T10:05:00Z'), 'salesforce');
  assert.equal(conflict('2026-11-22T10:05:00.000+0000', '2026-11-22T10:05:00Z'), 'salesforce', 'tie');
  assert.equal(conflict(undefined, '2026-11-22T10:05:00Z'), 'salesforce', 'unknown');
});
