import DSP
import Foundation
import Media

extension EvaluationRun {
    /// The track's speech slice, samples `[640·first, 640·(last+1))` truncated at the end of the
    /// speech (docs/reference/pipeline.md §9.4), and its MFCCs.
    mutating func mfccArtifact(_ plan: TrackPlan, speechKey: String, speech: inout SpeechArtifact?) throws -> MFCCArtifact {
        try cached(plan.mfcc) { run in
            if speech == nil { speech = try run.speechArtifact(key: speechKey) }
            let started = ContinuousClock.now
            let cut = speech!.slice(frames: plan.track.frames)
            let first = cut.startIndex
            var slice = Array(cut)
            if run.evaluator.cropAudio == .aac {
                // LatentSync muxes the slice into the crop MP4 as AAC and decodes it again.
                slice = try run.mediaCall { try AudioDecoder.aacRoundTripMono16k(slice, label: "\(run.input.videoPath) track \(plan.index) speech") }
            }
            var values: [Double] = []
            var frames = 0
            if !slice.isEmpty {
                let matrix = try MFCC(fft: FFmpegRealFFT(length: 512)).coefficients(of: slice)
                values = matrix.values
                frames = matrix.frameCount
            }
            let artifact = MFCCArtifact(meta: .init(coefficients: 13, frames: frames, samples: slice.count, firstSample: first), values: values)
            return (artifact, elapsed(since: started))
        }
    }
}
