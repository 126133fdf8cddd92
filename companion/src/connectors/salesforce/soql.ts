/** Small, strict helpers for building SOQL from values the companion did not write itself. */

const ID_RE = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

export function isSalesforceId(id: unknown): id is string {
  return typeof id === 'string' && ID_RE.test(id);
}

const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * The 18-character, case-insensitive-safe form of an id. Text fields such as Profile_Id__c may
 * hold the 15-character form an admin pasted, while lookups and ProfileId are always 18; both
 * sides are normalised before they are compared.
 */
export function to18(id: string): string {
  if (!isSalesforceId(id)) throw new Error('not a Salesforce id');
  if (id.length === 18) return id;
  let suffix = '';
  for (let block = 0; block < 3; block++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const ch = id.charAt(block * 5 + i);
      if (ch >= 'A' && ch <= 'Z') bits |= 1 << i;
    }
    suffix += CHECKSUM_ALPHABET.charAt(bits);
  }
  return id + suffix;
}

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** A quoted SOQL string literal, with the escape sequences SOQL defines. */
export function soqlString(value: string): string {
  return `'${value.replace(/[\\'"\n\r\t\b\f]/g, (c) => ESCAPES[c] ?? c)}'`;
}

/** `('id1','id2')` after validating every id; throws rather than let a malformed id into a query. */
export function soqlIdList(ids: readonly string[]): string {
  for (const id of ids) if (!isSalesforceId(id)) throw new Error('invalid Salesforce id in query');
  return `(${ids.map((id) => `'${id}'`).join(',')})`;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Splits string literals into groups whose encoded IN clause stays under a budget, so the
 * GET /query URL stays far below Salesforce's ~16 KB request-line limit.
 */
export function chunkByLength(values: readonly string[], maxItems: number, maxChars: number): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let len = 0;
  for (const v of values) {
    // encodeURIComponent can triple a character; count the worst case.
    const cost = soqlString(v).length * 3 + 1;
    if (cur.length > 0 && (cur.length >= maxItems || len + cost > maxChars)) {
      out.push(cur);
      cur = [];
      len = 0;
    }
    cur.push(v);
    len += cost;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
