/**
 * The sandbox's starting data: a few reps, sample contacts, and two active configurations. Both
 * sync contacts the same way (so contact behaviour does not depend on which one a rep has) and
 * events both ways; they differ only in which calendar events go to Salesforce. Every rep but the
 * last gets "all events"; the last rep gets "only events the rep selects", so both modes can be
 * seen side by side. A single-rep sandbox keeps that rep on "all events".
 */
import { SF } from '../companion/src/core/sf-schema.ts';
import { salesforceSeedEvents } from './seed-events.ts';
import type { OrgEmulator } from './salesforce/index.ts';
import type { GraphEmulator } from './microsoft/index.ts';

export const SANDBOX_DOMAIN = 'syncline-sandbox.example';

export interface SeededUser {
  id: string;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
}

export interface SeedOptions {
  /** Number of reps (default 3). */
  users?: number;
  /** Salesforce contacts per rep (default 5). */
  contactsPerUser?: number;
  /** Contacts already in each rep's mailbox folder before the first sync (default 2: one matches a Salesforce contact). */
  mailboxContactsPerUser?: number;
  /** Sample events in Salesforce and in each mailbox (default true; see seed-events.ts). */
  events?: boolean;
  /** The instant the sample events are placed around (default: now). */
  now?: number;
}

const FIRST = ['Avery', 'Blake', 'Casey', 'Devon', 'Emery', 'Finley', 'Harper', 'Jordan', 'Kai', 'Logan', 'Morgan', 'Parker', 'Quinn', 'Riley', 'Rowan', 'Sage'];
const LAST = ['Adams', 'Brooks', 'Chen', 'Diaz', 'Evans', 'Fischer', 'Garcia', 'Haddad', 'Ito', 'Jensen', 'Kowalski', 'Lopez', 'Moreau', 'Nakamura', 'Okafor', 'Patel'];
const COMPANIES = ['Northwind Traders', 'Contoso Pharmaceuticals', 'Fabrikam Inc.', 'Tailspin Toys'];

export interface Seeded {
  integrationUser: SeededUser;
  users: SeededUser[];
  /** "All events": every rep but the last. */
  configurationId: string;
  /** "Only events the rep selects" (Outlook category SELECTED_EVENTS_CATEGORY): the last rep, when there are two or more. */
  selectedEventsConfigurationId: string;
}

/** The Outlook category that marks a selected event in the second seeded configuration. */
export const SELECTED_EVENTS_CATEGORY = 'Salesforce';

