import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A checkpoint file read one tensor at a time, for building a network from it.
///
/// ``Checkpoint`` holds the whole file and then a copy of every tensor, so building a network from
/// it holds the file's size twice over besides the network's own arrays (S3FD's load peaked at
/// ≈ 180 MB of anonymous memory, against ≈ 95 MB through this reader). This reader parses the
/// pickles and directory from the whole file once, lets the bytes go, and reads a tensor's storage
/// from the open file only when the tensor is asked for: a build then holds its own arrays and one
/// tensor. It accepts and refuses exactly the files ``Checkpoint`` does (the same parser), and
/// gives the same tensors.
///
/// Storages are read with `pread` from the descriptor opened at `init`, so a file replaced by a
/// rename meanwhile is still the file parsed; one truncated meanwhile gives
/// ``CheckpointError/truncated(what:offset:needed:available:)``, never a fault.
final class CheckpointFile {
    let path: String
    let format: CheckpointFormat
    /// The names in file order (a repeated name keeps its first place and its last tensor, as
    /// ``StateDict`` and PyTorch's OrderedDict do).
    let names: [String]
    private let entries: [String: CheckpointLayout.Entry]
    private let handle: FileHandle

    /// Opens and parses the file at `url`.
    ///
    /// - Throws: ``CheckpointError/unreadableFile(path:reason:)`` if it cannot be opened or read,
    ///   and any other ``CheckpointError`` case if its contents are not a readable state dict.
    init(contentsOf url: URL) throws(CheckpointError) {
        path = url.path
        let bytes: Data
        do {
            handle = try FileHandle(forReadingFrom: url)
            bytes = try handle.readToEnd() ?? Data()
        } catch {
            throw .unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        let parsed: Result<CheckpointLayout, CheckpointError> = bytes.withUnsafeBytes { raw in
            Result { () throws(CheckpointError) in try Checkpoint.layout(of: raw) }
        }
        let layout = try parsed.get()
        format = layout.format
        var names: [String] = []
        var entries: [String: CheckpointLayout.Entry] = [:]
        for entry in layout.entries {
            if entries.updateValue(entry, forKey: entry.name) == nil { names.append(entry.name) }
        }
        self.names = names
        self.entries = entries
    }

    deinit {
        try? handle.close()
    }

    /// The element type and shape of the tensor named `name`, without reading it.
    func declaration(_ name: String) -> (elementType: TensorElementType, shape: [Int])? {
        entries[name].map { ($0.reference.storage.elementType, $0.reference.shape) }
    }

    /// The tensor named `name`, read from the file now; nil if the file has no such tensor.
    func tensor(_ name: String) throws(CheckpointError) -> CheckpointTensor? {
        guard let entry = entries[name] else { return nil }
        let storage = entry.storage
        let byteCount = storage.count * entry.reference.storage.elementType.size  // inside the file, checked by the parser
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(byteCount, 1), alignment: 16)
        defer { buffer.deallocate() }
        try read(byteCount, at: storage.start, into: buffer, what: "storage of \(name)")
        let inBuffer = StorageBytes(start: 0, count: storage.count, bigEndian: storage.bigEndian)
        return entry.tensor(Checkpoint.gather(entry.reference, from: inBuffer, in: UnsafeRawBufferPointer(buffer)))
    }

    /// Reads `count` bytes at file offset `offset` into the start of `buffer`.
    private func read(_ count: Int, at offset: Int, into buffer: UnsafeMutableRawBufferPointer, what: String) throws(CheckpointError) {
        var done = 0
        while done < count {
            let got = pread(handle.fileDescriptor, buffer.baseAddress! + done, count - done, off_t(offset + done))
            if got < 0 {
                let code = errno
                if code == EINTR { continue }
                throw .unreadableFile(path: path, reason: String(cString: strerror(code)))
            }
            guard got > 0 else {
                throw .truncated(what: what, offset: offset + done, needed: count - done, available: 0)
            }
            done += got
        }
    }
}
