import Foundation
import TestSupport
import Testing

@Suite("Media fixtures")
struct MediaFixtureManifestTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    @Test("the faithful chain's goldens match their SHA-256 in MANIFEST.json, and every file is in a manifest")
    func manifestHashes() throws {
        // The image goldens are checked against image_goldens.MANIFEST.json by ImageResizeTests.
        var listed: Set<String> = ["MANIFEST.json", "image_goldens.MANIFEST.json"]
        listed.formUnion(try FixtureManifest.files(Self.directory.appendingPathComponent("image_goldens.MANIFEST.json")).keys)
        let files = try FixtureManifest.files(Self.directory.appendingPathComponent("MANIFEST.json"))
        #expect(!files.isEmpty)
        for (name, hash) in files.sorted(by: { $0.key < $1.key }) {
            let data = try Data(contentsOf: Self.directory.appendingPathComponent(name))
            #expect(sha256Hex(data) == hash, "\(name) differs from the file make_faithful_goldens.py wrote")
            listed.insert(name)
        }
        let unlisted = FixtureManifest.paths(under: Self.directory).filter { !listed.contains($0) }
        #expect(unlisted.isEmpty, "not in a manifest: \(unlisted)")
    }
}