export function seedSandbox(org: OrgEmulator, graph: GraphEmulator, opts: SeedOptions = {}): Seeded {
  const userCount = opts.users ?? 3;
  const perUser = opts.contactsPerUser ?? 5;
  const inMailbox = opts.mailboxContactsPerUser ?? 2;

  const integration = {
    username: `integration@${SANDBOX_DOMAIN}`,
    email: `integration@${SANDBOX_DOMAIN}`,
    firstName: 'Syncline',
    lastName: 'Integration',
  };
  const integrationUser: SeededUser = { ...integration, id: org.addUser({ ...integration, isAdmin: true, timeZoneSidKey: 'America/Los_Angeles' }) };

  const accounts = COMPANIES.map((name) => org.insert('Account', { Name: name }, integrationUser.id));
  void accounts;

  const cfg = SF.configuration.fields;
  // Spelled out rather than left to the field defaults: the emulator applies only checkbox and
  // picklist defaults, and the sandbox should show every setting an admin sees.
  const shared = {
    [cfg.active]: true,
    [cfg.contactsEnabled]: true,
    [cfg.contactsDirection]: 'Both',
    [cfg.contactsFilter]: 'OwnedByUser',
    [cfg.eventsEnabled]: true,
    [cfg.eventsDirection]: 'Both',
    [cfg.eventsCategory]: SELECTED_EVENTS_CATEGORY,
    [cfg.eventsSeries]: true,
    [cfg.eventsPrivate]: false,
    [cfg.eventsAutoRelate]: true,
    [cfg.eventsPropagateDeletes]: true,
    [cfg.eventsWindowDaysBack]: 30,
    [cfg.eventsWindowDaysAhead]: 365,
    [cfg.conflictPolicy]: 'SalesforceWins',
    [cfg.maxDeletePercent]: 50,
  };
  const configurationId = org.insert(
    SF.configuration.object,
    { ...shared, Name: 'All reps: contacts and all events both ways', [cfg.priority]: 1, [cfg.eventsSelection]: 'AllEvents' },
    integrationUser.id,
  );
  // The last rep's own assignment already beats any profile assignment; the lower priority number
  // also makes it win if someone later assigns that rep the first configuration as well.
  const selectedEventsConfigurationId = org.insert(
    SF.configuration.object,
    { ...shared, Name: 'One rep: contacts and selected events both ways', [cfg.priority]: 0, [cfg.eventsSelection]: 'SelectedEvents' },
    integrationUser.id,
  );

  const users: SeededUser[] = [];
  for (let u = 0; u < userCount; u++) {
    const firstName = FIRST[u % FIRST.length]!;
    const lastName = `${LAST[u % LAST.length]!}${u >= LAST.length ? u : ''}`;
    const local = `${firstName}.${lastName}`.toLowerCase();
    const email = `${local}@${SANDBOX_DOMAIN}`;
    const id = org.addUser({ username: email, email, firstName, lastName, timeZoneSidKey: 'Europe/London' });
    graph.addMailbox({ userPrincipalName: email, displayName: `${firstName} ${lastName}` });
    users.push({ id, username: email, email, firstName, lastName });
    const selectsEvents = userCount >= 2 && u === userCount - 1;
    org.insert(
      SF.assignment.object,
      { [SF.assignment.fields.configuration]: selectsEvents ? selectedEventsConfigurationId : configurationId, [SF.assignment.fields.user]: id },
      integrationUser.id,
    );

    for (let c = 0; c < perUser; c++) {
      const cf = FIRST[(u * 7 + c * 3 + 5) % FIRST.length]!;
      const cl = LAST[(u * 5 + c * 11 + 3) % LAST.length]!;
      org.insert(
        'Contact',
        {
          OwnerId: id,
          FirstName: cf,
          LastName: cl,
          Email: `${cf}.${cl}.${u}.${c}@customer.example`.toLowerCase(),
          Phone: `+1 555 01${String(u).padStart(2, '0')}${String(c).padStart(2, '0')}`,
          Title: c % 2 === 0 ? 'Purchasing Manager' : 'VP Operations',
          Department: c % 3 === 0 ? 'Procurement' : undefined,
          AccountId: c % 2 === 0 ? accounts[c % accounts.length] : undefined,
          MailingCity: c % 2 === 1 ? 'Seattle' : undefined,
          Description: c === 0 ? 'Met at the spring trade fair.\nPrefers e-mail.' : undefined,
        },
        id,
      );
    }
  }
  if (opts.events !== false) {
    const now = opts.now ?? Date.now();
    for (const [u, user] of users.entries()) {
      for (const event of salesforceSeedEvents(user.id, u, now)) org.insert('Event', event, user.id);
    }
  }
  void inMailbox;
  return { integrationUser, users, configurationId, selectedEventsConfigurationId };
}

/**
 * Contacts the reps already keep in their Salesforce_Sync folder: the first matches a Salesforce
 * contact by e-mail (so the first sync pairs instead of duplicating), the others are new.
 * Written through Graph by the caller once the folder exists, so the emulator behaves as for a real client.
 */
export function mailboxSeedContacts(userIndex: number, count: number, salesforceEmailToMatch?: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < count; i++) {
    if (i === 0 && salesforceEmailToMatch) {
      out.push({ givenName: 'Matched', surname: 'ByEmail', emailAddresses: [{ address: salesforceEmailToMatch }], mobilePhone: '+1 555 0199' });
      continue;
    }
    const gn = FIRST[(userIndex * 3 + i * 5 + 1) % FIRST.length]!;
    const sn = LAST[(userIndex * 7 + i * 3 + 9) % LAST.length]!;
    out.push({
      givenName: gn,
      surname: sn,
      emailAddresses: [{ address: `${gn}.${sn}.mbx${userIndex}.${i}@partner.example`.toLowerCase(), name: `${gn} ${sn}` }],
      companyName: COMPANIES[i % COMPANIES.length],
      jobTitle: 'Account Director',
      businessPhones: ['+44 20 7946 0' + String(100 + userIndex * 10 + i)],
    });
  }
  return out;
}
