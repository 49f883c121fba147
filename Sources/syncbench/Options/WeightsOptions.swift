import ArgumentParser
import Foundation
import Models

/// `--weights DIR`: where `syncnet_v2.model` and `sfd_face.pth` live.
struct WeightsOptions: ParsableArguments {
    @Option(
        name: .customLong("weights"),
        help: ArgumentHelp(
            "Folder with syncnet_v2.model and sfd_face.pth (default: $SYNCBENCH_WEIGHTS, else ./weights).",
            valueName: "dir"),
        completion: .directory)
    var directory: String?

    func validate() throws {
        if directory?.isEmpty == true { throw ValidationError("--weights: the path is empty") }
    }

    /// `--weights`, then `SYNCBENCH_WEIGHTS`, then `./weights`.
    var resolved: WeightsDirectory {
        WeightsDirectory.resolve(
            explicit: directory, environment: ProcessInfo.processInfo.environment,
            currentDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    }
}
