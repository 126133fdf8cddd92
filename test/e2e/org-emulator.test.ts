/**
 * The Salesforce org emulator driven by jsforce, the client the companion uses: JWT bearer login,
 * CRUD, SOQL with paging and relationships, sObject Collections, describe, change feed, limits and
 * injected faults. Raw fetch is used where the exact wire shape is the point.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import jsforce from 'jsforce';
import { startOrg, normalizeId, type ChangeRecord, type OrgEmulator, type OrgOptions, type PlatformEventMessage } from '../../sandbox/salesforce/index.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FORCE_APP = path.join(REPO, 'force-app');
const CLIENT_ID = '3MVG9test.emulator.consumer.key';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicKeyPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();

function jwt(claims: Record<string, unknown>, key: KeyObject = keys.privateKey): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}`;
  return `${body}.${sign('RSA-SHA256', Buffer.from(body), key).toString('base64url')}`;
}

interface TestOrg {
  org: OrgEmulator;
  clock: { t: number };
  adminId: string;
  repId: string;
  token: string;
}

async function startTestOrg(extra: Partial<OrgOptions> = {}): Promise<TestOrg> {
  const clock = { t: Date.UTC(2025, 4, 14, 9, 30, 0) };
  const org = await startOrg({
    forceAppDir: FORCE_APP,
    connectedApp: { clientId: CLIENT_ID, publicKeyPem },
    now: () => clock.t,
    ...extra,
  });
  const adminId = org.addUser({ username: 'admin@org.test', email: 'admin@org.test', firstName: 'Ada', lastName: 'Admin', isAdmin: true });
  const repId = org.addUser({ username: 'rep@org.test', email: 'rep@org.test', firstName: 'Rex', lastName: 'Rep' });
  return { org, clock, adminId, repId, token: org.issueToken(adminId) };
}

const connect = (t: TestOrg, token = t.token, callOptions?: Record<string, string>) =>
  new jsforce.Connection({ instanceUrl: t.org.url, accessToken: token, version: t.org.apiVersion, ...(callOptions ? { callOptions } : {}) });

/** jsforce rejects with HttpApiError; this returns it for assertions. */
async function rejection(p: PromiseLike<unknown>): Promise<{ errorCode?: string; name?: string; message: string; data?: unknown }> {
  try {
    await p;
  } catch (err) {
    return err as { errorCode?: string; name?: string; message: string; data?: unknown };
  }
  assert.fail('expected a rejection');
}

function idOf(r: { success: boolean; id?: string }): string {
  assert.ok(r.success && r.id, JSON.stringify(r));
  return r.id;
}

