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
      lastErrorCode: 'Last_Error_Code__c',
      lastError: 'Last_Error__c',
      initialSyncProgress: 'Initial_Sync_Progress__c',
    },
  },
} as const;

/** Picklist values of Contacts_Direction__c, as stored in Salesforce. */
export const DIRECTION_VALUES = {
  SalesforceToMailbox: 'salesforce_to_mailbox',
  MailboxToSalesforce: 'mailbox_to_salesforce',
  Both: 'both',
} as const;

/** Picklist values of Contacts_Filter__c. */
export const CONTACT_FILTER_VALUES = { OwnedByUser: 'owned' } as const;

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
