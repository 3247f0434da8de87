-- Users and their API tokens, organizations and their members, plans, subscriptions, invoices,
-- and the payment and update-card links handed out to the payment provider's hosted pages.
-- Times are RFC 3339 in UTC to the second ("2026-11-01T09:00:00Z"), dates YYYY-MM-DD, money in
-- integer cents: all of them sort as text.

CREATE TABLE users (
  id TEXT PRIMARY KEY
) STRICT;

-- A bearer token is stored only as the hex SHA-256 of its text.
CREATE TABLE api_tokens (
  token_sha256 TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE
) STRICT;

CREATE TABLE organizations (
  id        TEXT PRIMARY KEY,
  name      TEXT NOT NULL,
  owner_id  TEXT NOT NULL REFERENCES users (id),
  resources INTEGER NOT NULL DEFAULT 0 CHECK (resources >= 0)
) STRICT;

-- Members may read an organization's billing; only its owner may change it.
CREATE TABLE memberships (
  org_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (org_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE plans (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  unit_cents INTEGER NOT NULL CHECK (unit_cents >= 0),
  is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1))
) STRICT;
CREATE UNIQUE INDEX plans_one_default ON plans (is_default) WHERE is_default = 1;

-- An organization has at most one active subscription (canceled_at IS NULL); canceled ones stay.
CREATE TABLE subscriptions (
  id          INTEGER PRIMARY KEY,
  org_id      TEXT NOT NULL REFERENCES organizations (id),
  plan_id     TEXT NOT NULL REFERENCES plans (id),
  quantity    INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
  payment_exp TEXT NOT NULL CHECK (payment_exp GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
  started_at  TEXT NOT NULL,
  renews_at   TEXT NOT NULL,
  canceled_at TEXT
) STRICT;
CREATE UNIQUE INDEX subscriptions_one_active ON subscriptions (org_id) WHERE canceled_at IS NULL;
CREATE INDEX subscriptions_due ON subscriptions (renews_at) WHERE canceled_at IS NULL;

-- seq is the creation order: history lists by date, then the most recently created first.
CREATE TABLE invoices (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  org_id       TEXT NOT NULL REFERENCES organizations (id),
  date         TEXT NOT NULL,
  due_date     TEXT NOT NULL CHECK (due_date >= date),
  amount_cents INTEGER NOT NULL,
  paid         INTEGER NOT NULL CHECK (paid IN (0, 1))
) STRICT;
CREATE INDEX invoices_history ON invoices (org_id, date DESC, seq DESC);

-- A link is open until the payment provider reports it completed or declined, and usable until
-- expires_at. A checkout starts a subscription (plan, quantity); a card update replaces the card of
-- the subscription it was asked for.
CREATE TABLE payment_links (
  id              TEXT PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('checkout', 'card_update')),
  org_id          TEXT NOT NULL REFERENCES organizations (id),
  plan_id         TEXT REFERENCES plans (id),
  quantity        INTEGER CHECK (quantity BETWEEN 1 AND 10000),
  subscription_id INTEGER REFERENCES subscriptions (id),
  created_at      TEXT NOT NULL,
  expires_at      TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'completed', 'declined')),
  closed_at       TEXT,
  CHECK ((kind = 'checkout') = (plan_id IS NOT NULL AND quantity IS NOT NULL)),
  CHECK ((kind = 'card_update') = (subscription_id IS NOT NULL))
) STRICT;