async function raw(t: TestOrg, method: string, p: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.org.url}${p}`, {
    method,
    headers: { Authorization: `Bearer ${t.token}`, 'Content-Type': 'application/json', ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

const v = (t: TestOrg) => `/services/data/v${t.org.apiVersion}`;

describe('org emulator', () => {
  let t: TestOrg;
  before(async () => {
    t = await startTestOrg();
  });
  after(async () => {
    await t.org.close();
  });

  it('issues real 18-character ids with the case-safe suffix', () => {
    assert.equal(normalizeId('001RM000003oLrH'), '001RM000003oLrHYAU');
    assert.equal(normalizeId('001rm000003olrhyau'), '001RM000003oLrHYAU');
    assert.equal(normalizeId('001RM000003oLrB000'), undefined);
    assert.match(t.adminId, /^005[A-Za-z0-9]{15}$/);
    assert.equal(normalizeId(t.adminId.slice(0, 15)), t.adminId);
  });

  it('lists versions without a session and resources per version', async () => {
    const versions = await fetch(`${t.org.url}/services/data`).then((r) => r.json() as Promise<Array<Record<string, string>>>);
    assert.deepEqual(versions.at(-1), { label: "Summer '24", url: '/services/data/v61.0', version: '61.0' });
    const resources = await raw(t, 'GET', `${v(t)}/`);
    assert.equal((resources.body as Record<string, string>)['query'], `${v(t)}/query`);
    assert.equal((await raw(t, 'GET', '/services/data/v99.0/limits')).status, 404);
    const identity = await connect(t).identity();
    assert.deepEqual([identity.user_id, identity.organization_id, identity.username], [t.adminId, t.org.orgId, 'admin@org.test']);
  });

  describe('OAuth JWT bearer', () => {
    const claims = (over: Record<string, unknown> = {}) => ({
      iss: CLIENT_ID,
      sub: 'rep@org.test',
      aud: 'https://login.salesforce.com',
      exp: Math.floor(t.clock.t / 1000) + 180,
      ...over,
    });

    it('logs in with jsforce and works as that user', async () => {
      const conn = new jsforce.Connection({ loginUrl: t.org.loginUrl, version: t.org.apiVersion });
      const info = await conn.authorize({ grant_type: JWT_BEARER, assertion: jwt(claims()) });
      assert.equal(info.id, t.repId);
      assert.equal(info.organizationId, t.org.orgId);
      assert.equal(conn.instanceUrl, t.org.url);
      assert.equal(t.org.authenticate(conn.accessToken ?? ''), t.repId);
      const created = await conn.sobject('Contact').create({ LastName: 'Owned' });
      assert.ok(created.success);
      const rec = await conn.sobject('Contact').retrieve(created.id);
      assert.equal(rec['OwnerId'], t.repId);
      assert.equal(rec['CreatedById'], t.repId);
    });

    it('answers a token request with the documented body and no refresh token', async () => {
      const res = await fetch(`${t.org.loginUrl}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: JWT_BEARER, assertion: jwt(claims({ aud: t.org.loginUrl })) }),
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ['access_token', 'id', 'instance_url', 'scope', 'token_type']);
      assert.equal(body['token_type'], 'Bearer');
      assert.equal(body['id'], `${t.org.url}/id/${t.org.orgId}/${t.repId}`);
    });

    it('rejects bad assertions with Salesforce error bodies', async () => {
      const cases: Array<[string, string, string]> = [
        [jwt(claims(), otherKeys.privateKey), 'invalid_grant', 'invalid assertion'],
        [jwt(claims({ sub: 'nobody@org.test' })), 'invalid_grant', "user hasn't approved this consumer"],
        [jwt(claims({ iss: 'someone-else' })), 'invalid_client_id', 'client identifier invalid'],
        [jwt(claims({ aud: 'https://evil.example' })), 'invalid_grant', 'audience is invalid'],
        [jwt(claims({ exp: Math.floor(t.clock.t / 1000) - 1 })), 'invalid_grant', 'expired authorization code'],
        ['not-a-jwt', 'invalid_grant', 'invalid assertion'],
      ];
      for (const [assertion, error, description] of cases) {
        const res = await fetch(`${t.org.loginUrl}/services/oauth2/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }),
        });
        assert.equal(res.status, 400);
        assert.deepEqual(await res.json(), { error, error_description: description });
      }
      const conn = new jsforce.Connection({ loginUrl: t.org.loginUrl, version: t.org.apiVersion });
      const err = await rejection(conn.authorize({ grant_type: JWT_BEARER, assertion: jwt(claims(), otherKeys.privateKey) }));
      assert.equal(err.name, 'invalid_grant');
      assert.equal(err.message, 'invalid assertion');
    });

    it('expires tokens after tokenTtlSeconds with 401 INVALID_SESSION_ID', async () => {
      const token = t.org.issueToken(t.repId);
      const conn = connect(t, token);
      await conn.query('SELECT Id FROM User');
      t.clock.t += 7200 * 1000;
      try {
        const err = await rejection(conn.query('SELECT Id FROM User'));
        assert.equal(err.errorCode, 'INVALID_SESSION_ID');
        const res = await fetch(`${t.org.url}${v(t)}/limits`, { headers: { Authorization: `OAuth ${token}` } });
        assert.equal(res.status, 401);
        assert.deepEqual(await res.json(), [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
        assert.equal(t.org.authenticate(token), undefined);
      } finally {
        t.clock.t -= 7200 * 1000;
        t.token = t.org.issueToken(t.adminId);
      }
    });
  });

  describe('records over REST', () => {
    it('creates, reads with fields, updates, deletes', async () => {
      const conn = connect(t);
      const acct = await conn.sobject('Account').create({ Name: 'Acme' });
      const c = await conn.sobject('Contact').create({ FirstName: 'Grace', LastName: 'Hopper', Email: 'grace@acme.example', AccountId: acct.id, Birthdate: '1906-12-09' });
      assert.ok(c.success);
      assert.match(c.id, /^003/);
      const full = await conn.sobject('Contact').retrieve(c.id);
      assert.equal(full['Name'], 'Grace Hopper');
      assert.equal(full['Birthdate'], '1906-12-09');
      assert.match(String(full['SystemModstamp']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$/);
      const res = await raw(t, 'GET', `${v(t)}/sobjects/Contact/${c.id}?fields=LastName,Email`);
      assert.deepEqual(res.body, {
        attributes: { type: 'Contact', url: `${v(t)}/sobjects/Contact/${c.id}` },
        LastName: 'Hopper',
        Email: 'grace@acme.example',
      });
      await conn.sobject('Contact').update({ Id: c.id, Title: 'Rear Admiral' });
      assert.equal((await conn.sobject('Contact').retrieve(c.id))['Title'], 'Rear Admiral');
      await conn.sobject('Contact').destroy(c.id);
      const gone = await raw(t, 'GET', `${v(t)}/sobjects/Contact/${c.id}`);
      assert.equal(gone.status, 404);
      assert.deepEqual(gone.body, [{ message: 'entity is deleted', errorCode: 'ENTITY_IS_DELETED' }]);
    });

    it('answers unknown and malformed ids like Salesforce', async () => {
      const missing = await raw(t, 'GET', `${v(t)}/sobjects/Contact/003Hs000000ZZZZ`);
      assert.deepEqual([missing.status, missing.body], [404, [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]]);
      const wrongType = await raw(t, 'PATCH', `${v(t)}/sobjects/Contact/${t.adminId}`, { Title: 'x' });
      assert.equal(wrongType.status, 400);
      assert.deepEqual(wrongType.body, [{ message: `Contact ID: id value of incorrect type: ${t.adminId}`, errorCode: 'MALFORMED_ID', fields: ['Id'] }]);
      const unknownType = await raw(t, 'GET', `${v(t)}/sobjects/Nope__c/describe`);
      assert.equal(unknownType.status, 404);
    });

    it('validates fields with Salesforce codes and messages', async () => {
      const post = (body: unknown) => raw(t, 'POST', `${v(t)}/sobjects/Contact`, body);
      const long = 'x'.repeat(81);
      assert.deepEqual((await post({ FirstName: 'No last name' })).body, [
        { message: 'Required fields are missing: [LastName]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName'] },
      ]);
      assert.deepEqual((await post({ LastName: long })).body, [
        { message: `Last Name: data value too large: ${long} (max length=80)`, errorCode: 'STRING_TOO_LONG', fields: ['LastName'] },
      ]);
      assert.deepEqual((await post({ LastName: 'A', Email: 'not-an-email' })).body, [
        { message: 'Email: invalid email address: not-an-email', errorCode: 'INVALID_EMAIL_ADDRESS', fields: ['Email'] },
      ]);
      assert.deepEqual((await post({ LastName: 'A', Shoe_Size__c: 44 })).body, [
        { message: "No such column 'Shoe_Size__c' on sobject of type Contact", errorCode: 'INVALID_FIELD' },
      ]);
      const readOnly = (await post({ LastName: 'A', Name: 'A B' })).body as Array<Record<string, unknown>>;
      assert.equal(readOnly[0]?.['errorCode'], 'INVALID_FIELD_FOR_INSERT_UPDATE');
      assert.deepEqual(readOnly[0]?.['fields'], ['Name']);
      const badDate = await post({ LastName: 'A', Birthdate: '2024-02-30' });
      assert.equal(badDate.status, 400);
      assert.deepEqual(badDate.body, [
        {
          message: 'Cannot deserialize instance of date from VALUE_STRING value 2024-02-30 or request may be missing a required field at [line:1, column:29]',
          errorCode: 'JSON_PARSER_ERROR',
        },
      ]);
      const wrongLookup = (await post({ LastName: 'A', AccountId: t.repId })).body as Array<Record<string, unknown>>;
      assert.equal(wrongLookup[0]?.['errorCode'], 'FIELD_INTEGRITY_EXCEPTION');
      const ghost = (await post({ LastName: 'A', AccountId: '001Hs0000000ZZZ' })).body as Array<Record<string, unknown>>;
      assert.deepEqual(ghost, [{ message: 'invalid cross reference id', errorCode: 'INVALID_CROSS_REFERENCE_KEY', fields: [] }]);
      assert.throws(() => t.org.insert('Contact', { FirstName: 'x' }, t.adminId), { errorCode: 'REQUIRED_FIELD_MISSING' });
    });

    it('validates custom objects learned from force-app', async () => {
      const conn = connect(t);
      const bad = await raw(t, 'POST', `${v(t)}/sobjects/Sync_Configuration__c`, { Name: 'Bad', Contacts_Direction__c: 'Sideways' });
      assert.equal((bad.body as Array<Record<string, unknown>>)[0]?.['errorCode'], 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
      const cfg = await conn.sobject('Sync_Configuration__c').create({ Name: 'Everyone', Active__c: true, Priority__c: 1 });
      assert.ok(cfg.success);
      const asg = await conn.sobject('Sync_Assignment__c').create({ Sync_Configuration__c: cfg.id, User__c: t.repId });
      const rec = await conn.sobject('Sync_Assignment__c').retrieve(idOf(asg));
      assert.match(String(rec['Name']), /^A-\d{5}$/);
      assert.equal(rec['OwnerId'], undefined, 'a master-detail child has no owner');
      const missingMaster = await raw(t, 'POST', `${v(t)}/sobjects/Sync_Assignment__c`, { User__c: t.repId });
      assert.deepEqual((missingMaster.body as Array<Record<string, unknown>>)[0]?.['fields'], ['Sync_Configuration__c']);
    });
  });

  describe('describe', () => {
    it('describes Contact with real lengths and relationships', async () => {
      const d = await connect(t).sobject('Contact').describe();
      const field = (n: string) => d.fields.find((f) => f.name === n);
      assert.equal(d.keyPrefix, '003');
      assert.deepEqual([field('LastName')?.length, field('LastName')?.nillable, field('LastName')?.createable], [80, false, true]);
      assert.deepEqual([field('Name')?.createable, field('Name')?.updateable], [false, false]);
      assert.deepEqual([field('Email')?.type, field('Email')?.length], ['email', 80]);
      assert.deepEqual([field('Title')?.length, field('MailingPostalCode')?.length, field('Description')?.length], [128, 20, 32000]);
      assert.deepEqual(field('AccountId')?.referenceTo, ['Account']);
      assert.equal(field('AccountId')?.relationshipName, 'Account');
      assert.equal(field('OwnerId')?.relationshipName, 'Owner');
      const global = await connect(t).describeGlobal();
      assert.ok(global.sobjects.some((s) => s.name === 'Sync_User_Status__c' && s.custom));
    });

    it('describes custom objects from force-app', async () => {
      const d = await connect(t).sobject('Sync_Assignment__c').describe();
      const field = (n: string) => d.fields.find((f) => f.name === n);
      assert.match(d.keyPrefix ?? '', /^a0[0-9a-z]$/);
      assert.deepEqual(field('User__c')?.referenceTo, ['User']);
      assert.equal(field('User__c')?.relationshipName, 'User__r');
      assert.equal(field('Name')?.autoNumber, true);
      assert.ok(t.org.cdcEntities.includes('Contact'), 'the PlatformEventChannelMember in force-app switches on Contact CDC');
      const status = await connect(t).sobject('Sync_Configuration__c').describe();
      const direction = status.fields.find((f) => f.name === 'Contacts_Direction__c');
      assert.equal(direction?.type, 'picklist');
      assert.ok(direction?.picklistValues?.some((p) => p.value === 'Both' && p.defaultValue));
    });

    it('learns any force-app tree, including field types the repo does not use yet', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'force-app-'));
      try {
        const objDir = path.join(dir, 'main', 'default', 'objects', 'Gadget__c');
        mkdirSync(path.join(objDir, 'fields'), { recursive: true });
        writeFileSync(
          path.join(objDir, 'Gadget__c.object-meta.xml'),
          `<?xml version="1.0"?><CustomObject xmlns="http://soap.sforce.com/2006/04/metadata"><label>Gadget</label><pluralLabel>Gadgets</pluralLabel><nameField><label>Gadget Name</label><type>Text</type></nameField><sharingModel>ReadWrite</sharingModel></CustomObject>`,
        );
        const fieldXml = (name: string, inner: string) =>
          writeFileSync(path.join(objDir, 'fields', `${name}.field-meta.xml`), `<?xml version="1.0"?><CustomField xmlns="http://soap.sforce.com/2006/04/metadata"><fullName>${name}</fullName>${inner}</CustomField>`);
        fieldXml('Weight__c', '<label>Weight</label><type>Number</type><precision>5</precision><scale>2</scale>');
        fieldXml('Ready__c', '<label>Ready</label><type>Checkbox</type><defaultValue>true</defaultValue>');
        fieldXml('Due__c', '<label>Due</label><type>DateTime</type>');
        fieldXml('Notes__c', '<label>Notes</label><type>LongTextArea</type><length>1000</length><visibleLines>3</visibleLines>');
        fieldXml('Contact__c', '<label>Contact</label><type>Lookup</type><referenceTo>Contact</referenceTo><relationshipName>Gadgets</relationshipName>');
        const eventDir = path.join(dir, 'main', 'default', 'objects', 'Ping__e');
        mkdirSync(path.join(eventDir, 'fields'), { recursive: true });
        writeFileSync(
          path.join(eventDir, 'Ping__e.object-meta.xml'),
          `<?xml version="1.0"?><CustomObject xmlns="http://soap.sforce.com/2006/04/metadata"><label>Ping</label><pluralLabel>Pings</pluralLabel><eventType>HighVolume</eventType><publishBehavior>PublishAfterCommit</publishBehavior></CustomObject>`,
        );
        writeFileSync(
          path.join(eventDir, 'fields', 'Message__c.field-meta.xml'),
          `<?xml version="1.0"?><CustomField xmlns="http://soap.sforce.com/2006/04/metadata"><fullName>Message__c</fullName><label>Message</label><type>Text</type><length>20</length></CustomField>`,
        );
        const other = await startOrg({ forceAppDir: dir, connectedApp: { clientId: CLIENT_ID, publicKeyPem } });
        try {
          const user = other.addUser({ username: 'u@gadget.test', email: 'u@gadget.test', lastName: 'U' });
          const contactId = other.insert('Contact', { LastName: 'Owner' }, user);
          const id = other.insert('Gadget__c', { Weight__c: '12.345', Due__c: '2025-01-02T03:04:05.678+02:00', Contact__c: contactId }, user);
          const [g] = other.records('Gadget__c');
          assert.deepEqual(
            [g?.['Id'], g?.['Name'], g?.['Weight__c'], g?.['Ready__c'], g?.['Due__c']],
            [id, id, 12.35, true, '2025-01-02T01:04:05.000+0000'],
          );
          assert.throws(() => other.insert('Gadget__c', { Weight__c: 1000 }, user), { errorCode: 'NUMBER_OUTSIDE_VALID_RANGE' });
          const conn = new jsforce.Connection({ instanceUrl: other.url, accessToken: other.issueToken(user), version: other.apiVersion });
          const rows = await conn.query(`SELECT Name, Contact__r.LastName FROM Gadget__c WHERE Ready__c = true AND Due__c > 2025-01-01T00:00:00Z`);
          assert.deepEqual(rows.records.map((r) => (r['Contact__r'] as Record<string, unknown>)['LastName']), ['Owner']);

          assert.deepEqual(other.platformEvents, ['Ping__e']);
          const published: PlatformEventMessage[] = [];
          other.changes.on('platformEvent', (m: PlatformEventMessage) => published.push(m));
          const pub = (await conn.sobject('Ping__e').create({ Message__c: 'hello' })) as unknown as { id: string; success: boolean; errors: Array<{ statusCode: string; message: string }> };
          assert.match(pub.id, /^e00/);
          assert.equal(pub.errors[0]?.statusCode, 'OPERATION_ENQUEUED');
          assert.equal(published.length, 1);
          assert.equal(published[0]?.eventName, 'Ping__e');
          assert.equal(published[0]?.fields['Message__c'], 'hello');
          assert.equal(published[0]?.fields['EventUuid'], pub.errors[0]?.message);
          assert.equal(published[0]?.fields['CreatedById'], user);
          const tooLong = await rejection(conn.sobject('Ping__e').create({ Message__c: 'x'.repeat(21) }));
          assert.equal(tooLong.errorCode, 'STRING_TOO_LONG');
          assert.equal(published.length, 1);
        } finally {
          await other.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('SOQL', () => {
    let acctId: string;
    let withAccount: string;
    let orphan: string;
    before(() => {
      acctId = t.org.insert('Account', { Name: 'Globex' }, t.adminId);
      withAccount = t.org.insert('Contact', { FirstName: 'Hank', LastName: 'Scorpio', Email: 'hank@globex.example', AccountId: acctId, Birthdate: '1960-05-01', OwnerId: t.repId }, t.adminId);
      orphan = t.org.insert('Contact', { LastName: "O'Brien", Title: '100% Owner' }, t.adminId);
    });

    it('returns parent relationship fields nested, or null', async () => {
      const conn = connect(t);
      const res = await conn.query(`SELECT Id, Name, Account.Name, Owner.Email FROM Contact WHERE Id IN ('${withAccount}', '${orphan.slice(0, 15)}') ORDER BY LastName DESC`);
      assert.equal(res.totalSize, 2);
      assert.deepEqual(res.records[0], {
        attributes: { type: 'Contact', url: `${v(t)}/sobjects/Contact/${withAccount}` },
        Id: withAccount,
        Name: 'Hank Scorpio',
        Account: { attributes: { type: 'Account', url: `${v(t)}/sobjects/Account/${acctId}` }, Name: 'Globex' },
        Owner: { attributes: { type: 'User', url: `${v(t)}/sobjects/User/${t.repId}` }, Email: 'rep@org.test' },
      });
      assert.equal(res.records[1]?.['Account'], null);
    });

    it('filters with operators, literals and logic', async () => {
      const conn = connect(t);
      const names = async (where: string) =>
        (await conn.query(`SELECT LastName FROM Contact WHERE ${where} ORDER BY LastName`)).records.map((r) => r['LastName']);
      assert.deepEqual(await names(`LastName = 'scorpio'`), ['Scorpio']);
      assert.deepEqual(await names(`LastName = 'O\\'Brien'`), ["O'Brien"]);
      assert.deepEqual(await names(`Title LIKE '100\\% %' AND Email = null`), ["O'Brien"]);
      assert.deepEqual(await names(`(Birthdate < 1970-01-01 OR Title != null) AND NOT LastName LIKE 'Z%'`), ["O'Brien", 'Scorpio']);
      assert.deepEqual(await names(`Account.Name IN ('Globex', 'Initech') AND Owner.IsActive = true`), ['Scorpio']);
      assert.deepEqual(await names(`LastName NOT IN ('Scorpio') AND Id = '${orphan}'`), ["O'Brien"]);
      assert.deepEqual(await names(`CreatedDate = TODAY AND CreatedDate > LAST_N_DAYS:2 AND Id = '${orphan}'`), []);
      assert.deepEqual(await names(`CreatedDate = TODAY AND Id = '${orphan}'`), ["O'Brien"]);
      const count = await conn.query(`SELECT COUNT() FROM Contact WHERE AccountId = '${acctId}'`);
      assert.deepEqual([count.totalSize, count.records], [1, []]);
      const page = await conn.query(`SELECT LastName FROM Contact WHERE Id IN ('${orphan}','${withAccount}') ORDER BY Birthdate ASC NULLS LAST LIMIT 1 OFFSET 1`);
      assert.deepEqual(page.records.map((r) => r['LastName']), ["O'Brien"]);
    });

    it('rejects bad queries with Salesforce codes and pointers', async () => {
      const conn = connect(t);
      const cases: Array<[string, string, RegExp]> = [
        ['SELECT Id FROM Contact WHERE', 'MALFORMED_QUERY', /ERROR at Row:1:Column:29\nunexpected token: <EOF>$/],
        ['SELECT Id, Shoe__c FROM Contact', 'INVALID_FIELD', /^\nSELECT Id, Shoe__c FROM Contact\n {11}\^\nERROR at Row:1:Column:12\nNo such column 'Shoe__c' on entity 'Contact'\. If you are attempting/],
        ['SELECT Id FROM Widget__c', 'INVALID_TYPE', /sObject type 'Widget__c' is not supported\./],
        ['SELECT Foo__r.Name FROM Contact', 'INVALID_FIELD', /Didn't understand relationship 'Foo__r' in field path/],
        ["SELECT Id FROM Contact WHERE LastName = 'a' AND Title = 'b' OR Email = null", 'MALFORMED_QUERY', /unexpected token: 'OR'/],
        ["SELECT Id FROM Contact WHERE Birthdate = '2020-01-01'", 'INVALID_FIELD', /must be of type date and should not be enclosed in quotes/],
        ["SELECT Id FROM Contact WHERE AccountId = 'nope'", 'INVALID_QUERY_FILTER_OPERATOR', /invalid ID field: nope/],
      ];
      for (const [soql, code, message] of cases) {
        const err = await rejection(conn.query(soql));
        assert.equal(err.errorCode, code, soql);
        assert.match(err.message, message, soql);
      }
    });

    it('pages through more than 2000 records with nextRecordsUrl', async () => {
      for (let i = 0; i < 2101; i++) t.org.insert('Contact', { LastName: `Bulk${String(i).padStart(4, '0')}` }, t.adminId);
      const conn = connect(t);
      t.org.counter.reset();
      const all = await conn.query(`SELECT Id, LastName FROM Contact WHERE LastName LIKE 'Bulk%' ORDER BY LastName`).execute({ autoFetch: true, maxFetch: 5000 });
      assert.equal(all.totalSize, 2101);
      assert.equal(all.records.length, 2101);
      assert.equal(all.records[2100]?.['LastName'], 'Bulk2100');
      assert.deepEqual(t.org.counter.snapshot(), {
        'GET /services/data/v*/query': 1,
        'GET /services/data/v*/query/{locator}': 1,
      });
      const first = await raw(t, 'GET', `${v(t)}/query?q=${encodeURIComponent("SELECT Id FROM Contact WHERE LastName LIKE 'Bulk%'")}`, undefined, {
        'Sforce-Query-Options': 'batchSize=500',
      });
      const body = first.body as { totalSize: number; done: boolean; nextRecordsUrl: string; records: unknown[] };
      assert.deepEqual([body.totalSize, body.done, body.records.length], [2101, false, 500]);
      assert.match(body.nextRecordsUrl, new RegExp(`^${v(t).replace(/\./g, '\\.')}/query/01g[A-Za-z0-9]{15}-500$`));
      const more = await conn.queryMore(body.nextRecordsUrl);
      assert.deepEqual([more.records.length, more.done], [500, false]);
      const bogus = await raw(t, 'GET', `${v(t)}/query/01gHs0000000001AAA-500`);
      assert.deepEqual(bogus.body, [{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }]);
    });
  });

  describe('sObject Collections', () => {
    it('creates, updates and deletes with per-record failures isolated', async () => {
      const conn = connect(t);
      const created = await conn.sobject('Contact').create([{ LastName: 'One' }, { FirstName: 'Nameless' }, { LastName: 'Three' }]);
      assert.equal(created.length, 3);
      assert.ok(created[0]?.success && created[2]?.success);
      assert.deepEqual(created[1], {
        success: false,
        errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [LastName]', fields: ['LastName'] }],
      });
      const [one, , three] = created as Array<{ id: string }>;
      const updated = await conn.sobject('Contact').update([
        { Id: one!.id, Title: 'First' },
        { Id: three!.id, Email: 'broken' },
      ]);
      assert.deepEqual(updated[0], { id: one!.id, success: true, errors: [] });
      assert.equal(updated[1]?.success, false);
      // jsforce types SaveError with errorCode; the wire (and Salesforce) says statusCode.
      assert.equal((updated[1] as unknown as { errors: Array<{ statusCode: string }> }).errors[0]?.statusCode, 'INVALID_EMAIL_ADDRESS');
      assert.equal(t.org.records('Contact').find((c) => c['Id'] === one!.id)?.['Title'], 'First');
      const deleted = await conn.sobject('Contact').destroy([one!.id, 'garbage', one!.id]);
      assert.deepEqual(deleted[0], { id: one!.id, success: true, errors: [] });
      assert.deepEqual(deleted[1], { success: false, errors: [{ statusCode: 'MALFORMED_ID', message: 'malformed id garbage', fields: [] }] });
      assert.equal((deleted[2] as unknown as { errors: Array<{ statusCode: string }> }).errors[0]?.statusCode, 'ENTITY_IS_DELETED');
      const soql = `SELECT Id, IsDeleted FROM Contact WHERE Id = '${one!.id}'`;
      assert.equal((await conn.query(soql)).totalSize, 0);
      assert.deepEqual((await conn.query(soql).scanAll(true)).records.map((r) => r['IsDeleted']), [true]);
      const fetched = await conn.sobject('Contact').retrieve([three!.id, one!.id], { fields: ['LastName'] });
      assert.equal(fetched[0]?.['LastName'], 'Three');
      assert.equal(fetched[1], null);
    });

    it('upserts by external id, one at a time and as a collection', async () => {
      const conn = connect(t);
      const statuses = conn.sobject('Sync_User_Status__c');
      const first = await statuses.upsert([{ User_Key__c: t.repId, State__c: 'Idle' }, { User_Key__c: t.adminId, State__c: 'Syncing' }], 'User_Key__c');
      assert.deepEqual(first.map((r) => [r.success, (r as { created?: boolean }).created]), [[true, true], [true, true]]);
      const again = await statuses.upsert({ User_Key__c: t.repId, State__c: 'Error', Last_Error_Code__c: 'E1' }, 'User_Key__c');
      assert.deepEqual(again, { id: idOf(first[0]!), success: true, errors: [], created: false });
      const byKey = await raw(t, 'GET', `${v(t)}/sobjects/Sync_User_Status__c/User_Key__c/${t.repId}`);
      assert.equal((byKey.body as Record<string, unknown>)['State__c'], 'Error');
      const notExternal = await raw(t, 'PATCH', `${v(t)}/composite/sobjects/Sync_User_Status__c/State__c`, { records: [] });
      assert.deepEqual(notExternal.body, [
        { message: 'Field name provided, State__c is not an External ID or indexed field for Sync_User_Status__c', errorCode: 'INVALID_FIELD' },
      ]);
      const dup = await statuses.upsert([{ User_Key__c: 'k1' }, { User_Key__c: 'K1' }], 'User_Key__c');
      assert.equal((dup[0] as unknown as { errors: Array<{ statusCode: string }> }).errors[0]?.statusCode, 'DUPLICATE_EXTERNAL_ID');
    });

    it('rejects more than 200 records in one call', async () => {
      const records = Array.from({ length: 201 }, (_, i) => ({ attributes: { type: 'Contact' }, LastName: `Over${i}` }));
      const before = t.org.records('Contact').length;
      const res = await raw(t, 'POST', `${v(t)}/composite/sobjects`, { allOrNone: false, records });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, [{ message: 'record limit reached. cannot submit more than 200 records into this call', errorCode: 'EXCEEDED_ID_LIMIT' }]);
      const err = await rejection(connect(t).sobject('Contact').create(records.map(({ attributes: _a, ...r }) => r)));
      assert.equal(err.errorCode, 'EXCEEDED_ID_LIMIT');
      assert.equal(t.org.records('Contact').length, before);
    });

    it('rolls everything back under allOrNone', async () => {
      const seen: ChangeRecord[] = [];
      const listener = (r: ChangeRecord) => seen.push(r);
      t.org.changes.on('change', listener);
      try {
        const before = t.org.records('Contact').length;
        const results = await connect(t).sobject('Contact').create([{ LastName: 'Keep?' }, { Email: 'x@y.example' }], { allOrNone: true });
        assert.deepEqual(results[0], {
          success: false,
          errors: [
            {
              statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
              message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
              fields: [],
            },
          ],
        });
        assert.equal((results[1] as unknown as { errors: Array<{ statusCode: string }> }).errors[0]?.statusCode, 'REQUIRED_FIELD_MISSING');
        assert.equal(t.org.records('Contact').length, before);
        assert.deepEqual(seen, []);
      } finally {
        t.org.changes.off('change', listener);
      }
    });
  });

  describe('change feed', () => {
    it('reports commits with changeOrigin, owner and changed fields; merges identical changes', async () => {
      const seen: ChangeRecord[] = [];
      const listener = (r: ChangeRecord) => seen.push(r);
      t.org.changes.on('change', listener);
      try {
        const conn = connect(t, t.org.issueToken(t.repId), { client: 'syncline' });
        const id = idOf(await conn.sobject('Contact').create({ FirstName: 'Echo', LastName: 'Test', OwnerId: t.repId }));
        t.clock.t += 1000;
        await conn.sobject('Contact').update({ Id: id, Title: 'CTO', FirstName: null });
        const extra = t.org.insert('Contact', { LastName: 'Echo2' }, t.adminId);
        await connect(t).sobject('Contact').destroy([id, extra]);
        assert.deepEqual(seen.map((s) => [s.changeType, s.recordIds.length]), [['CREATE', 1], ['UPDATE', 1], ['CREATE', 1], ['DELETE', 2]]);
        const [create, update, apiCreate, del] = seen as [ChangeRecord, ChangeRecord, ChangeRecord, ChangeRecord];
        assert.equal(create.changeOrigin, `com/salesforce/api/rest/${t.org.apiVersion};client=syncline`);
        assert.equal(create.commitUser, t.repId);
        assert.deepEqual(create.changedFields, []);
        assert.equal(create.fields['OwnerId'], t.repId);
        assert.equal(create.fields['LastName'], 'Test');
        assert.equal(create.fields['SystemModstamp'], undefined);
        assert.deepEqual(update.changedFields, ['Title', 'FirstName', 'LastModifiedDate']);
        assert.deepEqual(update.nulledFields, ['FirstName']);
        assert.deepEqual(update.fields, { Title: 'CTO', LastModifiedDate: new Date(t.clock.t).toISOString() });
        assert.equal(apiCreate.changeOrigin, '');
        assert.deepEqual(del.recordIds, [id, extra]);
        assert.equal(del.changeOrigin, `com/salesforce/api/rest/${t.org.apiVersion}`);
        assert.ok(update.commitNumber > create.commitNumber);
        assert.notEqual(update.transactionKey, create.transactionKey);
      } finally {
        t.org.changes.off('change', listener);
        t.clock.t -= 1000;
      }
    });
  });

  describe('faults and counting', () => {
    it('shows an injected 503 to jsforce: its retry recovers, a request without retries fails', async () => {
      const conn = connect(t);
      t.org.counter.reset();
      t.org.faults.add({ match: '/query$', status: 503, count: 1 });
      const ok = await conn.query('SELECT Id FROM User');
      assert.ok(ok.totalSize >= 3);
      assert.equal(t.org.counter.get('GET /services/data/v*/query'), 2, 'jsforce retried once after the 503');
      t.org.faults.add({ match: '/limits$', status: 503, count: 1 });
      const err = await rejection(conn.request(`${v(t)}/limits`, { retry: { maxRetries: 0 } }));
      assert.equal(err.errorCode, 'SERVER_UNAVAILABLE');
    });

    it('counts per endpoint with ids and versions normalised', async () => {
      const conn = connect(t);
      t.org.counter.reset();
      const id = idOf(await conn.sobject('Contact').create({ LastName: 'Counted' }));
      await conn.sobject('Contact').retrieve(id);
      await conn.sobject('Contact').update([{ Id: id, Title: 'x' }]);
      assert.deepEqual(t.org.counter.snapshot(), {
        'GET /services/data/v*/sobjects/Contact/{id}': 1,
        'PATCH /services/data/v*/composite/sobjects': 1,
        'POST /services/data/v*/sobjects/Contact': 1,
      });
    });
  });
});

