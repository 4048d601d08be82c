-- Durable jobs and DNS probe history (issue 5).
-- Times are RFC 3339 UTC text with microseconds, so comparing the text compares the times.
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL,                 -- JSON object
    dedup_key        TEXT,
    group_key        TEXT,                          -- registered domain: per-site concurrency limit
    state            TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'parked')),
    attempts         INTEGER NOT NULL DEFAULT 0,    -- runs started, counted at claim time
    max_attempts     INTEGER NOT NULL CHECK (max_attempts >= 1),
    run_at           TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    lease_owner      TEXT,
    lease_expires_at TEXT,
    last_error       TEXT
);

-- One active job per kind and dedup key; finished and parked jobs leave the index, so the same
-- work can be enqueued again later.
CREATE UNIQUE INDEX jobs_active_dedup ON jobs(kind, dedup_key)
    WHERE dedup_key IS NOT NULL AND state IN ('pending', 'running');

CREATE INDEX jobs_due ON jobs(state, run_at);

CREATE INDEX jobs_lease ON jobs(state, lease_expires_at);

CREATE TABLE dns_observations (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,                     -- the probed name, ASCII
    observed_at  TEXT NOT NULL,
    outcome      TEXT NOT NULL,                     -- answer, nxdomain, nodata, servfail, timeout, ...
    observation  TEXT NOT NULL                      -- JSON of workers.dns.model.DnsObservation
);

CREATE INDEX dns_observations_name ON dns_observations(name, observed_at);
