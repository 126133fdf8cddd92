import type { EventRecord } from './calendar-store.ts';
import type { InputError } from './contact-schema.ts';
import { splitTopLevelAnd } from './odata.ts';

/**
 * The $filter subset the events list honours: `prop eq 'x'` on a few string properties,
 * `categories/any(c: c eq 'x')` and the extended-property marker lookup, joined by `and`.
 * Anything else is refused so a client cannot rely on a filter Graph would reject.
 */
export type EventClause =
  | { kind: 'eq'; property: 'subject' | 'iCalUId' | 'type' | 'transactionId'; value: string }
  | { kind: 'category'; value: string }
  | { kind: 'extended'; id: string; value: string };

const STR = `'((?:[^']|'')*)'`;
const unquote = (s: string | undefined) => (s ?? '').replaceAll("''", "'");
const EQ_PROPS = ['subject', 'iCalUId', 'type', 'transactionId'] as const;
const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => EventClause | undefined]> = [
  [
    new RegExp(`^(\\w+)\\s+eq\\s+${STR}$`),
    (m) => {
      const property = EQ_PROPS.find((p) => p.toLowerCase() === m[1]?.toLowerCase());
      return property ? { kind: 'eq', property, value: unquote(m[2]) } : undefined;
    },
  ],
  [new RegExp(`^categories/any\\((\\w+):\\s*\\1\\s+eq\\s+${STR}\\)$`, 'i'), (m) => ({ kind: 'category', value: unquote(m[2]) })],
  [
    new RegExp(`^singleValueExtendedProperties/any\\((\\w+):\\s*\\1/id\\s+eq\\s+${STR}\\s+and\\s+\\1/value\\s+eq\\s+${STR}\\)$`, 'i'),
    (m) => ({ kind: 'extended', id: unquote(m[2]), value: unquote(m[3]) }),
  ],
];

const invalid: InputError = { status: 400, code: 'ErrorInvalidUrlQueryFilter', message: 'The query filter contains one or more invalid nodes.' };

export function parseEventFilter(query: URLSearchParams): { clauses: EventClause[] } | { error: InputError } {
  const raw = query.get('$filter');
  if (raw === null || raw.trim() === '') return { clauses: [] };
  const clauses: EventClause[] = [];
  for (const part of splitTopLevelAnd(raw.trim())) {
    let clause: EventClause | undefined;
    for (const [re, build] of PATTERNS) {
      const m = re.exec(part.trim());
      if (m) clause = build(m);
      if (clause) break;
    }
    if (!clause) return { error: invalid };
    clauses.push(clause);
  }
  return { clauses };
}

/** Exchange compares filter strings case-insensitively; extended values exactly. */
export function matchesEvent(rec: EventRecord, c: EventClause): boolean {
  const lower = (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : undefined);
  switch (c.kind) {
    case 'eq': {
      const v = c.property === 'iCalUId' ? rec.iCalUId : c.property === 'type' ? rec.kind : c.property === 'transactionId' ? rec.transactionId : rec.props.subject;
      return lower(v) === c.value.toLowerCase();
    }
    case 'category':
      return ((rec.props.categories as string[] | undefined) ?? []).some((x) => x.toLowerCase() === c.value.toLowerCase());
    case 'extended':
      return rec.extended.get(c.id.toLowerCase())?.value === c.value;
  }
}