describe('daily API limit', () => {
  let t: TestOrg;
  before(async () => {
    t = await startTestOrg({ dailyApiLimit: 4 });
  });
  after(async () => {
    await t.org.close();
  });

  it('reports usage on every response and refuses calls past the allocation', async () => {
    const first = await raw(t, 'GET', `${v(t)}/limits`);
    assert.equal(first.headers.get('sforce-limit-info'), 'api-usage=1/4');
    assert.deepEqual((first.body as Record<string, unknown>)['DailyApiRequests'], { Max: 4, Remaining: 3 });
    const conn = connect(t);
    await conn.sobject('Contact').create([{ LastName: 'A' }, { LastName: 'B' }]);
    await conn.query('SELECT Id FROM Contact');
    await conn.query('SELECT Id FROM Contact');
    const refused = await raw(t, 'GET', `${v(t)}/limits`);
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    assert.equal(refused.headers.get('sforce-limit-info'), 'api-usage=4/4');
    const err = await rejection(conn.query('SELECT Id FROM Contact'));
    assert.equal(err.errorCode, 'REQUEST_LIMIT_EXCEEDED');
    assert.deepEqual(conn.limitInfo, { apiUsage: { used: 4, limit: 4 } });
    t.clock.t += 24 * 3600 * 1000 + 60_000;
    t.token = t.org.issueToken(t.adminId);
    const nextDay = await raw(t, 'GET', `${v(t)}/limits`);
    assert.equal(nextDay.headers.get('sforce-limit-info'), 'api-usage=1/4');
  });
});
