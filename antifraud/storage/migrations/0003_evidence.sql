-- Evidence from the center's own probes (DNS, crawler), per source, as JSON:
-- {"dns": {"at": "...", "signals": [...]}, "crawl": {...}}. It joins the reports in every assessment.
ALTER TABLE indicators ADD COLUMN evidence TEXT NOT NULL DEFAULT '{}';

-- Links between indicators: a phone number advertised on a scam page, a site that points to another.
CREATE TABLE indicator_links (
    from_type   TEXT NOT NULL,
    from_value  TEXT NOT NULL,
    to_type     TEXT NOT NULL,
    to_value    TEXT NOT NULL,
    relation    TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    PRIMARY KEY (from_type, from_value, to_type, to_value, relation)
);
CREATE INDEX indicator_links_to ON indicator_links(to_type, to_value);
