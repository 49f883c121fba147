import Foundation
import TestSupport
import Testing
@testable import Models

@Suite("Weights directory")
struct WeightsDirectoryTests {
    let cwd = URL(fileURLWithPath: "/work/project")

    @Test("--weights wins, then SYNCBENCH_WEIGHTS, then ./weights; relative paths resolve against the current directory")
    func resolutionOrder() {
        let environment = ["SYNCBENCH_WEIGHTS": "/models/syncnet"]
        #expect(WeightsDirectory.resolve(explicit: "w2", environment: environment, currentDirectory: cwd).url.path == "/work/project/w2")
        #expect(WeightsDirectory.resolve(explicit: nil, environment: environment, currentDirectory: cwd).url.path == "/models/syncnet")
        #expect(WeightsDirectory.resolve(explicit: "", environment: [:], currentDirectory: cwd).url.path == "/work/project/weights")
        #expect(WeightsDirectory.resolve(explicit: nil, environment: ["SYNCBENCH_WEIGHTS": ""], currentDirectory: cwd).url.path == "/work/project/weights")
        #expect(WeightsDirectory.resolve(explicit: nil, environment: ["SYNCBENCH_WEIGHTS": "../shared/w"], currentDirectory: cwd).url.path == "/work/shared/w")
    }

    @Test("a missing file and a file of the wrong network are named with the reason")
    func errors() throws {
        let folder = try ScratchDirectory.make("wd")
        defer { try? FileManager.default.removeItem(at: folder) }
        let directory = WeightsDirectory(url: folder)
        #expect(throws: WeightsError.notFound(path: directory.path(of: .s3fd), file: .s3fd)) { try directory.s3fd() }
        // SyncNet's weights saved under S3FD's name: the first unknown key is reported.
        try LegacyCheckpointWriter.data(for: SyncNet.standInStateDict()).write(to: URL(fileURLWithPath: directory.path(of: .s3fd)))
        #expect(throws: WeightsError.invalid(path: directory.path(of: .s3fd), reason: .unexpectedKey(network: "S3FD", name: "netcnnaud.0.weight"))) {
            try directory.s3fd()
        }
        let error = WeightsError.invalid(path: "/w/sfd_face.pth", reason: .wrongShape(name: "vgg.0.weight", got: [64, 3, 5, 5], expected: [64, 3, 3, 3]))
        #expect(error.description.contains("got") && error.description.contains("expected"))
    }

    @Test("published digests are recognised by their published ends")
    func publishedDigest() {
        #expect(WeightsFile.syncNet.matchesPublishedDigest("961e8696" + String(repeating: "0", count: 52) + "5442"))
        #expect(!WeightsFile.s3fd.matchesPublishedDigest("961e8696" + String(repeating: "0", count: 52) + "5442"))
        #expect(WeightsFile.s3fd.officialURL.absoluteString.hasSuffix("/lipsync/data/sfd_face.pth"))
    }
}
