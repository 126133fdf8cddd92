/**
 * The org emulator's EventRelation rule for private events, driven by plain jsforce: a private
 * event can be related to no contact, lead or record, whether through WhoId/WhatId or through an
 * EventRelation row that stands for them (IsParent / IsWhat). Invitees are still allowed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import jsforce from 'jsforce';
import { startOrg, type OrgEmulator } from '../../sandbox/salesforce/index.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const publicKeyPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

type SaveResult = { success: boolean; id?: string; errors: Array<{ statusCode?: string; message: string; fields?: string[] }> };

describe('org emulator: relations of private events', () => {
  let org: OrgEmulator;
  let conn: jsforce.Connection;
  let rep: string;
  let colleague: string;

  before(async () => {
    org = await startOrg({ forceAppDir: path.join(REPO, 'force-app'), connectedApp: { clientId: 'relations', publicKeyPem } });
    rep = org.addUser({ username: 'rep@relations.test', email: 'rep@relations.test', lastName: 'Rep', isAdmin: true });
    colleague = org.addUser({ username: 'peer@relations.test', email: 'peer@relations.test', lastName: 'Peer' });
    conn = new jsforce.Connection({ instanceUrl: org.url, accessToken: org.issueToken(rep), version: org.apiVersion });
  });
  after(async () => {
    await org.close();
  });

  const create = async (type: string, fields: Record<string, unknown>): Promise<SaveResult> =>
    ((await conn.sobject(type).create([fields], { allOrNone: false })) as SaveResult[])[0] as SaveResult;

  it('refuses IsParent and What rows on a private event, inserted or updated, and allows invitees', async () => {
    const contact = (await create('Contact', { LastName: 'Lovelace', Email: 'ada@acme.test' })).id as string;
    const account = (await create('Account', { Name: 'Acme' })).id as string;
    const event = (await create('Event', { Subject: 'Private', StartDateTime: '2025-06-02T08:00:00Z', DurationInMinutes: 30, IsPrivate: true })).id as string;

    for (const fields of [
      { RelationId: contact, IsParent: true },
      { RelationId: account, IsParent: false },
    ]) {
      const r = await create('EventRelation', { EventId: event, ...fields });
      assert.equal(r.success, false, `refused: ${JSON.stringify(fields)}`);
      assert.equal(r.errors[0]?.statusCode, 'FIELD_INTEGRITY_EXCEPTION');
      assert.equal(r.errors[0]?.message, "Private events can't be related to contacts, leads, or other records.");
    }
    const invitee = await create('EventRelation', { EventId: event, RelationId: colleague });
    assert.equal(invitee.success, true, 'an invitee is not a relation to a record');
    const inviteeContact = await create('EventRelation', { EventId: event, RelationId: contact, IsParent: false });
    assert.equal(inviteeContact.success, true, 'nor is a contact invited without being related');
    await assert.rejects(
      conn.sobject('EventRelation').update({ Id: inviteeContact.id as string, IsParent: true }),
      (err: Error) => err.name === 'FIELD_INTEGRITY_EXCEPTION',
      'turning the row into a relation is refused too',
    );
  });
});
