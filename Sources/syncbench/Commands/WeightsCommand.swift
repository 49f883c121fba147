import ArgumentParser
import Crypto
import Foundation
import Models

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `syncbench weights`: inspect, download or generate the network weight files.
struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Inspect, download or generate the SyncNet and S3FD weight files.",
        subcommands: [WeightsInfoCommand.self, WeightsFetchCommand.self, WeightsStandInCommand.self]
    )
}

/// The weights folder as a positional argument, falling back to `--weights`/env/`./weights`.
struct WeightsDirectoryArgument: ParsableArguments {
    @Argument(help: "The weights folder (default: --weights, $SYNCBENCH_WEIGHTS, else ./weights).", completion: .directory)
    var path: String?

    @OptionGroup var weights: WeightsOptions

    func validate() throws {
        if path?.isEmpty == true { throw ValidationError("the weights folder's path is empty") }
    }

    /// A usage error unless the folder can be written into (``OutputPath/checkFolder(_:option:)``).
    func checkWritable() throws {
        try OutputPath.checkFolder(resolved.url.path, option: "the weights folder")
    }

    var resolved: WeightsDirectory {
        guard let path else { return weights.resolved }
        return WeightsDirectory.resolve(
            explicit: path, environment: [:], currentDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    }
}

/// `syncbench weights info`: what each weight file is, key by key.
struct WeightsInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show the format, keys, shapes and value digest of each weight file.",
        discussion: """
            The value digest hashes the tensors themselves (names, types, shapes, values; not \
            num_batches_tracked), so a legacy and a zip save of the same weights share it. \
            'published' compares the file's SHA-256 with the one syncnet-python publishes; \
            'stand-in' says the file holds SyncBench's deterministic test weights. Exits with 40 \
            when a file is missing and 41 when one is not a valid checkpoint of its network.
            """
    )

    @OptionGroup var directory: WeightsDirectoryArgument

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let folder = directory.resolved
        let reports = WeightsFile.allCases.map { WeightsFileReport(file: $0, directory: folder) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let object = WeightsInfoReport(directory: folder.url.path, files: reports)
            print(String(decoding: try encoder.encode(object), as: UTF8.self))
        } else {
            print("weights directory: \(folder.url.path)")
            for report in reports { print(report.text()) }
        }
        if reports.contains(where: { !$0.present }) { throw ExitCode(ExitStatus.weightsNotFound.rawValue) }
        if reports.contains(where: { $0.error != nil }) { throw ExitCode(ExitStatus.weightsInvalid.rawValue) }
    }
}

struct WeightsInfoReport: Encodable {
    var directory: String
    var files: [WeightsFileReport]
}

/// Everything `weights info` says about one file.
struct WeightsFileReport: Encodable {
    struct Entry: Encodable {
        var name: String
        var dtype: String
        var shape: [Int]
    }

    var file: String
    var network: String
    var path: String
    var present: Bool
    var bytes: Int?
    var sha256: String?
    var publishedSHA256Match: Bool?
    var format: String?
    var valueDigest: String?
    var standIn: Bool?
    var valid: Bool
    var error: String?
    var tensors: [Entry] = []

    enum CodingKeys: String, CodingKey {
        case file, network, path, present, bytes, sha256, format, valid, error, tensors
        case publishedSHA256Match = "published_sha256_match", valueDigest = "value_digest", standIn = "stand_in"
    }

