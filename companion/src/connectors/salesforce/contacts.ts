/**
 * Contact reads (as the integration user) and writes (as the rep, through sObject Collections).
 */
import type { ContactFields, MappingWarning } from '../../core/contact.ts';
import { fromSalesforceContact, toSalesforceContact, type SalesforceContactRecord } from '../../core/salesforce-contact.ts';
import { CONTACT_SOQL_FIELDS } from '../../core/sf-schema.ts';
import type { Log } from '../../ports/log.ts';
import type { ContactUpdate, SalesforceContact } from '../../ports/salesforce.ts';
import type { Actor, SalesforceApi } from './api.ts';
import {
  actorOrFail,
  confirmGone,
  IN_CLAUSE_IDS,
  itemFailure,
  runCollections,
  withWarnings,
  type CollectionTarget,
  type Pending,
  type SalesforceWriteResult,
} from './collections.ts';
import { classify, describeRequestError, safeCode, SalesforceApiError } from './errors.ts';
import { chunk, chunkByLength, isSalesforceId, soqlIdList, soqlString } from './soql.ts';

export type { SalesforceWriteResult } from './collections.ts';

const ACCOUNT_NAME_BUDGET = 6000;

const SELECT_CONTACT = `SELECT ${CONTACT_SOQL_FIELDS.join(', ')} FROM Contact`;

type ContactRow = SalesforceContactRecord & Record<string, unknown>;

function toSideItem(row: ContactRow): SalesforceContact | undefined {
  if (!isSalesforceId(row.Id)) return undefined;
  const { fields, warnings } = fromSalesforceContact(row);
  return {
    id: row.Id,
    version: typeof row.SystemModstamp === 'string' ? row.SystemModstamp : '',
    ...(typeof row.SystemModstamp === 'string' ? { modifiedAt: row.SystemModstamp } : {}),
    data: fields,
    ownerId: typeof row.OwnerId === 'string' ? row.OwnerId : '',
    warnings,
  };
}

function mapRows(rows: ContactRow[]): SalesforceContact[] {
  const out: SalesforceContact[] = [];
  for (const r of rows) {
    const item = toSideItem(r);
    if (item) out.push(item);
  }
  return out;
}

export async function listOwnedContacts(api: SalesforceApi, userId: string): Promise<SalesforceContact[]> {
  if (!isSalesforceId(userId)) throw new SalesforceApiError('not a Salesforce user id', 'INVALID_ID', 'rejected');
  const rows = await api.query<ContactRow>(api.integration, 'contact list', `${SELECT_CONTACT} WHERE OwnerId = ${soqlString(userId)}`);
  return mapRows(rows);
}

export async function getContacts(api: SalesforceApi, ids: string[]): Promise<SalesforceContact[]> {
  // Malformed ids cannot name a record, so they are simply absent from the answer.
  const valid = [...new Set(ids.filter(isSalesforceId))];
  const out: SalesforceContact[] = [];
  for (const part of chunk(valid, IN_CLAUSE_IDS)) {
    const rows = await api.query<ContactRow>(api.integration, 'contact get', `${SELECT_CONTACT} WHERE Id IN ${soqlIdList(part)}`);
    out.push(...mapRows(rows));
  }
  return out;
}

// ─── writes ──────────────────────────────────────────────────────────────────────────────

const CONTACTS: CollectionTarget = { sobject: 'Contact', noun: 'contact' };

/**
 * company → AccountId by exact Name, as the acting rep (so only Accounts the rep can see are
 * linked). Salesforce compares Name case-insensitively; we keep only exact matches, and a name
 * that matches several Accounts is left unresolved rather than linked to an arbitrary one.
 */
async function resolveAccounts(api: SalesforceApi, actor: Actor, names: string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  const unique = [...new Set(names)];
  for (const part of chunkByLength(unique, IN_CLAUSE_IDS, ACCOUNT_NAME_BUDGET)) {
    const rows = await api.query<{ Id?: unknown; Name?: unknown }>(
      actor,
      'account lookup',
      `SELECT Id, Name FROM Account WHERE Name IN (${part.map(soqlString).join(',')})`,
    );
    for (const r of rows) {
      if (typeof r.Name !== 'string' || !isSalesforceId(r.Id)) continue;
      const list = found.get(r.Name);
      if (list) list.push(r.Id);
      else found.set(r.Name, [r.Id]);
    }
  }
  return found;
}

function unresolvedCompany(matches: number): MappingWarning {
  return {
    field: 'company',
    code: 'unresolved',
    message:
      matches === 0
        ? 'no Salesforce account has exactly this company name; AccountId left unchanged'
        : `${matches} Salesforce accounts have this company name; AccountId left unchanged`,
  };
}

