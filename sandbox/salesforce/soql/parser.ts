/**
 * Recursive-descent parser for the SOQL subset in ast.ts. Like Salesforce, it refuses AND and OR
 * mixed at one level without parentheses. Constructs outside the subset (subqueries, GROUP BY,
 * TYPEOF, aggregate functions other than COUNT()) fail with MALFORMED_QUERY naming the token.
 */
import type { CompareOp, Condition, DateLiteralName, FieldPath, Literal, OrderItem, Query, SelectItem } from './ast.ts';
import { SoqlError } from './errors.ts';
import { tokenize, type Token } from './lexer.ts';
import { parseDateTime } from '../values.ts';

const RESERVED = new Set(
  'AND ASC DESC EXCLUDES FIRST FROM GROUP HAVING IN INCLUDES LAST LIKE LIMIT NOT NULL NULLS OR SELECT WHERE WITH ORDER OFFSET FOR USING TYPEOF'.split(' '),
);
const DATE_LITERALS = new Set<DateLiteralName>(['TODAY', 'YESTERDAY', 'TOMORROW', 'LAST_N_DAYS', 'NEXT_N_DAYS']);
const COMPARE: Record<string, CompareOp> = { '=': '=', '!=': '!=', '<>': '!=', '<': '<', '>': '>', '<=': '<=', '>=': '>=' };
export const MAX_OFFSET = 2000;

export function parseSoql(text: string): Query {
  return new Parser(tokenize(text)).query();
}

class Parser {
  private i = 0;

  constructor(private readonly tokens: Token[]) {}

