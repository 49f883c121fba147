import Foundation

/// The two official weight files, where they come from and how they are recognised.
public enum WeightsFile: String, CaseIterable, Sendable, Codable {
    /// SyncNet (`syncnet_v2.model`, Oxford VGG, ≈ 52 MiB).
    case syncNet = "syncnet_v2.model"
    /// The S3FD face detector (`sfd_face.pth`, ≈ 86 MiB).
    case s3fd = "sfd_face.pth"

    /// The file name inside a weights directory.
    public var fileName: String { rawValue }

    /// The network the file holds.
    public var network: String {
        switch self {
        case .syncNet: "SyncNet"
        case .s3fd: "S3FD"
        }
    }

    /// The official download address (the Oxford VGG lip-sync page, as syncnet-python's README
    /// gives it).
    public var officialURL: URL {
        URL(string: "https://www.robots.ox.ac.uk/~vgg/software/lipsync/data/\(rawValue)")!
    }

    /// First and last four bytes (hex) of the file's published SHA-256 (syncnet-python README:
    /// `961e8696…5442`, `d54a87c2…c491`); the full digest is not published.
    public var publishedSHA256: (prefix: String, suffix: String) {
        switch self {
        case .syncNet: ("961e8696", "5442")
        case .s3fd: ("d54a87c2", "c491")
        }
    }

    /// Whether a lowercase hex SHA-256 of a whole file agrees with the published one.
    public func matchesPublishedDigest(_ sha256: String) -> Bool {
        sha256.hasPrefix(publishedSHA256.prefix) && sha256.hasSuffix(publishedSHA256.suffix)
    }

    /// The strict layout the file must have.
    public var schema: StateDictSchema {
        switch self {
        case .syncNet: SyncNet.schema
        case .s3fd: S3FD.schema
        }
    }

    /// The stand-in weights with this file's layout (``StandInWeights``).
    public func standInStateDict() -> StateDict {
        switch self {
        case .syncNet: SyncNet.standInStateDict()
        case .s3fd: S3FD.standInStateDict()
        }
    }
}

/// Why network weights could not be loaded.
public enum WeightsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is not in the weights directory.
    case notFound(path: String, file: WeightsFile)
    /// The file exists but is not a checkpoint of the expected network.
    case invalid(path: String, reason: CheckpointError)

    public var description: String {
        switch self {
        case let .notFound(path, file):
            "\(path): not found (the \(file.network) weights; run 'syncbench weights fetch' or pass --weights DIR)"
        case let .invalid(path, reason):
            "\(path): \(reason)"
        }
    }
}

/// A folder holding `syncnet_v2.model` and `sfd_face.pth`.
public struct WeightsDirectory: Sendable, Equatable {
    public let url: URL

    public init(url: URL) {
        self.url = url
    }

    /// `--weights DIR` if given, else `$SYNCBENCH_WEIGHTS`, else `./weights`; relative paths are
    /// resolved against `currentDirectory`.
    public static func resolve(explicit: String?, environment: [String: String], currentDirectory: URL) -> WeightsDirectory {
        func absolute(_ path: String) -> WeightsDirectory {
            let url = path.hasPrefix("/")
                ? URL(filePath: path, directoryHint: .isDirectory)
                : currentDirectory.appending(path: path, directoryHint: .isDirectory)
            return WeightsDirectory(url: url.standardizedFileURL)
        }
        if let explicit, !explicit.isEmpty { return absolute(explicit) }
        if let fromEnvironment = environment["SYNCBENCH_WEIGHTS"], !fromEnvironment.isEmpty { return absolute(fromEnvironment) }
        return absolute("weights")
    }

    /// Where `file` lives in this directory.
    public func path(of file: WeightsFile) -> String {
        url.appendingPathComponent(file.fileName).path
    }

    /// Reads and strictly validates one weight file.
    public func checkpoint(_ file: WeightsFile) throws(WeightsError) -> Checkpoint {
        try read(file) { url throws(CheckpointError) in
            let checkpoint = try Checkpoint(contentsOf: url)
            try file.schema.validate(checkpoint.stateDict)
            return checkpoint
        }
    }

    /// SyncNet built from `syncnet_v2.model`, read one tensor at a time (``CheckpointFile``).
    public func syncNet() throws(WeightsError) -> SyncNet {
        try read(.syncNet) { url throws(CheckpointError) in try SyncNet(reading: CheckpointFile(contentsOf: url)) }
    }

    /// S3FD built from `sfd_face.pth`, read one tensor at a time (``CheckpointFile``).
    public func s3fd() throws(WeightsError) -> S3FD {
        try read(.s3fd) { url throws(CheckpointError) in try S3FD(reading: CheckpointFile(contentsOf: url)) }
    }

    /// What `make` reads from `file`: ``WeightsError/notFound(path:file:)`` when the file is not
    /// there, ``WeightsError/invalid(path:reason:)`` with the reader's reason when it fails.
    private func read<Result>(_ file: WeightsFile, _ make: (URL) throws(CheckpointError) -> Result) throws(WeightsError) -> Result {
        let path = path(of: file)
        guard FileManager.default.fileExists(atPath: path) else { throw .notFound(path: path, file: file) }
        do {
            return try make(URL(fileURLWithPath: path))
        } catch {
            throw .invalid(path: path, reason: error)
        }
    }
}
