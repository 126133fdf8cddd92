import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  attendeeKeys,
  attendeesFromRelations,
  planRelations,
  responsesKey,
  MAX_RELATED_CONTACTS,
  type EmailMatches,
  type EventRelationRow,
  type RelationPlan,
  type RelationPlanInput,
} from '../../companion/src/core/event-attendees.ts';
import type { Attendee } from '../../companion/src/core/event.ts';

const SALT = 'test-salt';
const REP = 'rep@us.test';
const REP_USER = '005000000000REPAAA';
const EVENT = '00U000000000EVTAAA';

const contact = (n: number): string => `003${String(n).padStart(12, '0')}AAA`;
const lead = (n: number): string => `00Q${String(n).padStart(12, '0')}AAA`;
const user = (n: number): string => `005${String(n).padStart(12, '0')}AAA`;
const relId = (n: number): string => `0RE${String(n).padStart(12, '0')}AAA`;
const people = (...emails: string[]): Attendee[] => emails.map((email) => ({ email, type: 'required' }));
const match = (over: Partial<EmailMatches>): EmailMatches => ({ contacts: [], leads: [], users: [], ...over });
const row = (n: number, relationId: string, email: string | undefined, over: Partial<EventRelationRow> = {}): EventRelationRow => ({
  id: relId(n),
  eventId: EVENT,
  relationId,
  isInvitee: false,
  isParent: true,
  isWhat: false,
  ...(email !== undefined ? { email } : {}),
  ...over,
});

function plan(over: Partial<RelationPlanInput>): RelationPlan {
  return planRelations({
    attendees: [],
    repEmail: REP,
    repUserId: REP_USER,
    autoRelate: true,
    isPrivate: false,
    matches: new Map(),
    current: [],
    previousAttendeeKeys: new Set(),
    salt: SALT,
    ...over,
  });
}

interface Case {
  name: string;
  input: Partial<RelationPlanInput>;
  whoId?: string | null;
  insert?: RelationPlan['insert'];
  delete?: string[];
  statuses?: RelationPlan['statuses'];
  unresolved?: Array<[number | 'organizer', string, number]>;
  warnings?: number;
}

const ANN = 'ann@client.test';
const BOB = 'bob@client.test';
const CAT = 'cat@client.test';

