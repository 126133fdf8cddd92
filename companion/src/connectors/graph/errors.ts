import type { ContactField } from '../../core/contact.ts';
import type { HttpResponse } from '../http/index.ts';

/** The parts of Graph's OData error we act on. Graph's own message is kept out of what we surface. */
export interface GraphErrorInfo {
  code: string;
  /** Graph property names the error points at (target, details[].target, or "property 'x'"). */
  properties: string[];
}

/** A Graph call failed as a whole (not one item of a batch). Carries no Graph message text. */
export class GraphError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly code: string,
    readonly requestId?: string,
  ) {
    super(`${operation}: HTTP ${status} ${code}${requestId ? ` (request-id ${requestId})` : ''}`);
    this.name = 'GraphError';
  }
}

export function parseGraphError(body: unknown): GraphErrorInfo {
  const error = (body as { error?: unknown } | undefined)?.error;
  if (!error || typeof error !== 'object') return { code: 'UnknownError', properties: [] };
  const { code, message, target, details } = error as { code?: unknown; message?: unknown; target?: unknown; details?: unknown };
  const properties = new Set<string>();
  if (typeof target === 'string' && target) properties.add(target);
  if (Array.isArray(details)) {
    for (const d of details) {
      const t = (d as { target?: unknown } | null)?.target;
      if (typeof t === 'string' && t) properties.add(t);
    }
  }
  // Only the property name is lifted from the message (e.g. "The property 'emailAddresses' …"),
  // never the rest of it: messages can quote the rejected value.
  if (typeof message === 'string') {
    for (const m of message.matchAll(/\bproperty '([A-Za-z@.]+)'/g)) if (m[1]) properties.add(m[1]);
  }
  return { code: typeof code === 'string' && code ? code : 'UnknownError', properties: [...properties] };
}

export async function graphErrorOf(operation: string, res: HttpResponse): Promise<GraphError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  return new GraphError(operation, res.status, parseGraphError(body).code, res.headers.get('request-id') ?? undefined);
}

/** Graph contact property → canonical field, to name fields in item errors the way the engine does. */
const FIELD_OF_PROPERTY: Readonly<Record<string, ContactField>> = {
  givenName: 'firstName',
  surname: 'lastName',
  displayName: 'lastName',
  emailAddresses: 'email',
  businessPhones: 'businessPhone',
  homePhones: 'homePhone',
  mobilePhone: 'mobilePhone',
  jobTitle: 'title',
  department: 'department',
  companyName: 'company',
  businessAddress: 'mailingAddress',
  otherAddress: 'otherAddress',
  birthday: 'birthday',
  personalNotes: 'notes',
};

/** Canonical names where one exists ("emailAddresses[0].address" → "email"), Graph's otherwise. */
export function fieldsOfProperties(properties: string[]): string[] {
  const out = new Set<string>();
  for (const p of properties) {
    const top = p.split(/[.[/]/)[0] ?? p;
    out.add(FIELD_OF_PROPERTY[top] ?? top);
  }
  return [...out];
}
