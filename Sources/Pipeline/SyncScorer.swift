import DSP

// ref: syncnet_python/SyncNetInstance.py, `calc_pdist` and the end of `evaluate` (docs/reference/pipeline.md §10.4, §10.6)

/// The lip-sync scores of one track: AV offset, LSE-C (confidence) and LSE-D (minimum distance).
public struct SyncScore: Sendable, Equatable, Codable {
    /// `vshift − argmin(meanDistances)`: positive when the video is late relative to the audio.
    public var offset: Int
    /// LSE-C: `median(meanDistances) − min(meanDistances)` (float32).
    public var confidence: Float
    /// LSE-D: `min(meanDistances)` (float32).
    public var minDistance: Float
    /// `[L][2·vshift + 1]`: distance of lip window `i` to audio window `i + k − vshift` (zero
    /// vectors outside the track).
    public var distances: [[Float]]
    /// Mean over windows of each column of ``distances`` (`mdist`).
    public var meanDistances: [Float]
    /// `median(meanDistances) − distances[i][argmin]`, median-filtered over 9 windows (the
    /// reference prints it and discards it).
    public var framewiseConfidence: [Float]
}

/// Why a track cannot be scored.
public enum SyncScoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No windows: the reference raises on this (quirk Q8), SyncBench reports it.
    case noWindows
    /// Lip and audio embeddings differ in count or size.
    case mismatchedEmbeddings(lip: Int, audio: Int, dimension: Int)

    public var description: String {
        switch self {
        case .noWindows: "no SyncNet windows to score (fewer than 6 usable frames or too little audio)"
        case let .mismatchedEmbeddings(lip, audio, dimension):
            "got \(lip) lip and \(audio) audio values, expected the same number of \(dimension)-d embeddings"
        }
    }
}

/// SyncNet's scoring of one track from its per-window embeddings, as the reference computes it.
public enum SyncScorer {
    /// The reference's search range: offsets −15 … +15 windows (`vshift`).
    public static let defaultVShift = 15
    /// PyTorch `pairwise_distance`'s eps, added to every component of the difference.
    static let pairwiseEpsilon: Float = 1e-6

    /// Scores `L` windows from their lip and audio embeddings (row-major `[L, dimension]`).
    ///
    /// Numerics follow the reference: distances in float32 (`‖lip − audio + 1e-6‖₂`, the sum of
    /// squares accumulated in double, then rounded — within ≈ 1e-7 relative of PyTorch's float32
    /// reduction); the mean over windows accumulated in double and rounded once, which reproduces
    /// the reference's `mdist` within an ulp (docs/reference/pipeline.md §10.4); first index on ties; the median of
    /// the 2·vshift + 1 means is the middle value.
    public static func score(
        lip: [Float], audio: [Float], dimension: Int = 1024, vshift: Int = defaultVShift
    ) throws(SyncScoreError) -> SyncScore {
        precondition(dimension > 0 && vshift >= 0, "SyncScorer needs dimension > 0 and vshift >= 0")
        guard lip.count == audio.count, lip.count % dimension == 0 else {
            throw .mismatchedEmbeddings(lip: lip.count, audio: audio.count, dimension: dimension)
        }
        let windows = lip.count / dimension
        guard windows > 0 else { throw .noWindows }
        let width = 2 * vshift + 1
        var distances = [[Float]](repeating: [Float](repeating: 0, count: width), count: windows)
        lip.withUnsafeBufferPointer { l in
            audio.withUnsafeBufferPointer { a in
                for i in 0..<windows {
                    let x = l.baseAddress! + i * dimension
                    for k in 0..<width {
                        let j = i + k - vshift
                        var sum = 0.0
                        if j >= 0 && j < windows {
                            let y = a.baseAddress! + j * dimension
                            for d in 0..<dimension {
                                let v = Double(x[d] - y[d] + pairwiseEpsilon)
                                sum += v * v
                            }
                        } else {
                            for d in 0..<dimension {
                                let v = Double(x[d] + pairwiseEpsilon)  // against the zero padding
                                sum += v * v
                            }
                        }
                        distances[i][k] = Float(sum.squareRoot())
                    }
                }
            }
        }
        let means = (0..<width).map { k in
            Float(distances.reduce(0.0) { $0 + Double($1[k]) } / Double(windows))
        }
        var best = 0
        for k in 1..<width where means[k] < means[best] { best = k }
        let median = means.sorted()[width / 2]
        let framewise = distances.map { median - $0[best] }
        return SyncScore(
            offset: vshift - best, confidence: median - means[best], minDistance: means[best],
            distances: distances, meanDistances: means,
            framewiseConfidence: medianFilter(framewise, kernelSize: 9))
    }
}
