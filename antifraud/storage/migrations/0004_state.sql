-- One source of truth (issue 8): row versions, the change feed, counters kept in the store, the
-- published membership, leases, heartbeats.

-- Optimistic concurrency: every write of an indicator is `UPDATE ... WHERE row_version = ?`.
ALTER TABLE indicators ADD COLUMN row_version INTEGER NOT NULL DEFAULT 1;
-- Reports inside the policy window, kept on the row so that the distinct-operators rule reads one row
-- written under the row version, whichever process wrote the reports: [[operator_id, at], ...].
ALTER TABLE indicators ADD COLUMN reporters TEXT NOT NULL DEFAULT '[]';
-- Who put it on the list: 'auto' or 'analyst' (published with every entry).
ALTER TABLE indicators ADD COLUMN origin TEXT;
CREATE INDEX indicators_review ON indicators(state, disputed, score, first_seen);
CREATE INDEX indicators_expiry ON indicators(state, expires_at);

-- The change feed: every committed change set appends here in its own transaction. Other processes
-- (the CLI, more nodes) read it by sequence and converge within about a second. `data` holds what a
-- reader needs without another query: the projection of an indicator for the read model, a key id, ...
CREATE TABLE changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    writer  TEXT NOT NULL,
    topic   TEXT NOT NULL,      -- indicator | allow | key | counters | publication | hold
    type    TEXT,
    value   TEXT,
    data    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX changes_at ON changes(at);

-- Counters that must survive restarts and add up across processes (reports, decisions, blocked hits).
CREATE TABLE counters (
    name    TEXT NOT NULL,
    labels  TEXT NOT NULL,      -- JSON array of label values, in the metric's label order
    value   REAL NOT NULL,
    PRIMARY KEY (name, labels)
) WITHOUT ROWID;

-- What the newest published version of each list holds: the publisher compares with it.
CREATE TABLE published_entries (
    list        TEXT NOT NULL,
    value       TEXT NOT NULL,
    category    TEXT NOT NULL,
    score       INTEGER NOT NULL,
    listed_at   TEXT NOT NULL,
    expires_at  TEXT,
    display     TEXT,
    origin      TEXT NOT NULL,
    PRIMARY KEY (list, value)
) WITHOUT ROWID;
INSERT INTO published_entries
SELECT pc.list, pc.value, json_extract(pc.entry, '$.category'), json_extract(pc.entry, '$.score'),
       json_extract(pc.entry, '$.listed_at'), json_extract(pc.entry, '$.expires_at'),
       json_extract(pc.entry, '$.display'), 'auto'
FROM publication_changes pc
WHERE pc.added = 1 AND pc.version = (
    SELECT MAX(p2.version) FROM publication_changes p2 WHERE p2.list = pc.list AND p2.value = pc.value
);

-- add | update | remove: the mass-change guard needs to know which values the baseline held.
ALTER TABLE publication_changes ADD COLUMN action TEXT NOT NULL DEFAULT 'add';
UPDATE publication_changes SET action = 'remove' WHERE added = 0;
-- The change feed position a publication consumed, and who released a held one.
ALTER TABLE publications ADD COLUMN feed_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE publications ADD COLUMN approved INTEGER NOT NULL DEFAULT 0;
ALTER TABLE publications ADD COLUMN wallets INTEGER NOT NULL DEFAULT 0;

-- Leadership on SQLite (PostgreSQL uses advisory locks): the publisher holds a lease it renews.
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

-- /healthz commits here: a store that cannot write makes the center unhealthy.
CREATE TABLE heartbeats (
    writer  TEXT PRIMARY KEY,
    at      TEXT NOT NULL
);

-- Disputes are closed by a decision.
ALTER TABLE disputes ADD COLUMN closed_at TEXT;

-- Hits already counted into the counters table (earlier versions kept counts only in memory).
INSERT INTO counters (name, labels, value)
SELECT 'blocked_hits', json_array(h.list, je.key), SUM(je.value)
FROM hits h, json_each(h.per_category) je
GROUP BY h.list, je.key;
INSERT INTO counters (name, labels, value)
SELECT 'operator_blocked_hits', json_array(h.list, o.name), SUM(h.total)
FROM hits h JOIN operators o ON o.id = h.operator_id
GROUP BY h.list, o.name
