/// The one step every cached stage takes: look its key up, read the artifact or compute and save
/// it, and note which in the ledger (docs/cache.md). The artifact's type names its ``Stage``, so an
/// artifact row's `stage` and the ledger's name cannot disagree.
///
/// Recording a key in ``EvaluationRun/artifactKeys`` stays with the caller: when it is recorded
/// (before the look-up, as the speech's is, so a clip whose audio fails still names it; with the
/// keys it stands on, as the tracks' is) is part of what an evaluation records.
extension EvaluationRun {
    /// The artifact under `key`, read from the cache (noted `cached`), or computed by `compute`,
    /// saved and noted `computed` with the seconds `compute` reports.
    mutating func cached<A: StageArtifact>(_ key: String, compute: (inout EvaluationRun) throws -> (artifact: A, seconds: Double)) throws -> A {
        if let artifact = try lookUp(A.self, key: key) { return artifact }
        let (artifact, seconds) = try compute(&self)
        try save(artifact, key: key, seconds: seconds)
        return artifact
    }

    /// The artifact under `key` when the cache has it, noted `cached`; nil otherwise (nothing noted).
    mutating func lookUp<A: StageArtifact>(_ type: A.Type, key: String) throws -> A? {
        guard let stored = try cache.artifact(key: key) else { return nil }
        let artifact = try A(stored)
        ledger.note(A.stage, computed: false)
        return artifact
    }

    /// Saves a computed artifact under `key` and notes it `computed` (for passes that compute
    /// several artifacts at once: the decode pass, the crop pass, the whole-frame pass).
    mutating func save<A: StageArtifact>(_ artifact: A, key: String, seconds: Double) throws {
        try cache.save(artifact.stored(key: key, seconds: seconds))
        ledger.note(A.stage, computed: true, seconds: seconds)
    }
}
