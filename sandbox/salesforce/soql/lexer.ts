/**
 * SOQL tokens. Keywords are not distinguished here (SOQL lets most of them double as names);
 * the parser decides from context. Positions are 0-based offsets into the query text.
 */
import { SoqlError } from './errors.ts';

export type TokenKind = 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Identifier or punctuation as written; decoded string literal; number/date text. */
  text: string;
  pos: number;
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const NUMBER = /^\d+(?:\.\d+)?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;
const PUNCT = ['!=', '<>', '<=', '>=', '=', '<', '>', '(', ')', ',', '.', ':', '-', '+'];
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\' };

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = src.slice(i);
    if (c === "'") {
      const { text, end } = readString(src, i);
      out.push({ kind: 'string', text, pos: i });
      i = end;
      continue;
    }
    const dt = DATETIME.exec(rest);
    if (dt) {
      out.push({ kind: 'datetime', text: dt[0], pos: i });
      i += dt[0].length;
      continue;
    }
    const d = DATE.exec(rest);
    if (d) {
      out.push({ kind: 'date', text: d[0], pos: i });
      i += d[0].length;
      continue;
    }
    const n = NUMBER.exec(rest);
    if (n) {
      out.push({ kind: 'number', text: n[0], pos: i });
      i += n[0].length;
      continue;
    }
    const id = IDENT.exec(rest);
    if (id) {
      out.push({ kind: 'ident', text: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    const p = PUNCT.find((x) => rest.startsWith(x));
    if (!p) throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${c}'`, i);
    out.push({ kind: 'punct', text: p, pos: i });
    i += p.length;
  }
  out.push({ kind: 'eof', text: '<EOF>', pos: src.length });
  return out;
}

/**
 * A quoted literal. LIKE wildcards keep their backslash (\% and \_ stay escaped) so the LIKE
 * matcher can tell a literal percent from a wildcard.
 */
function readString(src: string, start: number): { text: string; end: number } {
  let text = '';
  let i = start + 1;
  while (i < src.length) {
    const c = src.charAt(i);
    if (c === "'") return { text, end: i + 1 };
    if (c === '\\') {
      const e = src.charAt(i + 1);
      if (e === '%' || e === '_') text += `\\${e}`;
      else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(i + 2, i + 6))) {
        text += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      } else if (e in ESCAPES) text += ESCAPES[e];
      else throw new SoqlError('MALFORMED_QUERY', `Invalid string literal '${src.slice(start, i + 2)}'. Illegal character sequence '\\${e}' in string literal.`, i);
      i += 2;
      continue;
    }
    text += c;
    i++;
  }
  throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${src.slice(start)}'`, start);
}
