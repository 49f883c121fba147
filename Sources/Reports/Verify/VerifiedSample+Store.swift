import Pipeline
import Store

extension VerifiedSample {
    /// Reads what `verify` compares from the database: for every current input of `model` in
    /// `suite`, in suite order, the latest result under `profile` and `clean` (as `report` reads
    /// it) and, from its evaluation, the clip's numbers by the profile's rule (`ClipScore`; for
    /// evaluations stored before profiles had rules, the rule applied to their tracks) and every
    /// track's numbers.
    ///
    /// An input without a result gets the status `missing`; a result without an evaluation (the
    /// video could not be read) keeps its status and has no numbers.
    public static func load(from store: Store, suite: String, model: String, profile: String, clean: Bool) throws -> [VerifiedSample] {
        guard try store.suite(named: suite) != nil else { throw ReportLoadError(reason: "no suite named \(suite)") }
        var samples: [VerifiedSample] = []
        for input in try store.currentInputs(suite: suite, models: [model]) {
            var sample = VerifiedSample(
                sampleID: input.sampleID, videoPath: input.videoPath, status: SampleStatus.missing.rawValue,
                message: input.problem ?? "not evaluated yet (run `syncbench bench run`)", lseC: nil, lseD: nil, offsets: [], rule: nil, tracks: [])
            defer { samples.append(sample) }
            guard let result = try store.latestBenchResult(inputKey: input.key, profile: profile, clean: clean) else { continue }
            (sample.status, sample.message) = (result.status, result.message)
            sample.result = StoredResult(configKey: result.configKey, settings: nil, usesBoxes: input.boxesPath != nil)
            guard let key = result.evaluationKey else { continue }
            guard let evaluation = try store.evaluation(key: key) else {
                (sample.status, sample.message) = (
                    SampleStatus.missing.rawValue, "the evaluation \(key.prefix(12)) of this result is not in the database (deleted?); rerun `syncbench bench run`"
                )
                sample.result = nil
                continue
            }
            sample.result?.settings = evaluation.settings
            (sample.status, sample.message) = (evaluation.status.rawValue, evaluation.message)
            sample.tracks = evaluation.tracks.map {
                Track(status: $0.status.rawValue, offset: $0.offset, confidence: $0.confidence.map(Double.init), minDistance: $0.minDistance.map(Double.init))
            }
            guard evaluation.status == .ok,
                let clip = evaluation.clip ?? ClipScore.combining(evaluation.tracks, profile: evaluation.settings.profileDescription)
            else { continue }
            sample.rule = clip.rule
            sample.lseC = clip.lseC.map(Double.init)
            sample.lseD = clip.lseD.map(Double.init)
            sample.offsets = clip.offset.map { [$0] } ?? evaluation.tracks.filter { $0.status == .ok && $0.confidence != nil }.compactMap(\.offset)
        }
        return samples
    }
}
