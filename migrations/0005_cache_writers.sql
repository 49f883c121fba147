-- 0005_cache_writers: evaluations that write the cache at the same time, and `cache gc` beside
-- them (docs/cache.md, "Transactions, interrupted runs and several writers").
--
-- Shipped migrations are never edited: change the schema with a new NNNN_name.sql file.

-- A process evaluating a clip right now. It registers before it reads or writes an artifact and
-- deletes its row in the transaction that records its evaluation (or when it gives up). While a
-- live writer exists, `cache gc` deletes no artifact (the writer may be using one no evaluation
-- refers to yet). A writer is dead when its process is gone from this host, or, on another
-- host, when its heartbeat is older than the staleness limit; `cache gc` deletes dead writers.
CREATE TABLE cacheWriter (
    id TEXT NOT NULL PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    -- Seconds since 1970-01-01 UTC.
    startedAt REAL NOT NULL,
    heartbeatAt REAL NOT NULL
) STRICT;

-- Frames a writer has produced for an artifact whose row it has not written yet (chunks of crops).
-- Each writer stages under its own id, so two writers of one artifact never touch each other's
-- frames; the transaction that writes the artifact row moves them into `artifactFrame` (or drops
-- them when another writer's row is already there). A writer's frames go with its row.
CREATE TABLE stagedFrame (
    writerID TEXT NOT NULL REFERENCES cacheWriter (id) ON DELETE CASCADE,
    artifactKey TEXT NOT NULL,
    frameIndex INTEGER NOT NULL CHECK (frameIndex >= 0),
    png BLOB NOT NULL,
    PRIMARY KEY (writerID, artifactKey, frameIndex)
) STRICT, WITHOUT ROWID;
