-- 0006_evaluation_provenance: where each evaluation's numbers come from (issue #12, "Provenance in
-- every output"), so that `syncbench report` can state them; and the profile a suite was
-- registered with (`bench add --profile`), which `bench run` and `report` use unless told otherwise.
--
-- Shipped migrations are never edited: change the schema with a new NNNN_name.sql file.

-- The weight files an evaluation was made with, one row per file. The evaluation's key already
-- depends on the digests of the weights that played a part (docs/cache.md), so these rows name
-- them in the clear. `published` says whether the digest is the published file's (recorded when
-- the row is written: the published digests are constants of the binary); `used` is 0 for a file
-- that played no part (S3FD when face boxes were given), whose digest is informational only.
-- Evaluations recorded before this migration have no rows here until an identical evaluation runs
-- again (its weights are then known from its key) and reports say their weights are not recorded.
CREATE TABLE evaluationWeights (
    evaluationKey TEXT NOT NULL REFERENCES evaluation (key) ON DELETE CASCADE,
    -- `syncnet_v2.model`, `sfd_face.pth`.
    file TEXT NOT NULL CHECK (file <> ''),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
    published INTEGER NOT NULL CHECK (published IN (0, 1)),
    used INTEGER NOT NULL CHECK (used IN (0, 1)),
    PRIMARY KEY (evaluationKey, file)
) STRICT, WITHOUT ROWID;

-- The software that computed an evaluation: SyncBench's version and commit, the profile's version,
-- and the FFmpeg libraries (`{"libavcodec": "61.19.101", ...}`). Written with the evaluation;
-- absent for evaluations recorded before this migration.
CREATE TABLE evaluationSoftware (
    evaluationKey TEXT NOT NULL PRIMARY KEY REFERENCES evaluation (key) ON DELETE CASCADE,
    syncbench TEXT NOT NULL CHECK (syncbench <> ''),
    profileVersion INTEGER NOT NULL CHECK (profileVersion >= 1),
    ffmpegJSON TEXT NOT NULL CHECK (json_valid(ffmpegJSON))
) STRICT, WITHOUT ROWID;

-- The profile `bench add --profile` registered the suite with; NULL: none given (`bench run` and
-- `report` default to `mochabench`). Its values are checked by the application, as profiles are
-- added without a table rebuild.
ALTER TABLE suite ADD COLUMN profile TEXT CHECK (profile IS NULL OR profile <> '');

-- Documented, stable view for `syncbench query sql` (docs/cache.md): the weights of every
-- evaluation.
CREATE VIEW evaluation_weights AS
    SELECT w.evaluationKey AS evaluation, e.videoSHA256 AS video_sha256, e.profile, e.clean, w.file, w.sha256, w.published, w.used
    FROM evaluationWeights w JOIN evaluation e ON e.key = w.evaluationKey;
