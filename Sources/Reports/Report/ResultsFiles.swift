import Foundation
import Media

/// `results.csv` and `results.json`: one row per model and sample.
///
/// The first nine columns are MoChaBench's `sync_scores.csv` (`idx, category, video, audio,
/// offsets, best_conf, min_dist, has_face, runtime_s`), so the file can be read back by
/// ``MoChaBenchScoreCSV`` and by the reference's own tooling; ours follow. Unlike the reference,
/// a sample that is not scored has *empty* `best_conf` and `min_dist` (the reference writes 0.0,
/// which a careless mean would count), and its `status` says why.
enum ResultsFiles {
    static let columns = [
        "idx", "category", "video", "audio", "offsets", "best_conf", "min_dist", "has_face", "runtime_s",
        "model", "status", "message", "profile", "sample_id", "video_path", "audio_path", "best_track",
        "track_ids", "track_frames", "track_statuses", "track_offsets", "track_confidences", "track_distances",
        "protocol_lse_c", "protocol_lse_d", "protocol_rule", "profile_version", "syncnet_sha256", "syncnet_published", "s3fd_sha256",
        "s3fd_published", "s3fd_used", "syncbench", "ffmpeg", "precision",
    ]

    /// The weight files' names (`Models.WeightsFile`), the columns' subjects.
    static let syncNetFile = "syncnet_v2.model"
    static let s3fdFile = "sfd_face.pth"

    /// One row, in the column order of ``columns``.
    struct Row: Encodable {
        var idx: Int
        var category: String
        /// `<sample id>.<video extension>`: the reference's path relative to the model's folder.
        var video: String
        /// `<category>/<speech file name>`, or empty when the video's own audio was scored.
        var audio: String
        var offsets: [Int]
        var bestConf: Double?
        var minDist: Double?
        var hasFace: Bool
        var runtimeS: Double?
        var model: String
        var status: String
        var message: String
        var profile: String
        var sampleID: String
        var videoPath: String
        var audioPath: String?
        var bestTrack: Int?
        var tracks: [ReportTrack]
        /// The clip's numbers by the profile's rule and the rule in words (``ReportClipScore``).
        var protocolLseC: Double?
        var protocolLseD: Double?
        var protocolRule: String?
        /// The evaluation's provenance as recorded with it; nil where nothing was recorded.
        var profileVersion: Int?
        var syncNetSHA256: String?
        var syncNetPublished: Bool?
        var s3fdSHA256: String?
        var s3fdPublished: Bool?
        var s3fdUsed: Bool?
        var syncbench: String?
        /// `libavcodec 61.19.101, libavformat …`, sorted by library.
        var ffmpeg: String?
        /// The networks' arithmetic, `fp32` or `bf16` (`--precision`).
        var precision: String?

