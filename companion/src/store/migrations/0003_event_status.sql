-- Events sync alongside contacts: item errors say which sync they belong to (each pass replaces
-- only its own kind), and the user status counts linked and failed events.
ALTER TABLE item_errors ADD COLUMN kind text NOT NULL DEFAULT 'contact' CHECK (kind IN ('contact', 'event'));
ALTER TABLE user_status ADD COLUMN events_linked integer CHECK (events_linked >= 0);
ALTER TABLE user_status ADD COLUMN events_failed integer CHECK (events_failed >= 0);