  query(): Query {
    this.keyword('SELECT');
    const select = this.selectList();
    this.keyword('FROM');
    const fromTok = this.ident();
    const q: Query = { select, from: { name: fromTok.text, pos: fromTok.pos }, orderBy: [] };
    if (this.peek().kind === 'ident' && !RESERVED.has(this.peek().text.toUpperCase())) q.alias = this.next().text;
    if (this.acceptKeyword('WHERE')) q.where = this.condition();
    if (this.acceptKeyword('WITH')) this.ident();
    if (this.isKeyword('GROUP') || this.isKeyword('USING')) throw this.unexpected();
    if (this.acceptKeyword('ORDER')) {
      this.keyword('BY');
      q.orderBy = this.orderList();
    }
    if (this.acceptKeyword('LIMIT')) q.limit = this.integer();
    if (this.acceptKeyword('OFFSET')) {
      const tok = this.peek();
      q.offset = this.integer();
      if (q.offset > MAX_OFFSET) throw new SoqlError('NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is ${MAX_OFFSET}`, tok.pos);
    }
    if (this.acceptKeyword('FOR')) this.ident();
    if (this.peek().kind !== 'eof') throw this.unexpected();
    return q;
  }

  private selectList(): SelectItem[] {
    const items: SelectItem[] = [];
    do {
      const tok = this.peek();
      if (tok.kind === 'punct' && tok.text === '(') throw this.unexpected();
      if (tok.kind === 'ident' && tok.text.toUpperCase() === 'COUNT' && this.peek(1).text === '(') {
        this.i += 2;
        if (!this.acceptPunct(')')) throw this.unexpected();
        items.push({ kind: 'count', pos: tok.pos });
      } else {
        if (tok.kind === 'ident' && this.peek(1).text === '(') throw this.unexpected(1);
        items.push({ kind: 'field', path: this.fieldPath() });
      }
    } while (this.acceptPunct(','));
    return items;
  }

  private fieldPath(): FieldPath {
    const first = this.ident();
    const segments = [first.text];
    while (this.acceptPunct('.')) segments.push(this.ident().text);
    return { segments, pos: first.pos };
  }

  private condition(): Condition {
    const first = this.unary();
    const conn = this.isKeyword('AND') ? 'AND' : this.isKeyword('OR') ? 'OR' : undefined;
    if (!conn) return first;
    const items = [first];
    while (this.acceptKeyword(conn)) items.push(this.unary());
    if (this.isKeyword(conn === 'AND' ? 'OR' : 'AND')) throw this.unexpected();
    return { kind: conn === 'AND' ? 'and' : 'or', items };
  }

  private unary(): Condition {
    if (this.acceptKeyword('NOT')) return { kind: 'not', item: this.unary() };
    if (this.acceptPunct('(')) {
      const c = this.condition();
      if (!this.acceptPunct(')')) throw this.unexpected();
      return c;
    }
    const path = this.fieldPath();
    if (this.acceptKeyword('NOT')) {
      this.keyword('IN');
      return { kind: 'in', path, negated: true, values: this.inList() };
    }
    if (this.acceptKeyword('IN')) return { kind: 'in', path, negated: false, values: this.inList() };
    if (this.acceptKeyword('LIKE')) return { kind: 'like', path, pattern: this.literal() };
    const tok = this.peek();
    const op = tok.kind === 'punct' ? COMPARE[tok.text] : undefined;
    if (!op) throw this.unexpected();
    this.i++;
    return { kind: 'compare', path, op, value: this.literal() };
  }

  private inList(): Literal[] {
    if (!this.acceptPunct('(')) throw this.unexpected();
    if (this.isKeyword('SELECT')) throw this.unexpected();
    const values = [this.literal()];
    while (this.acceptPunct(',')) values.push(this.literal());
    if (!this.acceptPunct(')')) throw this.unexpected();
    return values;
  }

  private literal(): Literal {
    const tok = this.next();
    const pos = tok.pos;
    if (tok.kind === 'string') return { kind: 'string', value: tok.text, pos };
    if (tok.kind === 'date') return { kind: 'date', value: tok.text, pos };
    if (tok.kind === 'datetime') {
      const ms = parseDateTime(tok.text);
      if (ms === undefined) throw this.unexpected(-1);
      return { kind: 'datetime', value: ms, pos };
    }
    if (tok.kind === 'number') return { kind: 'number', value: Number(tok.text), pos };
    if (tok.kind === 'punct' && (tok.text === '-' || tok.text === '+') && this.peek().kind === 'number') {
      const n = Number(this.next().text);
      return { kind: 'number', value: tok.text === '-' ? -n : n, pos };
    }
    if (tok.kind === 'ident') {
      const up = tok.text.toUpperCase();
      if (up === 'TRUE' || up === 'FALSE') return { kind: 'boolean', value: up === 'TRUE', pos };
      if (up === 'NULL') return { kind: 'null', pos };
      if (DATE_LITERALS.has(up as DateLiteralName)) {
        const name = up as DateLiteralName;
        if (name !== 'LAST_N_DAYS' && name !== 'NEXT_N_DAYS') return { kind: 'dateLiteral', name, n: 0, pos };
        if (!this.acceptPunct(':')) throw this.unexpected();
        return { kind: 'dateLiteral', name, n: this.integer(), pos };
      }
    }
    throw this.unexpected(-1);
  }

  private orderList(): OrderItem[] {
    const items: OrderItem[] = [];
    do {
      const path = this.fieldPath();
      let descending = false;
      if (this.acceptKeyword('DESC')) descending = true;
      else this.acceptKeyword('ASC');
      let nullsLast = descending;
      if (this.acceptKeyword('NULLS')) {
        if (this.acceptKeyword('LAST')) nullsLast = true;
        else {
          this.keyword('FIRST');
          nullsLast = false;
        }
      }
      items.push({ path, descending, nullsLast });
    } while (this.acceptPunct(','));
    return items;
  }

  private integer(): number {
    const tok = this.peek();
    if (tok.kind !== 'number' || !/^\d+$/.test(tok.text)) throw this.unexpected();
    this.i++;
    return Number(tok.text);
  }

  private ident(): Token {
    const tok = this.peek();
    if (tok.kind !== 'ident') throw this.unexpected();
    this.i++;
    return tok;
  }

  private keyword(kw: string): void {
    if (!this.acceptKeyword(kw)) throw this.unexpected();
  }

  private isKeyword(kw: string): boolean {
    const tok = this.peek();
    return tok.kind === 'ident' && tok.text.toUpperCase() === kw;
  }

  private acceptKeyword(kw: string): boolean {
    if (!this.isKeyword(kw)) return false;
    this.i++;
    return true;
  }

  private acceptPunct(p: string): boolean {
    const tok = this.peek();
    if (tok.kind !== 'punct' || tok.text !== p) return false;
    this.i++;
    return true;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const tok = this.peek();
    this.i = Math.min(this.i + 1, this.tokens.length - 1);
    return tok;
  }

  private unexpected(offset = 0): SoqlError {
    const tok = this.peek(offset);
    const shown = tok.kind === 'eof' ? '<EOF>' : tok.kind === 'string' ? `'${tok.text}'` : tok.text;
    return new SoqlError('MALFORMED_QUERY', tok.kind === 'eof' ? 'unexpected token: <EOF>' : `unexpected token: ${quote(shown)}`, tok.pos);
  }
}

const quote = (s: string): string => (s.startsWith("'") ? s : `'${s}'`);