const cases: Case[] = [
  {
    name: 'auto-relate off: users are invited, contacts and leads are not related',
    input: {
      autoRelate: false,
      attendees: people(ANN, BOB, 'colleague@us.test'),
      matches: new Map([
        [ANN, match({ contacts: [contact(1)] })],
        [BOB, match({ leads: [lead(1)] })],
        ['colleague@us.test', match({ users: [user(7)] })],
      ]),
    },
    insert: [{ relationId: user(7), isInvitee: true, isParent: false }],
  },
  {
    name: 'one contact: related and invited, and becomes the WhoId',
    input: { attendees: people(ANN), matches: new Map([[ANN, match({ contacts: [contact(1)] })]]) },
    insert: [{ relationId: contact(1), isInvitee: true, isParent: true }],
    whoId: contact(1),
  },
  {
    name: 'several contacts: each related; the first attendee is the WhoId; a lead elsewhere is ignored',
    input: {
      attendees: people(ANN, BOB, CAT),
      matches: new Map([
        [ANN, match({ contacts: [contact(1)] })],
        [BOB, match({ leads: [lead(2)] })],
        [CAT, match({ contacts: [contact(3)] })],
      ]),
    },
    insert: [
      { relationId: contact(1), isInvitee: true, isParent: true },
      { relationId: contact(3), isInvitee: true, isParent: true },
    ],
    whoId: contact(1),
  },
  {
    name: 'a lead, when it is the only lead and no attendee matches a contact',
    input: { attendees: people(ANN, BOB), matches: new Map([[BOB, match({ leads: [lead(2)] })]]) },
    insert: [{ relationId: lead(2), isInvitee: true, isParent: true }],
    whoId: lead(2),
  },
  {
    name: 'an address matching a contact and a lead relates the contact only',
    input: { attendees: people(ANN), matches: new Map([[ANN, match({ contacts: [contact(1)], leads: [lead(1)] })]]) },
    insert: [{ relationId: contact(1), isInvitee: true, isParent: true }],
    whoId: contact(1),
  },
  {
    name: 'two attendees each matching a lead: neither related (one lead per event)',
    input: {
      attendees: people(ANN, BOB),
      matches: new Map([
        [ANN, match({ leads: [lead(1)] })],
        [BOB, match({ leads: [lead(2)] })],
      ]),
    },
    unresolved: [
      [0, 'one_lead_per_event', 2],
      [1, 'one_lead_per_event', 2],
    ],
  },
  {
    name: 'two contacts sharing the address: reported, nothing related, other attendees still related',
    input: {
      attendees: people(ANN, BOB),
      matches: new Map([
        [ANN, match({ contacts: [contact(1), contact(2)] })],
        [BOB, match({ contacts: [contact(3)] })],
      ]),
    },
    insert: [{ relationId: contact(3), isInvitee: true, isParent: true }],
    whoId: contact(3),
    unresolved: [[0, 'several_contacts', 2]],
  },
  {
    name: 'two leads sharing the address and no contact: reported, no lead related',
    input: { attendees: people(ANN), matches: new Map([[ANN, match({ leads: [lead(1), lead(2)] })]]) },
    unresolved: [[0, 'several_leads', 2]],
  },
  {
    name: 'an ambiguous contact address still keeps a lead elsewhere from being related',
    input: {
      attendees: people(ANN, BOB),
      matches: new Map([
        [ANN, match({ contacts: [contact(1), contact(2)] })],
        [BOB, match({ leads: [lead(3)] })],
      ]),
    },
    unresolved: [[0, 'several_contacts', 2]],
  },
  {
    name: "the rep's own address and user are skipped",
    input: {
      attendees: people('REP@us.test', ANN),
      matches: new Map([
        [REP, match({ users: [REP_USER], contacts: [contact(9)] })],
        [ANN, match({ users: [REP_USER] })],
      ]),
    },
  },
  {
    name: 'a private event relates nothing and says so',
    input: { isPrivate: true, attendees: people(ANN), matches: new Map([[ANN, match({ contacts: [contact(1)], users: [user(1)] })]]) },
    warnings: 1,
  },
  {
    name: 'an external organizer who is a contact is related, not invited',
    input: { attendees: people(REP), organizer: { email: ANN }, matches: new Map([[ANN, match({ contacts: [contact(1)], users: [user(1)] })]]) },
    insert: [{ relationId: contact(1), isInvitee: false, isParent: true }],
    whoId: contact(1),
  },
  {
    name: 'two users with one address: not invited, reported',
    input: { attendees: people(ANN), matches: new Map([[ANN, match({ users: [user(1), user(2)] })]]) },
    unresolved: [[0, 'several_users', 2]],
  },
  {
    name: 'resources are not matched',
    input: { attendees: [{ email: 'room@us.test', type: 'resource' }], matches: new Map([['room@us.test', match({ users: [user(3)] })]]) },
  },
  {
    name: 'an existing row for the person is kept as it is, not inserted again',
    input: {
      attendees: people(ANN),
      matches: new Map([[ANN, match({ contacts: [contact(1)] })]]),
      current: [row(1, contact(1), ANN)],
      currentWhoId: contact(1),
      previousAttendeeKeys: new Set(attendeeKeys([ANN], SALT)),
    },
  },
  {
    name: 'a relation added by hand in Salesforce (never an attendee) is kept',
    input: {
      attendees: people(ANN),
      matches: new Map([[ANN, match({ contacts: [contact(1)] })]]),
      current: [row(5, contact(5), 'boss@client.test', { isInvitee: true }), row(6, user(6), 'peer@us.test', { isInvitee: true, isParent: false })],
      currentWhoId: contact(5),
      previousAttendeeKeys: new Set(attendeeKeys([ANN], SALT)),
    },
    insert: [{ relationId: contact(1), isInvitee: true, isParent: true }],
  },
  {
    name: 'an attendee removed in the mailbox: its relation is removed and WhoId moves to the next contact',
    input: {
      attendees: people(BOB),
      matches: new Map([[BOB, match({ contacts: [contact(2)] })]]),
      current: [row(1, contact(1), ANN, { isInvitee: true }), row(2, contact(2), BOB, { isInvitee: true })],
      currentWhoId: contact(1),
      previousAttendeeKeys: new Set(attendeeKeys([ANN, BOB], SALT)),
    },
    delete: [relId(1)],
    whoId: contact(2),
  },
  {
    name: 'the last related attendee removed: WhoId cleared; what-relations and unreadable rows stay',
    input: {
      attendees: [],
      current: [
        row(1, contact(1), ANN),
        row(2, '001000000000ACCAAA', undefined, { isParent: false, isWhat: true }),
        row(3, user(3), undefined, { isInvitee: true, isParent: false }),
      ],
      currentWhoId: contact(1),
      previousAttendeeKeys: new Set(attendeeKeys([ANN], SALT)),
    },
    delete: [relId(1)],
    whoId: null,
  },
  {
    name: 'a hand-related lead keeps contacts from being related (contacts or one lead)',
    input: {
      attendees: people(ANN),
      matches: new Map([[ANN, match({ contacts: [contact(1)] })]]),
      current: [row(4, lead(4), 'prospect@other.test')],
      currentWhoId: lead(4),
    },
    unresolved: [[0, 'lead_already_related', 1]],
  },
  {
    name: "responses: each new invitee row carries its attendee's answer; the organizer's row none",
    input: {
      attendees: [
        { email: ANN, type: 'required', response: 'accepted' },
        { email: BOB, type: 'optional', response: 'tentative' },
        { email: 'colleague@us.test', type: 'required', response: 'declined' },
        { email: 'peer@us.test', type: 'required', response: 'none' },
        { email: 'quiet@us.test', type: 'required' },
      ],
      organizer: { email: CAT },
      matches: new Map([
        [ANN, match({ contacts: [contact(1)] })],
        [BOB, match({ contacts: [contact(2)] })],
        [CAT, match({ contacts: [contact(3)] })],
        ['colleague@us.test', match({ users: [user(7)] })],
        ['peer@us.test', match({ users: [user(8)] })],
        ['quiet@us.test', match({ users: [user(9)] })],
      ]),
    },
    insert: [
      { relationId: contact(1), isInvitee: true, isParent: true, status: 'Accepted' },
      { relationId: contact(2), isInvitee: true, isParent: true, status: 'Maybe' },
      { relationId: user(7), isInvitee: true, isParent: false, status: 'Declined' },
      { relationId: user(8), isInvitee: true, isParent: false, status: 'New' },
      { relationId: user(9), isInvitee: true, isParent: false },
      { relationId: contact(3), isInvitee: false, isParent: true },
    ],
    whoId: contact(1),
  },
  {
    name: 'responses: an answer changed in the mailbox restates that row only; Uninvited and related-only rows are left alone',
    input: {
      attendees: [
        { email: ANN, type: 'required', response: 'declined' },
        { email: BOB, type: 'required', response: 'accepted' },
        { email: CAT, type: 'required', response: 'accepted' },
        { email: 'colleague@us.test', type: 'required', response: 'accepted' },
      ],
      matches: new Map([
        [ANN, match({ contacts: [contact(1)] })],
        [BOB, match({ contacts: [contact(2)] })],
        [CAT, match({ contacts: [contact(3)] })],
        ['colleague@us.test', match({ users: [user(7)] })],
      ]),
      current: [
        row(1, contact(1), ANN, { isInvitee: true, status: 'Accepted' }),
        row(2, contact(2), BOB, { isInvitee: false, status: 'New' }),
        row(3, contact(3), CAT, { isInvitee: true, status: 'Accepted' }),
        row(7, user(7), 'colleague@us.test', { isInvitee: true, isParent: false, status: 'Uninvited' }),
      ],
      currentWhoId: contact(1),
      previousAttendeeKeys: new Set(attendeeKeys([ANN, BOB, CAT, 'colleague@us.test'], SALT)),
    },
    statuses: [{ id: relId(1), status: 'Declined' }],
  },
];

