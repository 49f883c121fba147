-- 0004_artifact_references: every evaluation refers to every artifact it names (docs/cache.md).
--
-- Shipped migrations are never edited: change the schema with a new NNNN_name.sql file.

-- Evaluations recorded before this migration refer only to the artifacts they loaded, not to
-- those their result names but did not need (the speech behind cached scores), which `cache gc`
-- then deleted and `query export` could not find. Refer to every artifact a result names, clip
-- level and per track, as new evaluations do.
INSERT OR IGNORE INTO evaluationArtifact (evaluationKey, artifactKey)
    SELECT e.key, a.value FROM evaluation e, json_each(e.resultJSON, '$.artifacts') a
    WHERE a.type = 'text';

INSERT OR IGNORE INTO evaluationArtifact (evaluationKey, artifactKey)
    SELECT e.key, a.value
    FROM evaluation e, json_each(e.resultJSON, '$.tracks') t, json_each(t.value, '$.artifacts') a
    WHERE a.type = 'text';
