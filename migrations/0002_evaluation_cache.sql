-- 0002_evaluation_cache: the artifacts of every pipeline stage, keyed by content, and the results
-- of `syncbench eval`.
--
-- Shipped migrations are never edited: change the schema with a new NNNN_name.sql file.

-- One row per stage result. `key` is the SHA-256 (64 lowercase hex digits) of the stage's inputs'
-- keys, its settings, the weights it used and its algorithm version (docs/cache.md), so equal keys
-- mean equal results. `metaJSON` holds the small, structured part (counts, shapes, per-track
-- scalars); `payload` the bulk (little-endian arrays, JSON lists) in the documented `format`.
-- `payloadSHA256` lets `cache verify` detect damage. A row is written in one transaction, after
-- any frames it owns, so it exists only when the artifact is whole.
CREATE TABLE artifact (
    key TEXT NOT NULL PRIMARY KEY CHECK (length(key) = 64 AND key NOT GLOB '*[^0-9a-f]*'),
    stage TEXT NOT NULL CHECK (stage <> ''),
    format TEXT NOT NULL CHECK (format <> ''),
    metaJSON TEXT NOT NULL CHECK (json_valid(metaJSON)),
    payload BLOB NOT NULL,
    payloadSHA256 TEXT NOT NULL CHECK (length(payloadSHA256) = 64),
    frameCount INTEGER NOT NULL DEFAULT 0 CHECK (frameCount >= 0),
    -- Wall-clock seconds it took to compute.
    seconds REAL NOT NULL CHECK (seconds >= 0),
    -- UTC, 'YYYY-MM-DD HH:MM:SS.SSS'.
    createdAt TEXT NOT NULL
) STRICT;

CREATE INDEX artifact_stage ON artifact (stage);

-- Frames owned by an artifact (224x224 crops, one PNG each). Frames are written in chunks, each in
-- its own transaction, before their artifact row; frames whose artifact row does not exist belong
-- to an interrupted run and are deleted when the stage runs again (or by `cache gc`). No foreign
-- key, for that reason.
CREATE TABLE artifactFrame (
    artifactKey TEXT NOT NULL,
    frameIndex INTEGER NOT NULL CHECK (frameIndex >= 0),
    png BLOB NOT NULL,
    PRIMARY KEY (artifactKey, frameIndex)
) STRICT, WITHOUT ROWID;

-- One row per evaluation of a clip: the video (and speech) by content, the profile and settings,
-- and the outcome. `key` is the SHA-256 of all of them, so rerunning an identical evaluation finds
-- its row.
CREATE TABLE evaluation (
    key TEXT NOT NULL PRIMARY KEY CHECK (length(key) = 64 AND key NOT GLOB '*[^0-9a-f]*'),
    videoSHA256 TEXT NOT NULL CHECK (length(videoSHA256) = 64),
    -- The separate speech file, NULL when the audio comes from the video (joonson profile).
    speechSHA256 TEXT CHECK (speechSHA256 IS NULL OR length(speechSHA256) = 64),
    -- The path the video had when last evaluated (informational; the key is the content).
    videoPath TEXT NOT NULL,
    speechPath TEXT,
    profile TEXT NOT NULL CHECK (profile <> ''),
    clean INTEGER NOT NULL CHECK (clean IN (0, 1)),
    -- 'ok', 'no_face', 'no_track', 'too_short', 'no_audio', 'audio_error', 'decode_error'.
    status TEXT NOT NULL CHECK (status <> ''),
    message TEXT NOT NULL,
    -- LSE-C (max confidence over tracks) and LSE-D (min distance over tracks); NULL unless ok.
    bestConfidence REAL,
    minDistance REAL,
    -- The full settings and the per-track results, JSON.
    settingsJSON TEXT NOT NULL CHECK (json_valid(settingsJSON)),
    resultJSON TEXT NOT NULL CHECK (json_valid(resultJSON)),
    seconds REAL NOT NULL CHECK (seconds >= 0),
    evaluatedAt TEXT NOT NULL
) STRICT;

CREATE INDEX evaluation_video ON evaluation (videoSHA256);

-- The scored tracks of an evaluation, in track order.
CREATE TABLE evaluationTrack (
    evaluationKey TEXT NOT NULL REFERENCES evaluation (key) ON DELETE CASCADE,
    track INTEGER NOT NULL CHECK (track >= 0),
    startFrame INTEGER NOT NULL,
    endFrame INTEGER NOT NULL,
    -- 'ok' or why this track has no score ('too_short').
    status TEXT NOT NULL,
    offset INTEGER,
    confidence REAL,
    minDistance REAL,
    windows INTEGER NOT NULL,
    PRIMARY KEY (evaluationKey, track)
) STRICT;

-- Which artifacts an evaluation used (what `cache gc` keeps).
CREATE TABLE evaluationArtifact (
    evaluationKey TEXT NOT NULL REFERENCES evaluation (key) ON DELETE CASCADE,
    artifactKey TEXT NOT NULL,
    PRIMARY KEY (evaluationKey, artifactKey)
) STRICT, WITHOUT ROWID;

CREATE INDEX evaluationArtifact_artifact ON evaluationArtifact (artifactKey);

-- Documented, stable views for `syncbench query sql` (docs/cache.md).
CREATE VIEW clip AS
    SELECT e.key AS evaluation, e.videoSHA256 AS video_sha256, e.videoPath AS video,
           e.speechSHA256 AS speech_sha256, e.speechPath AS speech, e.profile, e.clean, e.status,
           e.message, e.bestConfidence AS lse_c, e.minDistance AS lse_d,
           (SELECT count(*) FROM evaluationTrack t WHERE t.evaluationKey = e.key) AS tracks,
           e.seconds, e.evaluatedAt AS evaluated_at
    FROM evaluation e;

CREATE VIEW track AS
    SELECT t.evaluationKey AS evaluation, e.videoSHA256 AS video_sha256, e.videoPath AS video,
           e.profile, e.clean, t.track, t.startFrame AS start_frame, t.endFrame AS end_frame,
           t.status, t.offset, t.confidence, t.minDistance AS min_dist, t.windows
    FROM evaluationTrack t JOIN evaluation e ON e.key = t.evaluationKey;

CREATE VIEW cached_artifact AS
    SELECT key, stage, format, frameCount AS frames, length(payload) AS payload_bytes,
           seconds, createdAt AS created_at
    FROM artifact;
