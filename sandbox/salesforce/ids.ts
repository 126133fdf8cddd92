/**
 * Salesforce record ids: 15 case-sensitive characters (3-character key prefix, 2-character pod,
 * 1 reserved, 9 base-62 digits) plus a 3-character suffix that encodes which of the 15 were upper
 * case, so the 18-character form survives case-insensitive systems. Clients send either form and
 * in any case for the 18-character one, so everything that accepts an id goes through
 * `normalizeId`.
 */

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SHAPE = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

const isUpper = (c: string): boolean => c >= 'A' && c <= 'Z';
const isLetter = (c: string): boolean => /[a-zA-Z]/.test(c);

export function checksumSuffix(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      if (isUpper(id15.charAt(chunk * 5 + i))) bits |= 1 << i;
    }
    out += SUFFIX_ALPHABET.charAt(bits);
  }
  return out;
}

/**
 * The canonical 18-character id, or undefined when `raw` is not an id. An 18-character id in the
 * wrong case is repaired from its suffix, as Salesforce does; a suffix that contradicts the
 * characters (an upper-case bit on a digit) makes the id malformed.
 */
export function normalizeId(raw: string): string | undefined {
  if (!SHAPE.test(raw)) return undefined;
  if (raw.length === 15) return raw + checksumSuffix(raw);
  const suffix = raw.slice(15).toUpperCase();
  let id15 = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const bits = SUFFIX_ALPHABET.indexOf(suffix.charAt(chunk));
    if (bits < 0) return undefined;
    for (let i = 0; i < 5; i++) {
      const c = raw.charAt(chunk * 5 + i);
      const upper = (bits & (1 << i)) !== 0;
      if (!isLetter(c)) {
        if (upper) return undefined;
        id15 += c;
      } else id15 += upper ? c.toUpperCase() : c.toLowerCase();
    }
  }
  return id15 + suffix;
}

export const keyPrefixOf = (id: string): string => id.slice(0, 3);

/** Issues ids in one org-wide sequence, so ids sort by creation as they roughly do in a real org. */
export class IdGenerator {
  private next = 1;

  constructor(private readonly pod = 'Hs') {}

  id(keyPrefix: string): string {
    let n = this.next++;
    let digits = '';
    for (let i = 0; i < 9; i++) {
      digits = BASE62.charAt(n % 62) + digits;
      n = Math.floor(n / 62);
    }
    const id15 = `${keyPrefix}${this.pod}0${digits}`;
    return id15 + checksumSuffix(id15);
  }
}
