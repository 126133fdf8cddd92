/**
 * Compiles a WHERE clause into a predicate, type-checking each literal against its field first
 * (Salesforce rejects a quoted date or an unquoted string before running anything). Text compares
 * case-insensitively, as SOQL does; ids compare in their canonical 18-character form.
 */
import { normalizeId } from '../ids.ts';
import type { StoredRecord } from '../store.ts';
import { dateOf } from '../values.ts';
import type { CompareOp, Condition, Literal } from './ast.ts';
import { SoqlError } from './errors.ts';
import { leafValue } from './polymorphic.ts';
import { resolvePath, type ResolvedField, type Scope } from './resolve.ts';

export type Fetch = (id: string) => StoredRecord | undefined;
export type Predicate = (rec: StoredRecord) => boolean;

const DAY = 86_400_000;
const TEXT = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist', 'combobox']);
const NUMERIC = new Set(['double', 'int', 'currency', 'percent']);

/** The value at the end of a path, following lookups; null when a parent is missing. */
export function readValue(rf: ResolvedField, rec: StoredRecord, fetch: Fetch): unknown {
  let cur: StoredRecord | undefined = rec;
  for (const hop of rf.hops) {
    const id: unknown = cur.values[hop.field.name];
    cur = typeof id === 'string' ? fetch(id) : undefined;
    if (!cur) return null;
  }
  return leafValue(rf.leaf, cur);
}

export function compileCondition(scope: Scope, cond: Condition, fetch: Fetch, now: number): Predicate {
  switch (cond.kind) {
    case 'and': {
      const parts = cond.items.map((c) => compileCondition(scope, c, fetch, now));
      return (r) => parts.every((p) => p(r));
    }
    case 'or': {
      const parts = cond.items.map((c) => compileCondition(scope, c, fetch, now));
      return (r) => parts.some((p) => p(r));
    }
    case 'not': {
      const inner = compileCondition(scope, cond.item, fetch, now);
      return (r) => !inner(r);
    }
    case 'compare': {
      const rf = resolvePath(scope, cond.path);
      const test = compileTest(rf, cond.op, cond.value, now);
      return (r) => test(readValue(rf, r, fetch));
    }
    case 'in': {
      const rf = resolvePath(scope, cond.path);
      const tests = cond.values.map((v) => compileTest(rf, '=', v, now));
      return (r) => {
        const v = readValue(rf, r, fetch);
        return tests.some((t) => t(v)) !== cond.negated;
      };
    }
    case 'like': {
      const rf = resolvePath(scope, cond.path);
      if (!TEXT.has(rf.leaf.type)) throw new SoqlError('INVALID_FIELD', `invalid operator on field '${rf.written}'`, rf.pos);
      if (cond.pattern.kind !== 'string') throw typeError(rf, 'string');
      const re = likeRegExp(cond.pattern.value);
      return (r) => {
        const v = readValue(rf, r, fetch);
        return typeof v === 'string' && re.test(v);
      };
    }
  }
}

function typeError(rf: ResolvedField, typeName: string): SoqlError {
  const quoting = typeName === 'string' ? 'should be enclosed in quotes' : 'should not be enclosed in quotes';
  return new SoqlError('INVALID_FIELD', `value of filter criterion for field '${rf.written}' must be of type ${typeName} and ${quoting}`, rf.pos);
}

type Test = (v: unknown) => boolean;

function compileTest(rf: ResolvedField, op: CompareOp, lit: Literal, now: number): Test {
  const f = rf.leaf;
  if (lit.kind === 'null') {
    if (op === '=') return (v) => v === null;
    if (op === '!=') return (v) => v !== null;
    return () => false;
  }
  if (f.type === 'id' || f.type === 'reference') {
    if (lit.kind !== 'string') throw typeError(rf, 'string');
    const id = normalizeId(lit.value);
    if (!id) throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${lit.value}`, rf.pos);
    return ordered(op, id, (v) => (typeof v === 'string' ? v : null));
  }
  if (TEXT.has(f.type)) {
    if (lit.kind !== 'string') throw typeError(rf, 'string');
    const want = lit.value.replace(/\\([%_])/g, '$1').toLowerCase();
    return ordered(op, want, (v) => (typeof v === 'string' ? v.toLowerCase() : null));
  }
  if (f.type === 'boolean') {
    if (lit.kind !== 'boolean') throw typeError(rf, 'boolean');
    if (op === '=') return (v) => v === lit.value;
    if (op === '!=') return (v) => v !== lit.value;
    return () => false;
  }
  if (NUMERIC.has(f.type)) {
    if (lit.kind !== 'number') throw typeError(rf, 'double');
    return ordered(op, lit.value, (v) => (typeof v === 'number' ? v : null));
  }
  if (f.type === 'date') return dateTest(rf, op, lit, now);
  if (f.type === 'datetime') {
    if (lit.kind === 'datetime') return ordered(op, lit.value, (v) => (typeof v === 'number' ? v : null));
    if (lit.kind !== 'dateLiteral') throw typeError(rf, 'dateTime');
    const [start, end] = literalRange(lit, now);
    return rangeTest(op, start, end, (v) => (typeof v === 'number' ? v : null));
  }
  throw typeError(rf, f.type);
}

function dateTest(rf: ResolvedField, op: CompareOp, lit: Literal, now: number): Test {
  const asDate = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  if (lit.kind === 'date') return ordered(op, lit.value, asDate);
  if (lit.kind !== 'dateLiteral') throw typeError(rf, 'date');
  const [start, end] = literalRange(lit, now);
  return rangeTest(op, dateOf(start), dateOf(end), asDate);
}

/** [start, end) in ms, midnight UTC boundaries. */
function literalRange(lit: Extract<Literal, { kind: 'dateLiteral' }>, now: number): [number, number] {
  const today = Math.floor(now / DAY) * DAY;
  switch (lit.name) {
    case 'TODAY':
      return [today, today + DAY];
    case 'YESTERDAY':
      return [today - DAY, today];
    case 'TOMORROW':
      return [today + DAY, today + 2 * DAY];
    case 'LAST_N_DAYS':
      return [today - lit.n * DAY, today + DAY];
    case 'NEXT_N_DAYS':
      return [today + DAY, today + (lit.n + 1) * DAY];
  }
}

function rangeTest<T extends string | number>(op: CompareOp, start: T, end: T, read: (v: unknown) => T | null): Test {
  return (raw) => {
    const v = read(raw);
    if (v === null) return op === '!=';
    switch (op) {
      case '=':
        return v >= start && v < end;
      case '!=':
        return v < start || v >= end;
      case '<':
        return v < start;
      case '<=':
        return v < end;
      case '>':
        return v >= end;
      case '>=':
        return v >= start;
    }
  };
}

function ordered<T extends string | number>(op: CompareOp, want: T, read: (v: unknown) => T | null): Test {
  return (raw) => {
    const v = read(raw);
    if (v === null) return op === '!=';
    switch (op) {
      case '=':
        return v === want;
      case '!=':
        return v !== want;
      case '<':
        return v < want;
      case '<=':
        return v <= want;
      case '>':
        return v > want;
      case '>=':
        return v >= want;
    }
  };
}

function likeRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\' && (pattern.charAt(i + 1) === '%' || pattern.charAt(i + 1) === '_')) {
      re += pattern.charAt(++i);
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}