    init(file: WeightsFile, directory: WeightsDirectory) {
        self.file = file.fileName
        network = file.network
        path = directory.path(of: file)
        present = FileManager.default.fileExists(atPath: path)
        valid = false
        guard present else {
            error = "not found (run 'syncbench weights fetch', or 'syncbench weights standin' for test weights)"
            return
        }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
            bytes = data.count
            let digest = SHA256.hash(data: data).hexDigits
            sha256 = digest
            publishedSHA256Match = file.matchesPublishedDigest(digest)
            let checkpoint = try Checkpoint(bytes: data)
            format = checkpoint.format.rawValue
            tensors = checkpoint.stateDict.entries.map {
                Entry(name: $0.name, dtype: $0.tensor.elementType.rawValue, shape: $0.tensor.shape)
            }
            let values = checkpoint.stateDict.valueDigest()
            valueDigest = values
            standIn = values == file.standInStateDict().valueDigest()
            try file.schema.validate(checkpoint.stateDict)
            valid = true
        } catch {
            self.error = String(describing: error)
        }
    }

    func text() -> String {
        var lines = ["", "\(file)  (\(network))", "  path          \(path)"]
        guard present else {
            lines.append("  status        \(error ?? "not found")")
            return lines.joined(separator: "\n")
        }
        if let bytes { lines.append("  size          \(bytes) bytes") }
        if let sha256 {
            let published = WeightsFile(rawValue: file)!.publishedSHA256
            let verdict = publishedSHA256Match == true ? "matches the published digest" : "differs from the published \(published.prefix)…\(published.suffix)"
            lines.append("  sha256        \(sha256) (\(verdict))")
        }
        if let format { lines.append("  format        PyTorch \(format)") }
        if let valueDigest { lines.append("  value digest  \(valueDigest)\(standIn == true ? " (SyncBench stand-in weights)" : "")") }
        lines.append("  status        \(valid ? "ok: every key and shape as \(network) expects" : "invalid: \(error ?? "?")")")
        if !tensors.isEmpty {
            lines.append("  tensors (\(tensors.count)):")
            for entry in tensors {
                let shape = entry.shape.isEmpty ? "scalar" : entry.shape.map(String.init).joined(separator: "×")
                lines.append("    \(entry.name.padding(toLength: 34, withPad: " ", startingAt: 0)) \(entry.dtype.padding(toLength: 8, withPad: " ", startingAt: 0)) \(shape)")
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// `syncbench weights fetch`: download the official files, atomically and validated.
struct WeightsFetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download syncnet_v2.model and sfd_face.pth from the Oxford VGG page.",
        discussion: """
            Each file is downloaded next to its destination, checked (a PyTorch checkpoint with \
            exactly the keys and shapes of its network) and only then moved into place, so an \
            interrupted or failed download never leaves a damaged file. Files already present and \
            valid are kept unless --force. --from takes another base address (an http(s):// mirror \
            or a file:// folder). Exits with 42 when a download fails.
            """
    )

    @OptionGroup var directory: WeightsDirectoryArgument

    @Option(help: "Base address to download from instead of the official page (http(s):// or file://).")
    var from: String?

    @Flag(help: "Download again even if a valid file is present.")
    var force = false

    func validate() throws { try directory.checkWritable() }

    func run() async throws {
        let folder = directory.resolved
        try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        var failures = 0
        for file in WeightsFile.allCases {
            let destination = URL(fileURLWithPath: folder.path(of: file))
            if !force, (try? folder.checkpoint(file)) != nil {
                print("\(file.fileName): present and valid, kept (use --force to download again)")
                continue
            }
            let source = sourceURL(for: file)
            do {
                let bytes = try await download(source, to: destination, file: file)
                print("\(file.fileName): downloaded \(bytes) bytes from \(source.absoluteString)")
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("syncbench: error: \(file.fileName): \(error)\n".utf8))
            }
        }
        if failures > 0 { throw ExitCode(ExitStatus.downloadFailed.rawValue) }
    }

    private func sourceURL(for file: WeightsFile) -> URL {
        guard let from, let base = URL(string: from.hasSuffix("/") ? from : from + "/") else { return file.officialURL }
        return base.appendingPathComponent(file.fileName)
    }

    /// Downloads to a temporary file in the destination folder, validates, then renames.
    private func download(_ source: URL, to destination: URL, file: WeightsFile) async throws -> Int {
        let partial = destination.deletingLastPathComponent().appendingPathComponent(".\(file.fileName).download")
        try? FileManager.default.removeItem(at: partial)
        defer { try? FileManager.default.removeItem(at: partial) }
        if source.isFileURL {
            guard FileManager.default.fileExists(atPath: source.path) else {
                throw DownloadError("\(source.path) does not exist")
            }
            try FileManager.default.copyItem(at: source, to: partial)
        } else {
            let data: Data
            let response: URLResponse
            do {
                (data, response) = try await URLSession.shared.data(from: source)
            } catch {
                throw DownloadError(
                    """
                    cannot download \(source.absoluteString) (\(error.localizedDescription)); \
                    without network access, copy the file into \(destination.deletingLastPathComponent().path) by hand \
                    (weights/README.md lists the sources)
                    """)
            }
            if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
                throw DownloadError("\(source.absoluteString) answered HTTP \(http.statusCode)")
            }
            try data.write(to: partial)
        }
        do {
            let checkpoint = try Checkpoint(contentsOf: partial)
            try file.schema.validate(checkpoint.stateDict)
        } catch {
            throw DownloadError("the downloaded file is not a valid \(file.network) checkpoint: \(error)")
        }
        let size = (try FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? NSNumber)?.intValue ?? 0
        guard rename(partial.path, destination.path) == 0 else {
            throw DownloadError("cannot move the download into place: \(String(cString: strerror(errno)))")
        }
        return size
    }
}

struct DownloadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `syncbench weights standin`: write the deterministic stand-in weights as PyTorch files.
struct WeightsStandInCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "standin",
        abstract: "Write SyncBench's deterministic stand-in weights (for tests and demos, not for scoring).",
        discussion: """
            The files have exactly the keys and shapes of the official ones and load with \
            torch.load (PyTorch legacy format); their values come from the documented generator of \
            docs/standin-weights.md. Scores computed with them are meaningless; they let the whole \
            pipeline run where the official weights cannot be downloaded. Existing files are not \
            overwritten unless --force.
            """
    )

    @OptionGroup var directory: WeightsDirectoryArgument

    @Flag(help: "Overwrite existing files.")
    var force = false

    func validate() throws { try directory.checkWritable() }

    func run() throws {
        let folder = directory.resolved
        try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        for file in WeightsFile.allCases {
            let path = folder.path(of: file)
            if !force, FileManager.default.fileExists(atPath: path) {
                throw fail("\(path) exists (use --force to overwrite it)", status: .writeFailed)
            }
            let data = LegacyCheckpointWriter.data(for: file.standInStateDict())
            let partial = folder.url.appendingPathComponent(".\(file.fileName).partial")
            do {
                try data.write(to: partial)
                guard rename(partial.path, path) == 0 else { throw DownloadError(String(cString: strerror(errno))) }
            } catch {
                try? FileManager.default.removeItem(at: partial)
                throw fail("\(path): cannot write: \(error)", status: .writeFailed)
            }
            print("\(path): stand-in \(file.network) weights, \(data.count) bytes")
        }
    }
}
