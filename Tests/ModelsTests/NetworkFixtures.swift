import Foundation
import Media
import NPY
import TestSupport

/// The golden files of `tools/reference/make_network_goldens.py` and the shared test clips.
enum NetworkFixtures {
    /// The package root, three levels above this file.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = packageRoot.appendingPathComponent("Tests/ModelsTests/Fixtures/networks")
    /// `../shared/data`: real clips, never copied into the repository.
    static let sharedData = SharedData.root

    static func npy(_ name: String) throws -> NPYArray {
        try NPYArray(contentsOf: directory.appendingPathComponent(name))
    }

    /// `networks.json`, the goldens' index.
    static func index() throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent("networks.json"))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError("networks.json is not a JSON object")
        }
        return object
    }

    /// The first `count` frames of a shared clip, decoded on the clean timeline (for these
    /// constant-rate clips: source picture i is frame i, the same pictures the reference script
    /// took from `ffmpeg -f rawvideo`; tests compare their SHA-256 with the recorded ones).
    static func frames(_ relativePath: String, count: Int) throws -> [Image] {
        let decoder = try VideoDecoder(path: sharedData.appendingPathComponent(relativePath).path, mode: .clean)
        var images: [Image] = []
        while images.count < count, let frame = try decoder.nextFrame() {
            guard let image = frame.image else { throw FixtureError("\(relativePath): frame without pixels") }
            images.append(image)
        }
        guard images.count == count else { throw FixtureError("\(relativePath): only \(images.count) frames") }
        return images
    }

    /// Uniform doubles in [0, 1) from SplitMix64: `(out >> 11) * 2^-53`.
    static func uniform(seed: UInt64, count: Int) -> [Double] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in Double(generator.next() >> 11) * 0x1p-53 }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