for (const c of cases) {
  test(`planRelations: ${c.name}`, () => {
    const p = plan(c.input);
    assert.deepEqual(p.insert, c.insert ?? []);
    assert.deepEqual(p.delete, c.delete ?? []);
    assert.deepEqual(p.statuses, c.statuses ?? []);
    assert.equal(p.whoId, c.whoId);
    assert.equal('whoId' in p, c.whoId !== undefined, 'whoId present only when it changes');
    assert.deepEqual(
      p.unresolved.map((u) => [u.attendeeIndex, u.reason, u.count]),
      c.unresolved ?? [],
    );
    assert.equal(p.warnings.length, c.warnings ?? 0);
  });
}

test('planRelations: 50 related contacts at most; the rest reported, still invited users', () => {
  const emails = Array.from({ length: 53 }, (_, i) => `p${String(i).padStart(2, '0')}@client.test`);
  const matches = new Map(emails.map((e, i) => [e, match({ contacts: [contact(i)] })]));
  matches.set(emails[52] as string, match({ users: [user(52)] }));
  const p = plan({ attendees: people(...emails), matches, current: [row(99, contact(99), 'hand@client.test')], currentWhoId: contact(99) });
  const parents = p.insert.filter((i) => i.isParent);
  assert.equal(parents.length, MAX_RELATED_CONTACTS - 1, 'one slot is taken by the hand-related contact');
  assert.deepEqual(
    p.unresolved.map((u) => [u.attendeeIndex, u.reason]),
    [
      [49, 'contact_limit'],
      [50, 'contact_limit'],
      [51, 'contact_limit'],
    ],
  );
  assert.ok(p.insert.some((i) => i.relationId === user(52) && i.isInvitee && !i.isParent), 'the user is still invited');
  assert.equal(p.whoId, undefined, 'the WhoId a rep chose stays');
});

