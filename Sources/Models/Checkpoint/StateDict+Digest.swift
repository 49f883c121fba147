import Crypto
import Foundation

extension StateDict {
    /// A SHA-256 fingerprint of the weights' values, independent of the file that held them.
    ///
    /// The same tensors give the same digest whether they were read from a legacy or a zip file,
    /// in any key order, with or without BatchNorm's `num_batches_tracked` counters. It keys
    /// caches, so this definition never changes (a new one would get a new version string).
    ///
    /// The digest is the lowercase hex SHA-256 of this byte string:
    ///
    /// 1. the 31 ASCII bytes `SyncBench state dict digest v1\n`;
    /// 2. the number of digested entries, as a little-endian UInt64;
    /// 3. for each entry, in ascending order of the names' UTF-8 bytes (unsigned byte-wise
    ///    lexicographic order), skipping every entry whose name is `num_batches_tracked` or ends
    ///    in `.num_batches_tracked`:
    ///    - the name: its UTF-8 byte count as a little-endian UInt64, then the bytes;
    ///    - the element type: the byte count of its ``TensorElementType`` raw value (`float32`,
    ///      `int64`, …) as a little-endian UInt64, then those ASCII bytes;
    ///    - the shape: the rank as a little-endian UInt64, then each dimension as a little-endian
    ///      UInt64 (a 0-d tensor has rank 0 and no dimensions);
    ///    - the data: its byte count as a little-endian UInt64, then ``CheckpointTensor/bytes``
    ///      (C order, little-endian elements).
    public func valueDigest() -> String {
        var hasher = SHA256()
        func update(_ value: UInt64) {
            withUnsafeBytes(of: value.littleEndian) { hasher.update(bufferPointer: $0) }
        }
        func update(counted bytes: some Collection<UInt8>) {
            update(UInt64(bytes.count))
            hasher.update(data: Array(bytes))
        }
        let digested =
            entries
            .filter { $0.name != "num_batches_tracked" && !$0.name.hasSuffix(".num_batches_tracked") }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        hasher.update(data: Array("SyncBench state dict digest v1\n".utf8))
        update(UInt64(digested.count))
        for (name, tensor) in digested {
            update(counted: name.utf8)
            update(counted: tensor.elementType.rawValue.utf8)
            update(UInt64(tensor.shape.count))
            for dimension in tensor.shape { update(UInt64(dimension)) }
            update(UInt64(tensor.bytes.count))
            hasher.update(data: tensor.bytes)
        }
        return hasher.finalize().hexDigits
    }
}
