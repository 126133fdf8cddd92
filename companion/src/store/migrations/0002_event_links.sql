-- ============================================================================================
-- Syncline store — migration 0002: event links and pending Event ids
--
-- Events get their own links and their own pending ids, apart from contacts: an event id and a
-- contact id never share a table row, and a contact pass never clears an event's pending id (nor
-- the other way round). Like everything in this store these tables hold ids, versions and per-field
-- HMACs only — never a subject, a location, a body, an attendee or any other event content.
-- ============================================================================================

-- One row per Salesforce Event that is paired with an event in a rep's mailbox calendar.
-- Same shape and rules as contact_links (see 0001).
CREATE TABLE event_links (
  user_id    text        NOT NULL,               -- Salesforce User id of the rep whose calendar it is
  sf_id      text        NOT NULL,               -- Salesforce Event id
  mb_id      text        NOT NULL,               -- mailbox event id (Graph event id)
  sf_version text        NOT NULL DEFAULT '',    -- Salesforce SystemModstamp at the last sync; '' unknown
  mb_version text        NOT NULL DEFAULT '',    -- mailbox changeKey at the last sync; '' unknown
  hashes     jsonb       NOT NULL DEFAULT '{}',  -- { field name: HMAC of the normalised value }
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, sf_id),
  -- Deferred to commit, so one transaction can move a mailbox event from one Salesforce Event to another.
  CONSTRAINT event_links_user_mb_key UNIQUE (user_id, mb_id) DEFERRABLE INITIALLY DEFERRED,
  CONSTRAINT event_links_hashes_object CHECK (jsonb_typeof(hashes) = 'object')
);
-- CDC events name an Event, not a user: find every calendar it is linked into.
CREATE INDEX event_links_sf_id_idx ON event_links (sf_id);

-- Salesforce Event ids an EventChangeEvent named for a user, waiting for that user's next sync.
CREATE TABLE pending_event_ids (
  user_id  text        NOT NULL,
  sf_id    text        NOT NULL,                 -- Salesforce Event id
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, sf_id)
);
