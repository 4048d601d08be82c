-- The center's core state. Times are RFC 3339 UTC text; JSON columns hold signals and details.
CREATE TABLE operators (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

CREATE TABLE api_keys (
    key_id       TEXT PRIMARY KEY,              -- public part of the key
    secret_hash  TEXT NOT NULL,                 -- sha256 of the secret part (keys are 256-bit random)
    scopes       TEXT NOT NULL,                 -- comma-separated
    operator_id  INTEGER NOT NULL REFERENCES operators(id),
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);

CREATE TABLE indicators (
    id                INTEGER PRIMARY KEY,
    type              TEXT NOT NULL,
    value             TEXT NOT NULL,
    display           TEXT NOT NULL,
    first_seen        TEXT NOT NULL,
    state             TEXT NOT NULL,
    score             INTEGER NOT NULL,
    verdict           TEXT NOT NULL,
    signals           TEXT NOT NULL,
    category          TEXT,
    categories        TEXT NOT NULL,
    state_changed_at  TEXT,
    listed_at         TEXT,
    expires_at        TEXT,
    first_report_at   TEXT,
    published_version INTEGER,
    analyst_locked    INTEGER NOT NULL DEFAULT 0,
    disputed          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (type, value)
);
CREATE INDEX indicators_state ON indicators(state);

CREATE TABLE reports (
    report_id    TEXT PRIMARY KEY,
    type         TEXT NOT NULL,
    value        TEXT NOT NULL,
    operator_id  INTEGER NOT NULL,
    original     TEXT NOT NULL,
    url          TEXT,
    category     TEXT NOT NULL,
    comment      TEXT,
    observed_at  TEXT,
    received_at  TEXT NOT NULL,
    source       TEXT
);
CREATE INDEX reports_received ON reports(received_at);
CREATE INDEX reports_indicator ON reports(type, value);

CREATE TABLE allowlist (
    type        TEXT NOT NULL,
    value       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (type, value)
);

-- Every change of state, with who and why. `writer` names the process that wrote it, so a running
-- server can pick up changes made by the CLI in another process.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    writer      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    type        TEXT,
    value       TEXT,
    from_state  TEXT,
    to_state    TEXT,
    reason      TEXT NOT NULL,
    details     TEXT NOT NULL
);
CREATE INDEX audit_indicator ON audit_log(type, value);

CREATE TABLE idempotency (
    operator_id   INTEGER NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,
    response      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (operator_id, key)
);

CREATE TABLE publications (
    version     INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL,
    domains     INTEGER NOT NULL,
    phones      INTEGER NOT NULL,
    status      TEXT NOT NULL,
    reason      TEXT NOT NULL
);

CREATE TABLE publication_changes (
    version  INTEGER NOT NULL,
    list     TEXT NOT NULL,
    value    TEXT NOT NULL,
    added    INTEGER NOT NULL,
    entry    TEXT,
    PRIMARY KEY (version, list, value)
);

CREATE TABLE hits (
    operator_id     INTEGER NOT NULL,
    list            TEXT NOT NULL,
    interval_start  TEXT NOT NULL,
    interval_end    TEXT NOT NULL,
    total           INTEGER NOT NULL,
    per_category    TEXT NOT NULL,
    entries         TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    PRIMARY KEY (operator_id, list, interval_start, interval_end)
);

CREATE TABLE disputes (
    dispute_id   TEXT PRIMARY KEY,
    type         TEXT NOT NULL,
    value        TEXT NOT NULL,
    operator_id  INTEGER NOT NULL,
    reason       TEXT NOT NULL,
    contact      TEXT,
    created_at   TEXT NOT NULL
);