/** Applies company names to the pending bodies; an Account query failure fails only those items. */
async function applyAccounts(
  api: SalesforceApi,
  actor: Actor,
  pending: Array<Pending & { accountName?: string | null }>,
  results: SalesforceWriteResult[],
  log: Log,
): Promise<Pending[]> {
  const named = pending.filter((p) => typeof p.accountName === 'string');
  let accounts = new Map<string, string[]>();
  if (named.length > 0) {
    try {
      accounts = await resolveAccounts(api, actor, named.map((p) => p.accountName as string));
    } catch (err) {
      const c = classify(err);
      log('warn', 'salesforce account lookup failed', { user: actor.label, code: c.code, status: c.status });
      const retryable = err instanceof SalesforceApiError ? err.retryable : true;
      const text = err instanceof SalesforceApiError ? err.message : describeRequestError('account lookup', c);
      for (const p of named) results[p.index] = withWarnings(itemFailure(p.id, safeCode(c.code), text, retryable), p.warnings);
      return pending.filter((p) => typeof p.accountName !== 'string');
    }
  }
  for (const p of pending) {
    if (p.accountName === null) p.body.AccountId = null;
    else if (typeof p.accountName === 'string') {
      const ids = accounts.get(p.accountName) ?? [];
      if (ids.length === 1) p.body.AccountId = ids[0];
      else p.warnings.push(unresolvedCompany(ids.length));
    }
  }
  return pending;
}

export async function createContacts(
  api: SalesforceApi,
  asUserId: string,
  items: Array<{ ownerId: string; data: ContactFields }>,
  log: Log,
): Promise<SalesforceWriteResult[]> {
  const results: SalesforceWriteResult[] = new Array(items.length);
  const actor = await actorOrFail(api, asUserId, items.length, results);
  if (!actor) return results;
  const pending: Array<Pending & { accountName?: string | null }> = [];
  items.forEach((item, index) => {
    if (!isSalesforceId(item.ownerId)) {
      results[index] = itemFailure(undefined, 'INVALID_ID', `new contact #${index + 1} has no valid owner id`, false);
      return;
    }
    const m = toSalesforceContact(item.data);
    // Nulls only clear fields; a new record has nothing to clear.
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(m.record)) if (v !== null) body[k] = v;
    body.OwnerId = item.ownerId;
    pending.push({ index, body, warnings: [...m.warnings], ...(typeof m.accountName === 'string' ? { accountName: m.accountName } : {}) });
  });
  const ready = await applyAccounts(api, actor, pending, results, log);
  await runCollections(api, actor, CONTACTS, 'create', ready, results, log);
  return results;
}

export async function updateContacts(api: SalesforceApi, asUserId: string, items: ContactUpdate[], log: Log): Promise<SalesforceWriteResult[]> {
  const results: SalesforceWriteResult[] = new Array(items.length);
  const actor = await actorOrFail(api, asUserId, items.length, results, items.map((i) => i.id));
  if (!actor) return results;
  const pending: Array<Pending & { accountName?: string | null }> = [];
  items.forEach((item, index) => {
    if (!isSalesforceId(item.id)) {
      results[index] = itemFailure(undefined, 'INVALID_ID', `update #${index + 1} has no valid contact id`, false);
      return;
    }
    const m = toSalesforceContact(item.set);
    pending.push({ index, id: item.id, body: { ...m.record }, warnings: [...m.warnings], ...(m.accountName !== undefined ? { accountName: m.accountName } : {}) });
  });
  const ready = await applyAccounts(api, actor, pending, results, log);
  const toSend: Pending[] = [];
  for (const p of ready) {
    // Nothing left to write (e.g. only an unresolved company): no request, and the record is unchanged.
    if (Object.keys(p.body).length === 0) results[p.index] = withWarnings({ ok: true, id: p.id as string, version: '' }, p.warnings);
    else toSend.push(p);
  }
  await runCollections(api, actor, CONTACTS, 'update', toSend, results, log);
  return results;
}

export async function deleteContacts(api: SalesforceApi, asUserId: string, ids: string[], log: Log): Promise<SalesforceWriteResult[]> {
  const results: SalesforceWriteResult[] = new Array(ids.length);
  const actor = await actorOrFail(api, asUserId, ids.length, results, ids);
  if (!actor) return results;
  const pending: Pending[] = [];
  ids.forEach((id, index) => {
    if (!isSalesforceId(id)) results[index] = itemFailure(undefined, 'INVALID_ID', `delete #${index + 1} has no valid contact id`, false);
    else pending.push({ index, id, body: {}, warnings: [] });
  });
  await runCollections(api, actor, CONTACTS, 'delete', pending, results, log);
  // A contact purged from the recycle bin answers as an id that never existed: gone, once a read confirms it.
  await confirmGone(api, 'Contact', pending, results, log);
  return results;
}
