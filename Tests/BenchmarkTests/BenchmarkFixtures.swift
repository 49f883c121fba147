import Foundation
import Models
import TestSupport

/// Temporary folders, the shared data and stand-in weights for benchmark tests (clips: `ScorableClip`).
enum BenchmarkFixtures {
    static let sharedData = SharedData.root

    static func temporaryDirectory() throws -> URL {
        try ScratchDirectory.make("bench")
    }

    /// The stand-in weights as PyTorch files, written once per test process.
    static let weights: WeightsDirectory = {
        let folder = try! ScratchDirectory.make("bench-weights")
        let directory = WeightsDirectory(url: folder)
        for file in WeightsFile.allCases where !FileManager.default.fileExists(atPath: directory.path(of: file)) {
            try! LegacyCheckpointWriter.data(for: file.standInStateDict()).write(to: URL(fileURLWithPath: directory.path(of: file)))
        }
        return directory
    }()
}
