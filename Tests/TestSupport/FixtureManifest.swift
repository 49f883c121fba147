import Foundation

/// A golden folder's `MANIFEST.json`, as the `tools/reference/make_*_goldens.py` scripts write it:
/// `{"files": {"name": "sha256", …}, …}` with other keys (generator, versions) alongside.
public enum FixtureManifest {
    public struct Unreadable: Error, CustomStringConvertible {
        public var description: String
    }

    /// The manifest's `files`: each path, relative to the manifest's folder, and its SHA-256.
    public static func files(_ url: URL) throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let files = (object as? [String: Any])?["files"] as? [String: String] else {
            throw Unreadable(description: "\(url.path): no \"files\" object of names and SHA-256 digests")
        }
        return files
    }

    /// The regular files under `folder`, as paths relative to it, sorted.
    public static func paths(under folder: URL) -> [String] {
        let base = folder.standardizedFileURL.path + "/"
        guard let walk = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var paths: [String] = []
        for case let url as URL in walk where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            let path = url.standardizedFileURL.path
            paths.append(path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path)
        }
        return paths.sorted()
    }
}
