import ArgumentParser
import Foundation
import Media

/// `syncbench media probe`: container, streams, and the numbers the pipeline will use.
struct MediaProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Show a file's container, streams and codecs, and the frames and samples the scorer will see.",
        discussion: """
            'frames' counts frames on the reference's 25 fps timeline (with the one-frame shift an \
            audio track causes, unless --clean); 'audio_samples' counts 16 kHz mono samples of the \
            speech (the --audio file if given, else the file's own audio). Both are exact: the file \
            is decoded to count them.
            """
    )

    @OptionGroup var input: MediaInputOptions

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        try reportingFailures {
            let mode: TimelineMode = input.clean ? .clean : .reference
            var info = try MediaProbe.probe(path: input.file, mode: mode, countSamples: input.speech == nil)
            if let speech = input.speech {
                info.audioSamples = try AudioDecoder.decodeMono16k(path: speech).count
            }
            let report = ProbeReport(file: input.file, speech: input.speech, mode: mode, info: info)
            print(json ? try report.json() : report.table())
        }
    }
}

/// What `media probe` prints, in JSON with snake_case keys or as an aligned table.
struct ProbeReport: Encodable {
    var file: String
    var speech: String?
    var mode: String
    var container: String
    var durationSeconds: Double?
    var width: Int?
    var height: Int?
    var fps: Double?
    var videoCodec: String?
    var audioCodec: String?
    var audioSampleRate: Int?
    var audioChannels: Int?
    var frames: Int?
    var pictures: Int?
    var audioSamples: Int?
    var streams: [StreamInfo]

    init(file: String, speech: String?, mode: TimelineMode, info: MediaInfo) {
        self.file = file
        self.speech = speech
        self.mode = mode.rawValue
        container = info.container
        durationSeconds = info.durationSeconds
        width = info.video?.width
        height = info.video?.height
        fps = info.video?.framesPerSecond
        videoCodec = info.video?.codec
        audioCodec = info.audio?.codec
        audioSampleRate = info.audio?.sampleRate
        audioChannels = info.audio?.channels
        frames = info.timelineFrames
        pictures = info.timelinePictures
        audioSamples = info.audioSamples
        streams = info.streams
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func table() -> String {
        var rows: [(String, String)] = [("file", file)]
        if let speech { rows.append(("speech", speech)) }
        rows.append(("container", container))
        if let durationSeconds { rows.append(("duration", String(format: "%.3f s", durationSeconds))) }
        for stream in streams {
            var text = "\(stream.kind.rawValue) \(stream.codec)"
            if let width = stream.width, let height = stream.height { text += " \(width)x\(height)" }
            if let fps = stream.framesPerSecond { text += String(format: " %.3f fps", fps) }
            if let rate = stream.sampleRate { text += " \(rate) Hz" }
            if let layout = stream.channelLayout { text += " \(layout)" }
            rows.append(("stream #\(stream.index)", text))
        }
        rows.append(("timeline", mode))
        if let frames { rows.append(("frames (25 fps)", "\(frames) (\(pictures ?? frames) distinct pictures)")) }
        if let audioSamples {
            rows.append(("audio (16 kHz)", String(format: "%d samples, %.3f s", audioSamples, Double(audioSamples) / 16000)))
        }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n")
    }
}
