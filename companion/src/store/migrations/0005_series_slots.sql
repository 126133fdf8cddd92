-- ============================================================================================
-- Syncline store — migration 0005: per-occurrence state of linked event series
--
-- A linked series syncs its edited and cancelled occurrences slot by slot (core/event-series*.ts).
-- What both sides last agreed on for a slot is kept here, one row per linked series:
--   slots — { HMAC of the slot's start: { field name: HMAC of the normalised value } }
-- The slot key is hashed too, so not even when an occurrence falls is stored. Only slots that are
-- not plain pattern on both sides have an entry. The row belongs to the pair (sf_id, mb_id): when
-- the link ends, or its mailbox series changes, the row no longer applies and is dropped.
-- ============================================================================================
CREATE TABLE event_series_slots (
  user_id    text        NOT NULL,               -- Salesforce User id of the rep
  sf_id      text        NOT NULL,               -- Salesforce series record id (the link's sf_id)
  mb_id      text        NOT NULL,               -- mailbox series master id (the link's mb_id)
  slots      jsonb       NOT NULL,               -- { slot HMAC: { field name: HMAC } }
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, sf_id),
  CONSTRAINT event_series_slots_object CHECK (jsonb_typeof(slots) = 'object')
);
