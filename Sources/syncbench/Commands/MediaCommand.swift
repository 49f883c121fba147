import ArgumentParser
import Media

/// `syncbench media`: look at what the pipeline sees in a media file.
struct MediaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media",
        abstract: "Inspect and decode media files exactly as the scorer sees them.",
        subcommands: [MediaProbeCommand.self, MediaDecodeCommand.self, MediaBenchCommand.self]
    )
}

/// Options shared by the media commands: the input and the timeline mode.
struct MediaInputOptions: ParsableArguments {
    @Argument(help: "The video (or any file FFmpeg reads).", completion: .file())
    var file: String

    @Option(name: .customLong("audio"), help: "A separate speech file to use instead of the video's own audio.", completion: .file())
    var speech: String?

    @Flag(help: "Clean timeline: no one-frame shift from the reference's MP3 re-encode (docs/reference/pipeline.md §3.4).")
    var clean = false

    var mode: TimelineMode { clean ? .clean : .reference }

    /// The file whose audio is used.
    var audioSource: String { speech ?? file }
}
