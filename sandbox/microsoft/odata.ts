import type { InputError } from './contact-schema.ts';

/**
 * The OData query options the contact endpoints honour. Parsers return an InputError the
 * route turns into Graph's error body; anything outside the supported subset is refused rather
 * than silently ignored, so a client cannot come to depend on a query Graph would reject.
 */

export function parseSelect(query: URLSearchParams, properties: string[], type: string): { select?: string[] } | { error: InputError } {
  const raw = query.get('$select');
  if (raw === null || raw.trim() === '') return {};
  const byLower = new Map(properties.map((p) => [p.toLowerCase(), p]));
  const select: string[] = [];
  for (const name of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const canonical = byLower.get(name.toLowerCase());
    if (!canonical) {
      return { error: { status: 400, code: 'RequestBroker--ParseUri', message: `Could not find a property named '${name}' on type '${type}'.` } };
    }
    if (!select.includes(canonical)) select.push(canonical);
  }
  return { select };
}

export function parseNonNegativeInt(query: URLSearchParams, name: string): { value?: number } | { error: InputError } {
  const raw = query.get(name);
  if (raw === null) return {};
  if (!/^\d+$/.test(raw)) {
    return { error: { status: 400, code: 'BadRequest', message: `Invalid value '${raw}' for query parameter '${name}'.` } };
  }
  return { value: Number(raw) };
}

export interface Preferences {
  maxPageSize?: number;
  immutableId: boolean;
}

/** Prefer may be repeated or comma-separated; IdType's value is quoted. */
export function parsePrefer(headers: Record<string, string>): Preferences {
  const out: Preferences = { immutableId: false };
  for (const part of (headers.prefer ?? '').split(',').map((s) => s.trim())) {
    const m = /^odata\.maxpagesize\s*=\s*(\d+)$/i.exec(part);
    if (m?.[1]) out.maxPageSize = Number(m[1]);
    if (/^IdType\s*=\s*"?ImmutableId"?$/i.test(part)) out.immutableId = true;
  }
  return out;
}

/** Graph echoes the preferences it honoured; page size and id type are the two that apply here. */
export function preferenceApplied(applied: { maxPageSize?: number; immutableId?: boolean }, existing?: string): Record<string, string> {
  const parts = existing ? [existing] : [];
  if (applied.maxPageSize !== undefined) parts.push(`odata.maxpagesize=${applied.maxPageSize}`);
  if (applied.immutableId) parts.push('IdType="ImmutableId"');
  return parts.length ? { 'Preference-Applied': parts.join(',') } : {};
}

export type FilterClause =
  | { kind: 'eq'; property: string; value: string }
  | { kind: 'emailAny'; value: string }
  | { kind: 'extendedAny'; id: string; value: string };

const STR = `'((?:[^']|'')*)'`;
const unquote = (s: string) => s.replaceAll("''", "'");
const CLAUSES: Array<[RegExp, (m: RegExpExecArray) => FilterClause]> = [
  [new RegExp(`^(\\w+)\\s+eq\\s+${STR}$`), (m) => ({ kind: 'eq', property: m[1] ?? '', value: unquote(m[2] ?? '') })],
  [
    new RegExp(`^emailAddresses/any\\((\\w+):\\s*\\1/address\\s+eq\\s+${STR}\\)$`, 'i'),
    (m) => ({ kind: 'emailAny', value: unquote(m[2] ?? '') }),
  ],
  [
    new RegExp(`^singleValueExtendedProperties/any\\((\\w+):\\s*\\1/id\\s+eq\\s+${STR}\\s+and\\s+\\1/value\\s+eq\\s+${STR}\\)$`, 'i'),
    (m) => ({ kind: 'extendedAny', id: unquote(m[2] ?? ''), value: unquote(m[3] ?? '') }),
  ],
];

const invalidFilter: InputError = { status: 400, code: 'ErrorInvalidUrlQueryFilter', message: 'The query filter contains one or more invalid nodes.' };

/**
 * Supports `prop eq 'x'`, `emailAddresses/any(a:a/address eq 'x')` and the extended-property
 * marker lookup, joined by top-level `and`.
 */
export function parseFilter(query: URLSearchParams, properties: string[]): { clauses: FilterClause[] } | { error: InputError } {
  const raw = query.get('$filter');
  if (raw === null || raw.trim() === '') return { clauses: [] };
  const clauses: FilterClause[] = [];
  for (const part of splitTopLevelAnd(raw.trim())) {
    const clause = CLAUSES.map(([re, build]) => {
      const m = re.exec(part.trim());
      return m ? build(m) : undefined;
    }).find(Boolean);
    if (!clause) return { error: invalidFilter };
    if (clause.kind === 'eq') {
      const canonical = properties.find((p) => p.toLowerCase() === clause.property.toLowerCase());
      if (!canonical) return { error: invalidFilter };
      clause.property = canonical;
    }
    clauses.push(clause);
  }
  return { clauses };
}

/** Splits a $filter on `and` outside quotes and parentheses (a lambda such as any(…) has its own `and`). */
export function splitTopLevelAnd(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === "'") quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    else if (!quoted && depth === 0 && /^\sand\s/i.test(s.slice(i, i + 5))) {
      parts.push(s.slice(start, i));
      start = i + 5;
      i += 4;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/** `$expand=singleValueExtendedProperties($filter=id eq '…' or id eq '…')`: the requested ids. */
export function parseExtendedExpand(query: URLSearchParams): { ids?: string[] } | { error: InputError } {
  const raw = query.get('$expand');
  if (raw === null || raw.trim() === '') return {};
  const m = /^singleValueExtendedProperties\(\$filter=(.*)\)$/i.exec(raw.trim());
  const ids = m?.[1]?.split(/\s+or\s+/i).map((c) => new RegExp(`^id\\s+eq\\s+${STR}$`, 'i').exec(c.trim())?.[1]);
  if (!ids || ids.some((i) => i === undefined)) {
    return { error: { status: 400, code: 'BadRequest', message: `Parsing OData Select and Expand failed: '${raw}' is not supported.` } };
  }
  return { ids: ids.map((i) => unquote(i ?? '')) };
}
