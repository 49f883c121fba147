import ArgumentParser
import Foundation
import Media
import Store

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

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        let store = try storeOptions.open()
        try reportingFailures {
            let mode = input.mode
            let video = try probe(input.file, mode: mode, store: store)
            var info = video.record.info
            var speechDigest: String? = nil
            if let speech = input.speech {
                let audio = try probe(speech, mode: mode, store: store)
                guard let samples = audio.record.audioSamples else { throw MediaError.noAudioStream(path: speech) }
                info.audioSamples = samples
                speechDigest = audio.record.sha256
            }
            var report = ProbeReport(file: input.file, speech: input.speech, mode: mode, info: info)
            report.sha256 = video.record.sha256
            report.speechSha256 = speechDigest
            report.cached = video.cached
            print(json ? try report.json() : report.table())
        }
    }

    /// The stored probe of `path`'s content, or a fresh probe that is then stored.
    private func probe(_ path: String, mode: TimelineMode, store: Store) throws -> (record: MediaFileRecord, cached: Bool) {
        let url = URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: path) else { throw MediaError.fileNotFound(path: path) }
        let digest = try store.contentDigest(ofFileAt: url)
        if let record = try store.mediaFile(sha256: digest, mode: mode) { return (record, true) }
        let info = try MediaProbe.probe(path: path, mode: mode)
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        let record = MediaFileRecord(sha256: digest, timelineMode: mode, byteCount: size, info: info)
        try store.save(record)
        return (record, false)
    }
}

/// What `media probe` prints, in JSON with snake_case keys or as an aligned table.
struct ProbeReport: Encodable {
    var file: String
    var sha256 = ""
    var speechSha256: String?
    var cached = false
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
        var rows: [(String, String)] = [("file", file), ("sha256", sha256)]
        if let speech { rows.append(("speech", speech + (speechSha256.map { " (sha256 \($0))" } ?? ""))) }
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
