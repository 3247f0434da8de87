-- A database with a row here bills on this clock instead of the wall clock, as a payment
-- provider's test clock does: it moves only when advanced, and renewals fall due on the way.
-- The demo data has one; a production database has none.
CREATE TABLE test_clock (
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  now TEXT NOT NULL
) STRICT;
