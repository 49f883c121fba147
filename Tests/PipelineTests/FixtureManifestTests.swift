import Foundation
import TestSupport
import Testing

@Suite("Pipeline fixtures")
struct PipelineFixtureManifestTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    @Test("every golden matches its SHA-256 in MANIFEST.json (protocols/MANIFEST.json for protocols/), and every file is listed")
    func manifestHashes() throws {
        var listed: Set<String> = []
        for (manifest, folder) in [("MANIFEST.json", ""), ("protocols/MANIFEST.json", "protocols/")] {
            listed.insert(manifest)
            let files = try FixtureManifest.files(Self.directory.appendingPathComponent(manifest))
            #expect(!files.isEmpty)
            for (name, hash) in files.sorted(by: { $0.key < $1.key }) {
                let data = try Data(contentsOf: Self.directory.appendingPathComponent(folder + name))
                #expect(sha256Hex(data) == hash, "\(folder + name) differs from the file its generator wrote (see the manifest)")
                listed.insert(folder + name)
            }
        }
        let unlisted = FixtureManifest.paths(under: Self.directory).filter { !listed.contains($0) }
        #expect(unlisted.isEmpty, "not in a manifest: \(unlisted)")
    }
}
