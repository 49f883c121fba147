-- 0001_media_file: what `syncbench media probe` learns about a media file, and a cache of the
-- content digests of files on disk.
--
-- Shipped migrations are never edited: change the schema with a new NNNN_name.sql file.

-- One row per file content and timeline mode. `sha256` is the SHA-256 of the file's bytes (64
-- lowercase hex digits), so a renamed or copied file is the same row. `timelineFrames` and
-- `timelinePictures` depend on the timeline mode (`reference`: the Python reference's re-encode to
-- a 25 fps AVI; `clean`: 25 fps selection straight from the decoded stream), so the mode is part of
-- the key; its values are checked by the application, so a new mode needs no table rebuild. The
-- other columns do not depend on the mode; they are copies of fields of `infoJSON` (the full
-- MediaInfo, JSON with sorted keys) kept as columns so they can be queried.
CREATE TABLE mediaFile (
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
    timelineMode TEXT NOT NULL CHECK (timelineMode <> ''),
    byteCount INTEGER NOT NULL CHECK (byteCount >= 0),
    container TEXT NOT NULL,
    durationSeconds REAL,
    bitRate INTEGER,
    -- The video stream the pipeline decodes (NULL without one).
    videoCodec TEXT,
    videoWidth INTEGER,
    videoHeight INTEGER,
    videoFramesPerSecond REAL,
    videoPixelFormat TEXT,
    -- The audio stream the pipeline decodes (NULL without one).
    audioCodec TEXT,
    audioSampleRate INTEGER,
    audioChannels INTEGER,
    -- Frames on the 25 fps timeline, real pictures among them, and 16 kHz mono samples.
    timelineFrames INTEGER,
    timelinePictures INTEGER,
    audioSamples INTEGER,
    infoJSON TEXT NOT NULL CHECK (json_valid(infoJSON)),
    -- UTC, 'YYYY-MM-DD HH:MM:SS.SSS'.
    probedAt TEXT NOT NULL,
    PRIMARY KEY (sha256, timelineMode)
) STRICT;

-- The digest of a file as last hashed at a path, so that a file whose path, size and modification
-- time are unchanged need not be read again. A file is hashed before it is probed, and some files
-- are hashed and never probed (or fail to probe), so `sha256` deliberately has no foreign key to
-- `mediaFile`; besides, `mediaFile` is keyed by (sha256, timelineMode), so sha256 alone is not a
-- key a foreign key could reference. Deleting a mediaFile row leaves the digest cache valid.
CREATE TABLE mediaPath (
    -- Absolute, standardized path.
    path TEXT NOT NULL PRIMARY KEY,
    byteCount INTEGER NOT NULL CHECK (byteCount >= 0),
    -- Seconds since 1970-01-01 UTC, with the file system's sub-second precision.
    modificationTime REAL NOT NULL,
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
    -- UTC, 'YYYY-MM-DD HH:MM:SS.SSS'.
    hashedAt TEXT NOT NULL
) STRICT;

CREATE INDEX mediaPath_sha256 ON mediaPath (sha256);
