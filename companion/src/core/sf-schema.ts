/**
 * Names of the Syncline objects and fields in force-app/. The companion, the sandbox and the
 * tests use these constants; test/metadata checks them against the XML so they cannot drift.
 */
export const SF = {
  configuration: {
    object: 'Sync_Configuration__c',
    fields: {
      active: 'Active__c',
      priority: 'Priority__c',
      contactsEnabled: 'Contacts_Enabled__c',
      contactsDirection: 'Contacts_Direction__c',
      contactsFilter: 'Contacts_Filter__c',
      eventsEnabled: 'Events_Enabled__c',
      eventsDirection: 'Events_Direction__c',
      eventsSelection: 'Events_Selection__c',
      eventsCategory: 'Events_Category__c',
      eventsSeries: 'Events_Sync_Series__c',
      eventsPrivate: 'Events_Sync_Private__c',
      eventsAutoRelate: 'Events_Auto_Relate__c',
      eventsPropagateDeletes: 'Events_Propagate_Deletes__c',
      eventsWindowDaysBack: 'Events_Window_Days_Back__c',
      eventsWindowDaysAhead: 'Events_Window_Days_Ahead__c',
      /** Applies to contacts and events alike. */
      conflictPolicy: 'Conflict_Policy__c',
      /** Percent field: the API carries 50 for 50%. */
      maxDeletePercent: 'Max_Delete_Percent__c',
    },
  },
  assignment: {
    object: 'Sync_Assignment__c',
    fields: {
      configuration: 'Sync_Configuration__c',
      user: 'User__c',
      profileId: 'Profile_Id__c',
    },
  },
  userStatus: {
    object: 'Sync_User_Status__c',
    fields: {
      user: 'User__c',
      /** Unique external id holding the user id: one status row per user, upserted on this key. */
      userKey: 'User_Key__c',
      state: 'State__c',
      lastSyncToMailbox: 'Last_Sync_To_Mailbox__c',
      lastSyncToSalesforce: 'Last_Sync_To_Salesforce__c',
      contactsSynced: 'Contacts_Synced__c',
      contactsFailed: 'Contacts_Failed__c',
      /** Blank until the user's first events pass (no default in the package, so blank never reads as zero). */
      eventsSynced: 'Events_Synced__c',
      eventsFailed: 'Events_Failed__c',
      lastErrorCode: 'Last_Error_Code__c',
      lastError: 'Last_Error__c',
      /** Counted from the item rows when the status is published (see status-publisher.ts). */
      unresolvedItems: 'Unresolved_Items__c',
      conflictsDecided: 'Conflicts_Decided__c',
      lastConflict: 'Last_Conflict__c',
      initialSyncProgress: 'Initial_Sync_Progress__c',
    },
  },
} as const;

/**
 * Picklist values of Contacts_Direction__c and Events_Direction__c (one value set, so the two
 * cannot come to mean different things), as stored in Salesforce → the port's values.
 */
export const DIRECTION_VALUES = {
  SalesforceToMailbox: 'salesforce_to_mailbox',
  MailboxToSalesforce: 'mailbox_to_salesforce',
  Both: 'both',
} as const;

/** Picklist values of Contacts_Filter__c. */
export const CONTACT_FILTER_VALUES = { OwnedByUser: 'owned' } as const;

/** Picklist values of Events_Selection__c. */
export const EVENT_SELECTION_VALUES = { AllEvents: 'all', SelectedEvents: 'selected' } as const;

/** Picklist values of Conflict_Policy__c. */
export const CONFLICT_POLICY_VALUES = {
  SalesforceWins: 'salesforce_wins',
  MailboxWins: 'mailbox_wins',
  NewestWins: 'newest_wins',
} as const;

/**
 * What a blank configuration field means. Salesforce fills a field's default only on insert, so
 * configurations saved before a field existed come back blank and the companion has to apply the
 * same defaults itself; test/metadata holds these equal to the XML <defaultValue>s.
 * Checkboxes are never blank in Salesforce; their defaults are here so the test pins them too.
 * Picklists are API names; maxDeletePercent is in percent as the API carries it.
 */
export const CONFIGURATION_DEFAULTS = {
  contactsDirection: 'Both',
  contactsFilter: 'OwnedByUser',
  eventsEnabled: false,
  eventsDirection: 'Both',
  eventsSelection: 'AllEvents',
  eventsCategory: 'Salesforce',
  eventsSeries: true,
  eventsPrivate: false,
  eventsAutoRelate: true,
  eventsPropagateDeletes: true,
  eventsWindowDaysBack: 30,
  eventsWindowDaysAhead: 365,
  conflictPolicy: 'SalesforceWins',
  maxDeletePercent: 50,
} as const satisfies Partial<Record<keyof typeof SF.configuration.fields, string | number | boolean>>;

/** Inclusive bounds the validation rules enforce; the companion clamps to them too. */
export const CONFIGURATION_LIMITS = {
  eventsWindowDays: { min: 0, max: 3650 },
  maxDeletePercent: { min: 1, max: 100 },
} as const;

/** Picklist values of State__c on Sync_User_Status__c. */
export const USER_STATES = ['Initial_Sync', 'Syncing', 'Idle', 'Error', 'Stopped'] as const;

/** Standard Contact fields the companion reads and writes. */
export const CONTACT_SOQL_FIELDS = [
  'Id',
  'OwnerId',
  'SystemModstamp',
  'FirstName',
  'LastName',
  'Email',
  'Phone',
  'MobilePhone',
  'HomePhone',
  'OtherPhone',
  'Fax',
  'Title',
  'Department',
  'AccountId',
  'Account.Name',
  'MailingStreet',
  'MailingCity',
  'MailingState',
  'MailingPostalCode',
  'MailingCountry',
  'OtherStreet',
  'OtherCity',
  'OtherState',
  'OtherPostalCode',
  'OtherCountry',
  'Birthdate',
  'Description',
] as const;

/** Our client id in Sforce-Call-Options; CDC events whose changeOrigin carries it are our own echoes. */
export const DEFAULT_CLIENT_ID = 'syncline';
