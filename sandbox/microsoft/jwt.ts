import { createHmac, timingSafeEqual, verify, constants, type KeyObject } from 'node:crypto';
import { isRecord } from './is-record.ts';

export const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** Splits and parses a compact JWS; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  try {
    const header: unknown = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    const payload: unknown = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    if (!isRecord(header) || !isRecord(payload)) return undefined;
    return { header, payload, signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url') };
  } catch {
    return undefined;
  }
}

/**
 * Access tokens are HMAC-signed with a per-emulator key: clients treat them as opaque (as
 * Microsoft tells them to), and the emulator can verify them without keeping a token table.
 */
export function signHs256(payload: Record<string, unknown>, key: Buffer): string {
  const input = `${b64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(createHmac('sha256', key).update(input).digest())}`;
}

export function hs256Valid(jwt: DecodedJwt, key: Buffer): boolean {
  const expected = createHmac('sha256', key).update(jwt.signingInput).digest();
  return expected.length === jwt.signature.length && timingSafeEqual(expected, jwt.signature);
}

/** Client assertions from msal-node are PS256 (thumbprintSha256) or RS256 (legacy thumbprint). */
export function rsaSignatureValid(jwt: DecodedJwt, key: KeyObject): boolean {
  const data = Buffer.from(jwt.signingInput);
  if (jwt.header.alg === 'PS256') {
    return verify(
      'sha256',
      data,
      { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
      jwt.signature,
    );
  }
  if (jwt.header.alg === 'RS256') return verify('sha256', data, key, jwt.signature);
  return false;
}
