-- Payment providers deliver a webhook event at least once. Its id is kept, in the transaction that
-- applies it, so that a redelivered event changes nothing a second time.
CREATE TABLE webhook_events (
  id          TEXT PRIMARY KEY,
  type        TEXT NOT NULL,
  link_id     TEXT NOT NULL,
  received_at TEXT NOT NULL
) STRICT;
