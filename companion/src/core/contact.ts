/**
 * The canonical contact: what Syncline considers "the same contact" on every side.
 * Each key of ContactFields is a sync unit: it is hashed, compared and merged on its own.
 * Absent and empty are the same thing (normalisation turns "" into undefined).
 */
export interface PostalAddress {
  street?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  country?: string;
}

export interface ContactFields {
  firstName?: string;
  lastName?: string;
  email?: string;
  businessPhone?: string;
  mobilePhone?: string;
  homePhone?: string;
  otherPhone?: string;
  fax?: string;
  title?: string;
  department?: string;
  /** Company name; on Salesforce it is the related Account's Name. */
  company?: string;
  /** Salesforce Mailing address ⇄ Graph businessAddress. */
  mailingAddress?: PostalAddress;
  /** Salesforce Other address ⇄ Graph otherAddress. */
  otherAddress?: PostalAddress;
  /** Calendar date, YYYY-MM-DD. */
  birthday?: string;
  notes?: string;
}

export type ContactField = keyof ContactFields;

export const CONTACT_FIELDS: readonly ContactField[] = [
  'firstName',
  'lastName',
  'email',
  'businessPhone',
  'mobilePhone',
  'homePhone',
  'otherPhone',
  'fax',
  'title',
  'department',
  'company',
  'mailingAddress',
  'otherAddress',
  'birthday',
  'notes',
] as const;

/** A problem found while mapping one item; never fatal for the other items. */
export interface MappingWarning {
  field: string;
  code: 'truncated' | 'dropped' | 'invalid' | 'unresolved';
  message: string;
}
