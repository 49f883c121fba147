import Foundation
import Media
import Models

// The first pass over the video: decoding, S3FD and shot detection in one pass (docs/reference/pipeline.md §6–§7).
extension EvaluationRun {
    /// The clip's frames on the timeline the profile's intermediate lays: the MPEG-4 AVI's
    /// (``VideoDecoder``) or LatentSync's H.264 MP4 (``IntermediateMP4Frames``).
    func frameSource(convertPixels: Bool) throws(MediaError) -> any TimelineFrameSource {
        if settings.pictureChain == .faithful && settings.profileDescription.intermediate == .h264MP4 {
            return try IntermediateMP4Frames(path: input.videoPath, chain: .faithful)
        }
        return try VideoDecoder(
            path: input.videoPath, mode: settings.timelineMode, chain: settings.pictureChain, convertPixels: convertPixels,
            faithfulEncoderThreads: Int32(settings.mpeg4Threads ?? 0))
    }

    struct DecodePass {
        var detections: DetectionsArtifact?
        var scenes: ScenesArtifact?
        var detectionSeconds = 0.0
        var sceneSeconds = 0.0
    }

    /// One pass over the video: S3FD on every frame (unless boxes are given) and shot detection on
    /// every real picture of the intermediate AVI.
    mutating func decodePass(detect: Bool, segment: Bool) throws -> DecodePass {
        let started = ContinuousClock.now
        var pass = DecodePass()
        let detector: FaceDetector?
        if detect && input.boxes == nil {
            detector = FaceDetector(
                network: try evaluator.s3fd(), scale: settings.detectorScale, threshold: settings.detectorThreshold)
        } else {
            detector = nil
        }
        var shots = ShotDetector(settings: ShotDetector.Settings(threshold: settings.shotThreshold, minSceneLength: settings.minSceneLength))
        var faces: [[FaceDetection]] = []
        var sequence = detector.map(SequenceDetector.init)
        var width = 0, height = 0, frameCount = 0, pictures = 0
        var detectSeconds = 0.0, shotSeconds = 0.0
        func detecting(_ body: (inout SequenceDetector) -> [[FaceDetection]]) {
            guard sequence != nil else { return }
            let t = ContinuousClock.now
            faces += body(&sequence!)
            detectSeconds += elapsed(since: t)
        }
        do throws(any Error) {
            let decoder = try frameSource(convertPixels: detector != nil || segment)
            // Only S3FD looks at the JPEGs' pixels in this pass (shots read `sceneImage`).
            decoder.decodesJPEGs = detector != nil
            width = decoder.width
            height = decoder.height
            if let detector {
                let scaled = Image.resizedSize(width: width, height: height, scaleX: detector.scale, scaleY: detector.scale)
                guard S3FD.accepts(width: scaled.width, height: scaled.height) else {
                    throw Stop(
                        status: .unsupported,
                        message: "\(input.videoPath): frames of \(width)x\(height) are too small for S3FD at scale \(detector.scale) "
                            + "(\(scaled.width)x\(scaled.height) after scaling); give face boxes with --boxes")
                }
            }
            let stageName = detector != nil ? "detecting faces" : "decoding"
            let expected =
                evaluator.progress == nil
                ? nil
                : (try? MediaProbe.probe(path: input.videoPath, countFrames: false, countSamples: false))?
                    .durationSeconds.flatMap { $0.isFinite && $0 > 0 && $0 < 1e7 ? Int(($0 * Double(ReferenceTimeline.framesPerSecond)).rounded()) : nil }
            var lastPicture = -1
            var jpegs: [[UInt8]]? = settings.pictureChain == .faithful && (detector != nil || segment) ? [] : nil
            var jpegBytes = 0
            while let frame = try decoder.nextFrame() {
                frameCount += 1
                evaluator.progress?(EvaluationProgress(stage: stageName, done: frameCount, total: expected.map { max($0, frameCount) }, unit: "frames"))
                if jpegs != nil {
                    if let jpeg = frame.jpeg, jpegBytes + (frame.slot.isRepeat ? 0 : jpeg.count) <= Self.jpegBudget {
                        jpegs!.append(jpeg)
                        jpegBytes += frame.slot.isRepeat ? 0 : jpeg.count
                    } else {
                        jpegs = nil
                    }
                }
                if frame.slot.aviPicture > lastPicture {
                    lastPicture = frame.slot.aviPicture
                    pictures += 1
                    // Scene detection sees OpenCV's decode of the intermediate AVI's real pictures.
                    if segment, let image = frame.sceneImage ?? frame.image {
                        let t = ContinuousClock.now
                        shots.append(image)
                        shotSeconds += elapsed(since: t)
                    }
                }
                if let image = frame.image { detecting { $0.append(image) } }
            }
            detecting { $0.finish() }
            retainedJPEGs = jpegs
        } catch let error as MediaError {
            throw Stop(status: .decodeError, message: error.description)
        }
        guard frameCount > 0 else { throw Stop(status: .decodeError, message: "\(input.videoPath): the video has no frames") }
        let total = elapsed(since: started)
        let decodeSeconds = max(0, total - detectSeconds - shotSeconds)
        ledger.note(.decode, computed: true, seconds: decodeSeconds)
        if detect {
            let perFrame: [[FaceDetection]]
            let source: String
            if let boxes = input.boxes {
                let placed = boxes.perFrame(count: frameCount)
                perFrame = placed.frames
                source = "boxes"
                if !placed.outside.isEmpty {
                    remarks.append("\(placed.outside.count) boxes lie past the last frame (\(frameCount - 1)) and were ignored")
                }
            } else {
                perFrame = faces
                source = "s3fd"
            }
            pass.detections = DetectionsArtifact(
                meta: .init(source: source, frames: frameCount, faces: perFrame.reduce(0) { $0 + $1.count }, width: width, height: height, pictures: pictures),
                frames: perFrame)
            pass.detectionSeconds = detectSeconds
        }
        if segment {
            let scenes = shots.scenes()
            pass.scenes = ScenesArtifact(
                meta: .init(pictures: pictures, cuts: shots.cuts, scenes: scenes.map { [$0.lowerBound, $0.upperBound] }), scores: shots.frameScores)
            pass.sceneSeconds = shotSeconds
        }
        return pass
    }
}
