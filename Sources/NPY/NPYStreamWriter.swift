import Foundation

/// Writes a `.npy` file whose first dimension grows as rows are appended, without holding the
/// array in memory.
///
/// The header is written first with room to spare and rewritten with the final row count by
/// ``finish()``; NumPy allows header padding, so the result is an ordinary `.npy` file. Until
/// `finish()` succeeds the data is written to a temporary file beside the destination, which is
/// then moved into place, so a crash never leaves a half-written array under the final name.
public final class NPYStreamWriter {
    public let url: URL
    public let dtype: NPYArray.DType
    /// Shape of one row (everything after the first dimension).
    public let rowShape: [Int]
    private let rowBytes: Int
    private let temporaryURL: URL
    private let handle: FileHandle
    private var rows = 0
    private var finished = false
    /// Bytes reserved for magic, version, header length and header text.
    private static let headerSize = 256

    public init(url: URL, dtype: NPYArray.DType, rowShape: [Int]) throws {
        precondition(rowShape.allSatisfy { $0 >= 0 }, "row shape must be non-negative: \(rowShape)")
        self.url = url
        self.dtype = dtype
        self.rowShape = rowShape
        rowBytes = rowShape.reduce(1, *) * dtype.size
        temporaryURL = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).partial")
        guard FileManager.default.createFile(atPath: temporaryURL.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporaryURL.path])
        }
        handle = try FileHandle(forWritingTo: temporaryURL)
        try handle.write(contentsOf: Data(count: Self.headerSize))
    }

    deinit {
        if !finished {
            try? handle.close()
            try? FileManager.default.removeItem(at: temporaryURL)
        }
    }

    /// Number of rows appended so far.
    public var rowCount: Int { rows }

    /// Appends one row of raw little-endian element bytes.
    public func append(rowBytes bytes: UnsafeRawBufferPointer) throws {
        precondition(bytes.count == rowBytes, "row must have \(rowBytes) bytes, got \(bytes.count)")
        try handle.write(contentsOf: Data(bytes))
        rows += 1
    }

    /// Appends one row of bytes (for `uint8` arrays).
    public func append(row: [UInt8]) throws {
        try row.withUnsafeBytes { try append(rowBytes: $0) }
    }

    /// Rewrites the header with the final shape and moves the file into place.
    public func finish() throws {
        let header = NPYArray.headerData(dtype: dtype, shape: [rows] + rowShape, paddedTo: Self.headerSize)
        try handle.seek(toOffset: 0)
        try handle.write(contentsOf: header)
        try handle.close()
        // rename(2) replaces a regular file atomically and fails on a folder (which removing
        // the destination first, as before, deleted with everything in it).
        guard rename(temporaryURL.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporaryURL)
            finished = true
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path, NSLocalizedDescriptionKey: "\(url.path): \(reason)"])
        }
        finished = true
    }
}
