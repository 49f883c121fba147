import ArgumentParser
import Foundation
import Media
import Models
import Pipeline
import Tensor

/// `syncbench detect`: S3FD face boxes per frame, in the reference's detection shape.
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Find faces with S3FD in an image or in every frame of a video.",
        discussion: """
            Runs the detector exactly as the reference pipeline does (docs/reference/pipeline.md §6): each frame \
            is scaled by --scale with OpenCV's bilinear rule, boxes scoring above --threshold are \
            kept, rescaled to the frame and thinned by a second NMS (IoU 0.1). Frames are numbered \
            on the reference's 25 fps timeline (use --clean for the timeline without the MP3 shift). \
            --json prints the reference's shape: [{"frame", "bbox": [x1, y1, x2, y2], "conf"}].
            """
    )

    @Argument(help: "An image (PNG, JPEG, …) or a video.", completion: .file())
    var file: String

    @OptionGroup var weights: WeightsOptions

    @Option(help: "Resize factor applied before the network (the reference uses 0.25).")
    var scale: Double = S3FD.inputScale

    @Option(help: "Keep faces whose probability exceeds this (the reference uses 0.9).")
    var threshold: Float = S3FD.defaultThreshold

    @Flag(help: "Clean timeline: no one-frame shift from the reference's MP3 re-encode (docs/reference/pipeline.md §3.4).")
    var clean = false

    @Option(name: .customLong("max-frames"), help: "Stop after this many frames.")
    var maxFrames: Int?

    @Option(help: ArgumentHelp(Precision.optionHelp))
    var precision: Precision = .fp32

    @Flag(help: "Print JSON in the reference's detection shape instead of a table.")
    var json = false

    func validate() throws {
        guard scale > 0, scale <= 4 else { throw ValidationError("--scale must be in (0, 4], got \(scale)") }
        guard threshold >= 0, threshold < 1 else { throw ValidationError("--threshold must be in [0, 1), got \(threshold)") }
        if let maxFrames, maxFrames < 1 { throw ValidationError("--max-frames must be at least 1, got \(maxFrames)") }
        try precision.checkSupported()
    }

    func run() throws {
        try reportingFailures {
            guard FileManager.default.fileExists(atPath: file) else { throw MediaError.fileNotFound(path: file) }
            let detector = FaceDetector(network: try weights.resolved.s3fd().with(precision: precision), scale: scale, threshold: threshold)
            let decoder = try VideoDecoder(path: file, mode: clean ? .clean : .reference)
            let scaled = Image.resizedSize(width: decoder.width, height: decoder.height, scaleX: scale, scaleY: scale)
            guard S3FD.accepts(width: scaled.width, height: scaled.height) else {
                throw CLIError(
                    message: "\(file): \(decoder.width)x\(decoder.height) is too small for S3FD at scale \(scale) "
                        + "(\(scaled.width)x\(scaled.height) after scaling)", status: .invalidInput)
            }
            var records: [DetectionRecord] = []
            var frames = 0
            var table = ["frame  faces  boxes (x1, y1, x2, y2: confidence)"]
            // Frames go through the network in batches, as in `eval` (the same faces as one call
            // per frame, up to float32 rounding).
            var sequence = SequenceDetector(detector)
            var read = 0
            func record(_ detected: [[FaceDetection]]) {
                for faces in detected {
                    records += faces.map { DetectionRecord(frame: frames, face: $0) }
                    let boxes = faces.map {
                        String(format: "(%.1f, %.1f, %.1f, %.1f: %.3f)", $0.x1, $0.y1, $0.x2, $0.y2, $0.confidence)
                    }
                    table.append(String(format: "%5d  %5d  ", frames, faces.count) + boxes.joined(separator: " "))
                    frames += 1
                }
            }
            while maxFrames.map({ read < $0 }) ?? true, let frame = try decoder.nextFrame() {
                guard let image = frame.image else { break }
                read += 1
                record(sequence.append(image))
            }
            record(sequence.finish())
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(records), as: UTF8.self))
            } else {
                print(table.joined(separator: "\n"))
                let faces = records.count == 1 ? "1 face" : "\(records.count) faces"
                print("\(faces) in \(frames == 1 ? "1 frame" : "\(frames) frames") (threshold \(threshold), scale \(scale))")
            }
        }
    }
}

/// One row of the reference's detection JSON (docs/reference/pipeline.md §6.5).
struct DetectionRecord: Codable, Equatable {
    var frame: Int
    var bbox: [Double]
    var conf: Double

    init(frame: Int, face: FaceDetection) {
        self.frame = frame
        bbox = [face.x1, face.y1, face.x2, face.y2]
        conf = face.confidence
    }
}
