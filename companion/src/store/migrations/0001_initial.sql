-- ============================================================================================
-- Syncline store — migration 0001: initial schema
--
-- These numbered files are the documentation of everything the Syncline companion keeps at rest.
-- Read them to know what is stored; no other code creates tables. The one other tenant of the
-- database is the job queue (pg-boss, in its own schema, 'pgboss' by default), whose job rows carry
-- a user id and nothing else.
--
-- What is stored: record ids, versions (SystemModstamp / etag / changeKey), per-field HMACs of the
-- last synced values, sync cursors, error codes, states and counts.
-- What is never stored: contact or event content — no names, e-mail addresses, phone numbers,
-- subjects, bodies or any other field value. Those live in Salesforce and in the mailboxes only.
-- test/unit/store.test.ts fails when a text column outside its allow-list appears, so a column that
-- could hold content cannot be added by accident.
--
-- Dialect: plain PostgreSQL, run unchanged on PGlite and on PostgreSQL. Each file runs once, in a
-- transaction, and is recorded in schema_migrations (created by the migration runner).
-- ============================================================================================

-- Installation-wide settings the companion itself maintains (e.g. a schema or key identifier).
-- Keys and values are identifiers, never record content.
CREATE TABLE meta (
  key   text PRIMARY KEY,
  value text NOT NULL
);

-- One row per Salesforce Contact that is paired with an item in a rep's mailbox.
CREATE TABLE contact_links (
  user_id    text        NOT NULL,               -- Salesforce User id of the rep whose mailbox it is
  sf_id      text        NOT NULL,               -- Salesforce Contact id
  mb_id      text        NOT NULL,               -- mailbox item id (Graph / EWS ItemId / Google resourceName)
  sf_version text        NOT NULL DEFAULT '',    -- Salesforce SystemModstamp at the last sync; '' unknown
  mb_version text        NOT NULL DEFAULT '',    -- mailbox etag / changeKey at the last sync; '' unknown
  hashes     jsonb       NOT NULL DEFAULT '{}',  -- { field name: HMAC of the normalised value }
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, sf_id),
  -- Deferred to commit, so one transaction can move a mailbox item from one Contact to another.
  CONSTRAINT contact_links_user_mb_key UNIQUE (user_id, mb_id) DEFERRABLE INITIALLY DEFERRED,
  CONSTRAINT contact_links_hashes_object CHECK (jsonb_typeof(hashes) = 'object')
);
-- CDC events name a Contact, not a user: find every mailbox it is linked into.
CREATE INDEX contact_links_sf_id_idx ON contact_links (sf_id);

-- Sync cursors: CDC replay ids, Graph delta links, Google sync tokens, EWS SyncState.
-- Naming convention: '<kind>:<what>' for the org-wide ones (e.g. 'cdc:/data/ContactChangeEvent'),
-- '<kind>:<what>:<userId>' for a rep's own (e.g. 'graph-delta:contacts:005xx0000012345AAA').
-- Resetting a user deletes every cursor whose name ends with ':<userId>'.
CREATE TABLE cursors (
  name       text        PRIMARY KEY,
  value      text        NOT NULL,               -- opaque token issued by the remote system
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Salesforce record ids a CDC event named for a user, waiting for that user's next sync.
CREATE TABLE pending_sf_ids (
  user_id  text        NOT NULL,
  sf_id    text        NOT NULL,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, sf_id)
);

-- The items that failed in a user's last sync. Replaced as a whole on every sync.
CREATE TABLE item_errors (
  user_id text        NOT NULL,
  side    text        NOT NULL CHECK (side IN ('salesforce', 'mailbox')),
  item_id text        NOT NULL,                  -- record / item id on that side
  code    text        NOT NULL,                  -- machine-readable error code
  message text        NOT NULL,                  -- names the item by id and fields by name; no values
  fields  jsonb       NOT NULL DEFAULT '[]',     -- names of the fields involved
  at      timestamptz NOT NULL,
  CONSTRAINT item_errors_fields_array CHECK (jsonb_typeof(fields) = 'array')
);
CREATE INDEX item_errors_user_id_idx ON item_errors (user_id);

-- Per user sync state, mirrored to Sync_User_Status__c in Salesforce.
CREATE TABLE user_status (
  user_id                 text        PRIMARY KEY,
  state                   text        NOT NULL
    CHECK (state IN ('initial_sync', 'syncing', 'idle', 'error', 'stopped')),
  last_sync_to_mailbox    timestamptz,
  last_sync_to_salesforce timestamptz,
  contacts_linked         integer     NOT NULL DEFAULT 0 CHECK (contacts_linked >= 0),
  contacts_failed         integer     NOT NULL DEFAULT 0 CHECK (contacts_failed >= 0),
  last_error_code         text,                   -- machine-readable error code
  last_error              text,                   -- error text; names ids and fields, never values
  updated_at              timestamptz NOT NULL
);
