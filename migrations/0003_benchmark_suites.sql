-- 0003_benchmark_suites: benchmark suites, the models compared on them, their samples, each
-- model's input files per sample (one row per version), the outcome of `syncbench bench run` per
-- input and configuration, and the claims that keep concurrent runs off each other's samples.
--
-- Shipped migrations are never edited: change the schema with a new NNNN_name.sql file.
-- Rows use natural keys (names, SHA-256 digests), never row ids, so that `syncbench db merge`
-- can union databases filled on different machines.

-- A suite: a set of samples (prompts) that every model renders.
CREATE TABLE suite (
    name TEXT NOT NULL PRIMARY KEY CHECK (name <> ''),
    -- 'mochabench' (benchmark.csv, speeches, categories and groups) or 'folder' (a plain folder of clips per model).
    kind TEXT NOT NULL CHECK (kind IN ('mochabench', 'folder')),
    -- The MoChaBench checkout, or the folder given when the suite was created (informational).
    root TEXT NOT NULL,
    -- UTC, 'YYYY-MM-DD HH:MM:SS.SSS'.
    createdAt TEXT NOT NULL
) STRICT;

-- A model (video generator) of a suite: a leaderboard row. `position` keeps registration order.
CREATE TABLE suiteModel (
    suite TEXT NOT NULL REFERENCES suite (name) ON DELETE CASCADE,
    model TEXT NOT NULL CHECK (model <> ''),
    -- The folder its videos were registered from.
    videoRoot TEXT NOT NULL,
    position INTEGER NOT NULL,
    addedAt TEXT NOT NULL,
    PRIMARY KEY (suite, model)
) STRICT;

-- A sample of a suite, the same for every model: MoChaBench's `<category>/<context_id>`, or a
-- folder suite's file path without extension. `idx` is MoChaBench's idx_in_category (folder
-- suites: 1-based position by name within the category).
CREATE TABLE suiteSample (
    suite TEXT NOT NULL REFERENCES suite (name) ON DELETE CASCADE,
    sampleID TEXT NOT NULL CHECK (sampleID <> ''),
    category TEXT NOT NULL CHECK (category <> ''),
    idx INTEGER NOT NULL,
    prompt TEXT,
    PRIMARY KEY (suite, sampleID)
) STRICT;

-- What one model has for one sample: its video, the speech scored against it (NULL: the video's
-- own audio) and face boxes to use instead of S3FD (NULL: run S3FD). A changed file is a new row
-- (a new version); the current version is the one registered last. `key` is the SHA-256 of the
-- suite, model, sample and the three files' digests; a missing file has a NULL digest and
-- `problem` says why the input cannot be evaluated.
CREATE TABLE sampleInput (
    key TEXT NOT NULL PRIMARY KEY CHECK (length(key) = 64 AND key NOT GLOB '*[^0-9a-f]*'),
    suite TEXT NOT NULL,
    model TEXT NOT NULL,
    sampleID TEXT NOT NULL,
    videoPath TEXT NOT NULL,
    videoSHA256 TEXT CHECK (videoSHA256 IS NULL OR length(videoSHA256) = 64),
    speechPath TEXT,
    speechSHA256 TEXT CHECK (speechSHA256 IS NULL OR length(speechSHA256) = 64),
    boxesPath TEXT,
    boxesSHA256 TEXT CHECK (boxesSHA256 IS NULL OR length(boxesSHA256) = 64),
    problem TEXT,
    registeredAt TEXT NOT NULL,
    FOREIGN KEY (suite, model) REFERENCES suiteModel (suite, model) ON DELETE CASCADE,
    FOREIGN KEY (suite, sampleID) REFERENCES suiteSample (suite, sampleID) ON DELETE CASCADE
) STRICT;

CREATE INDEX sampleInput_sample ON sampleInput (suite, model, sampleID, registeredAt);

-- The outcome of evaluating one input under one configuration (`configKey`: SHA-256 of the
-- evaluation settings and the weights' digests). `evaluationKey` points at the `evaluation` row
-- with the scores; it is NULL when the input could not be evaluated at all (its video is missing).
CREATE TABLE benchResult (
    inputKey TEXT NOT NULL REFERENCES sampleInput (key) ON DELETE CASCADE,
    configKey TEXT NOT NULL CHECK (length(configKey) = 64),
    profile TEXT NOT NULL,
    clean INTEGER NOT NULL CHECK (clean IN (0, 1)),
    evaluationKey TEXT,
    -- A ClipStatus ('ok', 'no_face', ...) or 'missing' (the video file does not exist).
    status TEXT NOT NULL CHECK (status <> ''),
    message TEXT NOT NULL,
    seconds REAL NOT NULL CHECK (seconds >= 0),
    finishedAt TEXT NOT NULL,
    PRIMARY KEY (inputKey, configKey)
) STRICT;

CREATE INDEX benchResult_evaluation ON benchResult (evaluationKey);

-- A sample being evaluated by a run right now. A run takes the claim before it evaluates an input
-- and deletes it afterwards; another run skips claimed inputs unless the claim is stale (its
-- process is gone from this host, or its heartbeat is older than the staleness limit).
CREATE TABLE benchClaim (
    inputKey TEXT NOT NULL,
    configKey TEXT NOT NULL,
    owner TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    -- Seconds since 1970-01-01 UTC.
    heartbeatAt REAL NOT NULL,
    PRIMARY KEY (inputKey, configKey)
) STRICT;

-- Documented, stable view for `syncbench query sql` (docs/cache.md): the current input of every
-- (suite, model, sample) with its latest result under any configuration.
CREATE VIEW bench_result AS
    SELECT i.suite, i.model, i.sampleID AS sample, s.category, s.idx, i.videoPath AS video, i.speechPath AS speech,
           i.videoSHA256 AS video_sha256, r.profile, r.clean, r.status, r.message, e.bestConfidence AS lse_c,
           e.minDistance AS lse_d, r.seconds, r.finishedAt AS finished_at, r.evaluationKey AS evaluation
    FROM sampleInput i
    JOIN suiteSample s ON s.suite = i.suite AND s.sampleID = i.sampleID
    LEFT JOIN benchResult r ON r.inputKey = i.key
    LEFT JOIN evaluation e ON e.key = r.evaluationKey
    WHERE i.registeredAt = (SELECT max(j.registeredAt) FROM sampleInput j
                            WHERE j.suite = i.suite AND j.model = i.model AND j.sampleID = i.sampleID);
