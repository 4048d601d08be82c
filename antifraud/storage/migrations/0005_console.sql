-- The analysts' console (issue 13): accounts, sessions kept in the store (every node sees a logout at
-- once), and the indexes its pages read through.
CREATE TABLE console_users (
    name                 TEXT PRIMARY KEY,
    role                 TEXT NOT NULL CHECK (role IN ('analyst', 'admin')),
    password_hash        TEXT NOT NULL,             -- argon2id, with its parameters and salt
    must_change          INTEGER NOT NULL DEFAULT 1, -- a one-time password: changed at the first login
    disabled             INTEGER NOT NULL DEFAULT 0,
    created_at           TEXT NOT NULL,
    password_changed_at  TEXT
);

-- A session is found by the SHA-256 of its cookie: a copy of the database opens no session.
CREATE TABLE console_sessions (
    token_hash    TEXT PRIMARY KEY,
    username      TEXT NOT NULL REFERENCES console_users(name) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL                      -- absolute end, whatever the activity
);
CREATE INDEX console_sessions_user ON console_sessions(username);
CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);

-- The dashboard: how long items wait (state, since when) and how long listings took.
CREATE INDEX indicators_state_since ON indicators(state, state_changed_at);
-- The indicator page: the published versions that carried a value.
CREATE INDEX publication_changes_value ON publication_changes(list, value, version);
-- The disputes queue: the open ones, oldest first.
CREATE INDEX disputes_open ON disputes(closed_at, created_at);
-- The indicator page: recent blocked hits of one list.
CREATE INDEX hits_recent ON hits(list, interval_start)
;

-- The review queue reads its two parts (disputed, then the rest) along this index in the page's own
-- order (score descending, then oldest first): a page costs its offset in index steps, never a sort of
-- every waiting row. Same columns as before, score now descending.
DROP INDEX indicators_review;
CREATE INDEX indicators_review ON indicators(state, disputed, score DESC, first_seen);
-- The queue's counts under the type and category filters, from the index alone.
CREATE INDEX indicators_queue_filters ON indicators(state, disputed, type, category)
;
-- The disputed (a few among millions) in the queue's order, whatever their state.
CREATE INDEX indicators_disputed ON indicators(score DESC, first_seen) WHERE disputed = 1
