"""Published lists: each format rendered from a snapshot, deltas, checksums, atomic writes, serving helpers."""