        init(_ sample: ReportSample, profile: String) {
            let score = sample.score
            idx = sample.index
            category = score.category
            let fileExtension = PathText.pathExtension(sample.videoPath)
            video = score.sampleID + (fileExtension.isEmpty ? "" : ".\(fileExtension)")
            audio = sample.audioPath.map { "\(score.category)/\(PathText.lastComponent($0))" } ?? ""
            offsets = score.trackOffsets
            bestConf = score.lseC
            minDist = score.lseD
            hasFace = score.isScored
            runtimeS = sample.runtimeSeconds
            model = score.model
            status = score.status.rawValue
            message = sample.message
            self.profile = profile
            sampleID = score.sampleID
            videoPath = sample.videoPath
            audioPath = sample.audioPath
            bestTrack = score.bestTrack
            tracks = sample.tracks
            protocolLseC = sample.clip?.lseC
            protocolLseD = sample.clip?.lseD
            protocolRule = sample.clip?.rule
            let weights = sample.provenance?.weights ?? []
            let syncNet = weights.first { $0.file == ResultsFiles.syncNetFile }, s3fd = weights.first { $0.file == ResultsFiles.s3fdFile }
            syncNetSHA256 = syncNet?.sha256
            syncNetPublished = syncNet?.published
            s3fdSHA256 = s3fd?.sha256
            s3fdPublished = s3fd?.published
            s3fdUsed = s3fd?.used
            let software = sample.provenance?.software
            profileVersion = software?.profileVersion
            syncbench = software?.syncbench
            ffmpeg = software.map { $0.ffmpeg.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
            precision = sample.provenance?.precision
        }

        var csvFields: [String] {
            [
                "\(idx)", category, video, audio, CSVText.list(offsets.map { "\($0)" }), CSVText.number(bestConf), CSVText.number(minDist),
                CSVText.boolean(hasFace), runtimeS.map { HTML.number($0, decimals: 2) } ?? "", model, status, message, profile, sampleID,
                videoPath, audioPath ?? "", bestTrack.map { "\($0)" } ?? "",
                CSVText.list(tracks.map { "\($0.track)" }), CSVText.list(tracks.map { "[\($0.startFrame), \($0.endFrame)]" }),
                CSVText.list(tracks.map { CSVText.pythonString($0.status) }), CSVText.list(tracks.map { $0.offset.map { "\($0)" } }),
                CSVText.list(tracks.map { $0.confidence.map(CSVText.number) }), CSVText.list(tracks.map { $0.minDistance.map(CSVText.number) }),
                CSVText.number(protocolLseC), CSVText.number(protocolLseD), protocolRule ?? "", profileVersion.map { "\($0)" } ?? "",
                syncNetSHA256 ?? "", syncNetPublished.map(CSVText.boolean) ?? "", s3fdSHA256 ?? "", s3fdPublished.map(CSVText.boolean) ?? "",
                s3fdUsed.map(CSVText.boolean) ?? "", syncbench ?? "", ffmpeg ?? "", precision ?? "",
            ]
        }

        enum CodingKeys: String, CodingKey {
            case idx, category, video, audio, offsets, bestConf = "best_conf", minDist = "min_dist", hasFace = "has_face"
            case runtimeS = "runtime_s", model, status, message, profile, sampleID = "sample_id", videoPath = "video_path"
            case audioPath = "audio_path", bestTrack = "best_track", tracks
            case protocolLseC = "protocol_lse_c", protocolLseD = "protocol_lse_d", protocolRule = "protocol_rule", profileVersion = "profile_version"
            case syncNetSHA256 = "syncnet_sha256", syncNetPublished = "syncnet_published", s3fdSHA256 = "s3fd_sha256"
            case s3fdPublished = "s3fd_published", s3fdUsed = "s3fd_used", syncbench, ffmpeg, precision
        }

        /// Encodes every key, `null` for a missing value (a fixed shape for every row).
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(idx, forKey: .idx)
            try container.encode(category, forKey: .category)
            try container.encode(video, forKey: .video)
            try container.encode(audio, forKey: .audio)
            try container.encode(offsets, forKey: .offsets)
            try container.encode(bestConf, forKey: .bestConf)
            try container.encode(minDist, forKey: .minDist)
            try container.encode(hasFace, forKey: .hasFace)
            try container.encode(runtimeS, forKey: .runtimeS)
            try container.encode(model, forKey: .model)
            try container.encode(status, forKey: .status)
            try container.encode(message, forKey: .message)
            try container.encode(profile, forKey: .profile)
            try container.encode(sampleID, forKey: .sampleID)
            try container.encode(videoPath, forKey: .videoPath)
            try container.encode(audioPath, forKey: .audioPath)
            try container.encode(bestTrack, forKey: .bestTrack)
            try container.encode(tracks, forKey: .tracks)
            try container.encode(protocolLseC, forKey: .protocolLseC)
            try container.encode(protocolLseD, forKey: .protocolLseD)
            try container.encode(protocolRule, forKey: .protocolRule)
            try container.encode(profileVersion, forKey: .profileVersion)
            try container.encode(syncNetSHA256, forKey: .syncNetSHA256)
            try container.encode(syncNetPublished, forKey: .syncNetPublished)
            try container.encode(s3fdSHA256, forKey: .s3fdSHA256)
            try container.encode(s3fdPublished, forKey: .s3fdPublished)
            try container.encode(s3fdUsed, forKey: .s3fdUsed)
            try container.encode(syncbench, forKey: .syncbench)
            try container.encode(ffmpeg, forKey: .ffmpeg)
            try container.encode(precision, forKey: .precision)
        }
    }

    /// The JSON document: the provenance and the rows.
    struct Document: Encodable {
        var provenance: ReportProvenance
        var results: [Row]
    }

    /// The rows of the report, model by model in the report's order.
    static func rows(of report: BenchmarkReport) -> [Row] { report.samples.map { Row($0, profile: report.profile) } }

    /// `results.csv`: the header and one record per row (of one model or many).
    static func csv(_ rows: [Row]) -> String {
        CSVText.record(columns) + rows.map { CSVText.record($0.csvFields) }.joined()
    }

    /// `results.json`, keys sorted.
    static func json(_ report: BenchmarkReport) throws -> Data {
        try JSONOutput.encode(Document(provenance: ReportProvenance(report), results: rows(of: report)))
    }
}

/// The JSON encoder of every report file: sorted keys and indentation, so files diff well and are
/// byte-identical from run to run.
enum JSONOutput {
    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }
}
