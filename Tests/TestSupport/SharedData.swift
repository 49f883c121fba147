import Foundation

/// `../shared/data` beside the checkout: the real clips, speech, face boxes and published scores
/// that the parity and end-to-end tests read. It is not part of the repository, so on a fresh clone
/// it is absent and those tests are skipped:
///
/// ```swift
/// @Test("…", .enabled(if: SharedData.has("example.avi"), "needs ../shared/data (…)"))
/// ```
public enum SharedData {
    /// The folder (it may not exist): `shared/data` beside the package root, three levels above
    /// this file (`Tests/TestSupport/SharedData.swift`).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data")

    /// `relativePath` inside the folder.
    public static func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

    /// Whether the shared data holds `relativePath` (a file or a folder): the one test of "the
    /// shared data is present", naming what the test needs.
    public static func has(_ relativePath: String) -> Bool { FileManager.default.fileExists(atPath: url(relativePath).path) }
}