test('planRelations: unresolved messages name positions and counts, never an address', () => {
  const p = plan({ attendees: people(ANN, BOB, CAT), matches: new Map([[BOB, match({ contacts: [contact(1), contact(2)] })]]) });
  assert.deepEqual(p.unresolved.map((u) => u.message), ['attendee 2 of 3 matches 2 contacts; none was related']);
  for (const u of p.unresolved) assert.doesNotMatch(u.message, /@|client/);
});

test('planRelations: attendeeKeys cover attendees and organizer, not the rep, and are salted', () => {
  const p = plan({ attendees: people(ANN, REP), organizer: { email: BOB } });
  assert.deepEqual(p.attendeeKeys, attendeeKeys([BOB, ANN], SALT));
  assert.notDeepEqual(attendeeKeys([ANN], SALT), attendeeKeys([ANN], 'other-salt'));
  assert.deepEqual(attendeeKeys(['  Ann@Client.TEST '], SALT), attendeeKeys([ANN], SALT));
  assert.throws(() => attendeeKeys([ANN], ''), TypeError);
});

test('responsesKey: changes with an answer, not with order or case; none without answers; salted', () => {
  const a = (email: string, response?: Attendee['response']): Attendee => ({ email, type: 'required', ...(response ? { response } : {}) });
  const base = responsesKey([a(ANN, 'accepted'), a(BOB, 'none')], undefined, REP, SALT);
  assert.ok(base);
  assert.equal(responsesKey([a('Bob@Client.test', 'none'), a(ANN, 'accepted')], undefined, REP, SALT), base);
  assert.notEqual(responsesKey([a(ANN, 'declined'), a(BOB, 'none')], undefined, REP, SALT), base);
  assert.notEqual(responsesKey([a(ANN, 'accepted'), a(BOB, 'none')], undefined, REP, 'other-salt'), base);
  assert.equal(responsesKey([a(ANN), a(REP, 'accepted')], undefined, REP, SALT), undefined, "the rep's own answer and missing answers count for nothing");
  assert.doesNotMatch(base, /@|client/);
});

interface ReverseCase {
  name: string;
  rows: EventRelationRow[];
  want: Attendee[];
  warnings?: number;
}

const invitee = (n: number, relationId: string, email: string | undefined, status: string, over: Partial<EventRelationRow> = {}): EventRelationRow =>
  row(n, relationId, email, { isInvitee: true, isParent: false, status, ...over });

const reverse: ReverseCase[] = [
  {
    name: 'statuses map to responses; Maybe is tentative',
    rows: [
      invitee(1, user(1), 'U1@us.test', 'New', { name: 'Una  One', type: 'User' }),
      invitee(2, contact(2), 'c2@client.test', 'Accepted', { type: 'Contact', isParent: true }),
      invitee(3, lead(3), 'l3@client.test', 'Declined', { type: 'Lead' }),
      invitee(4, user(4), 'u4@us.test', 'Maybe'),
    ],
    want: [
      { email: 'c2@client.test', type: 'required', response: 'accepted' },
      { email: 'l3@client.test', type: 'required', response: 'declined' },
      { email: 'u1@us.test', type: 'required', name: 'Una One', response: 'none' },
      { email: 'u4@us.test', type: 'required', response: 'tentative' },
    ],
  },
  {
    name: 'related-only, what, uninvited, owner rows and duplicates are left out',
    rows: [
      row(1, contact(1), 'related@client.test'),
      row(2, '001000000000ACCAAA', undefined, { isWhat: true, isParent: false }),
      invitee(3, user(3), 'gone@us.test', 'Uninvited'),
      invitee(4, REP_USER, 'other-address@us.test', 'New'),
      invitee(5, user(5), REP, 'Accepted'),
      invitee(6, contact(6), 'twice@client.test', 'New'),
      invitee(7, lead(7), 'TWICE@client.test', 'Accepted'),
    ],
    want: [{ email: 'twice@client.test', type: 'required', response: 'none' }],
  },
  {
    name: 'an invitee without an e-mail is left out with a warning; an unknown status has no response',
    rows: [invitee(1, user(1), undefined, 'New'), invitee(2, user(2), 'x@us.test', 'Something')],
    want: [{ email: 'x@us.test', type: 'required' }],
    warnings: 1,
  },
];

for (const c of reverse) {
  test(`attendeesFromRelations: ${c.name}`, () => {
    const r = attendeesFromRelations(c.rows, { ownerEmail: REP, ownerId: REP_USER });
    assert.deepEqual(r.attendees, c.want);
    assert.equal(r.warnings.length, c.warnings ?? 0);
  });
}
