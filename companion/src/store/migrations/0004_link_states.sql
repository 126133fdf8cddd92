-- Links remember two more things, still without content:
--   parked    — one copy is out of the sync (it left the scope, or its delete was not carried
--               over): { "side": "salesforce" | "mailbox", "gone": boolean }. The pair is kept so
--               the other copy is not copied again as new, and resumes if the copy comes back.
--   unsettled — writes of the last pass whose outcome is unknown (the request failed after it may
--               have been applied): { side: { "hashes": { field: HMAC } } | { "delete": true } }.
-- Both are NULL for an ordinary link.
ALTER TABLE contact_links ADD COLUMN parked jsonb CHECK (parked IS NULL OR jsonb_typeof(parked) = 'object');
ALTER TABLE contact_links ADD COLUMN unsettled jsonb CHECK (unsettled IS NULL OR jsonb_typeof(unsettled) = 'object');
ALTER TABLE event_links ADD COLUMN parked jsonb CHECK (parked IS NULL OR jsonb_typeof(parked) = 'object');
ALTER TABLE event_links ADD COLUMN unsettled jsonb CHECK (unsettled IS NULL OR jsonb_typeof(unsettled) = 'object');
