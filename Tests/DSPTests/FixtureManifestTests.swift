import TestSupport
import Foundation
import Testing

@Suite("DSP fixtures")
struct FixtureManifestTests {
    @Test("the SHA-256 helper gives the FIPS 180-4 test vectors")
    func sha256Vectors() {
        #expect(sha256Hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(sha256Hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // 56 bytes: the padding spills into a second block.
        #expect(sha256Hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("every fixture matches its SHA-256 in MANIFEST.json")
    func manifestHashes() throws {
        let manifest = try Fixtures.json("MANIFEST.json")
        let files = try #require(manifest["files"] as? [String: String])
        #expect(files.count >= 30)
        for (name, hash) in files.sorted(by: { $0.key < $1.key }) {
            let data = try Data(contentsOf: Fixtures.url(name))
            #expect(sha256Hex(data) == hash, "\(name) differs from the file make_dsp_goldens.py wrote")
        }
    }
}
