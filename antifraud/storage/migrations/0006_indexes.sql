-- indicators_state is a prefix of indicators_review and indicators_expiry: one index fewer to keep up
-- on every write (a bulk listing of a million entries writes each index once per row).
DROP INDEX IF EXISTS indicators_state
