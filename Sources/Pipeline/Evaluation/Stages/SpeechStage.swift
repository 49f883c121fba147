import Foundation
import Media

extension EvaluationRun {
    /// The 16 kHz speech: the separate file (MoChaBench) or the video's audio (joonson).
    mutating func speechArtifact(key: String) throws -> SpeechArtifact {
        // Recorded before the look-up: a clip whose audio fails still names the speech it needed.
        artifactKeys.append(key)
        let speech = try cached(key) { run in try run.decodeSpeech() }
        speechSamples = speech.samples.count
        return speech
    }

    /// The speech decoded to 16 kHz mono; a clip-level ``Stop`` when there is none.
    func decodeSpeech() throws -> (artifact: SpeechArtifact, seconds: Double) {
        let started = ContinuousClock.now
        let fromVideo = input.speechPath == nil
        let path = fromVideo ? input.videoPath : (input.speechPath ?? "")
        let samples: [Int16]
        do throws(any Error) {
            // joonson scores the audio track of its intermediate AVI (MP3-transcoded, §5.4); the
            // wheel's `audio_path=None` extracts the original video's audio (§5.3).
            if fromVideo && settings.profileDescription.videoAudio == .throughIntermediateAVI && settings.pictureChain == .faithful {
                samples = try AudioDecoder.decodeMono16kThroughReferenceAVI(path: path)
            } else if fromVideo && settings.profileDescription.videoAudio == .throughIntermediateMP4 && settings.pictureChain == .faithful {
                samples = try AudioDecoder.decodeMono16kThroughIntermediateMP4(path: path)
            } else {
                samples = try AudioDecoder.decodeMono16k(path: path)
            }
        } catch let error as MediaError {
            switch error {
            case .noAudioStream, .emptyStream: throw Stop(status: .noAudio, message: error.description)
            default: throw Stop(status: fromVideo ? .decodeError : .audioError, message: error.description)
            }
        }
        guard !samples.isEmpty else { throw Stop(status: .noAudio, message: "\(path): the audio has no samples") }
        let artifact = SpeechArtifact(samples: samples, source: fromVideo ? "video" : "speech")
        return (artifact, elapsed(since: started))
    }
}
