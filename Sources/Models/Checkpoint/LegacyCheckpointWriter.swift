import Foundation

/// Writes a state dict as a PyTorch **legacy** (non-zip) checkpoint, the layout of
/// `torch.save(obj, f, _use_new_zipfile_serialization=False)` (docs/reference/checkpoint-format.md §3).
///
/// Only what `torch.load(weights_only=True)` accepts is written: five protocol-2 pickles (magic
/// number, protocol 1001, `sys_info`, the `collections.OrderedDict` of
/// `torch._utils._rebuild_tensor_v2` calls, the sorted storage keys) followed by the raw storage
/// records. Storage keys are the decimal entry indices. Used to give users and tests weight files
/// where the official ones cannot be downloaded (``StandInWeights``).
public enum LegacyCheckpointWriter {
    /// The file's bytes.
    public static func data(for stateDict: StateDict) -> Data {
        var out = Data()
        // Pickle 1: the magic number 0x1950A86A20F9469CFC6C as LONG1.
        out.append(contentsOf: [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E])
        // Pickle 2: protocol version 1001.
        out.append(contentsOf: [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E])
        // Pickle 3: sys_info.
        var info = Pickle()
        info.op(0x7D)  // EMPTY_DICT
        info.op(0x28)  // MARK
        info.string("protocol_version"); info.int(1001)
        info.string("little_endian"); info.op(0x88)  // NEWTRUE
        info.string("type_sizes"); info.op(0x7D); info.op(0x28)
        info.string("short"); info.int(2)
        info.string("int"); info.int(4)
        info.string("long"); info.int(4)
        info.op(0x75); info.op(0x75)  // SETITEMS (inner), SETITEMS (outer)
        out.append(info.finished())
        // Pickle 4: the state dict.
        var body = Pickle()
        body.global("collections", "OrderedDict"); body.op(0x29); body.op(0x52)  // EMPTY_TUPLE, REDUCE
        for (batchStart, batch) in stride(from: 0, to: stateDict.count, by: 1000).map({ ($0, stateDict.entries[$0..<min($0 + 1000, stateDict.count)]) }) {
            body.op(0x28)  // MARK
            for (offset, entry) in batch.enumerated() {
                let tensor = entry.tensor
                body.string(entry.name)
                body.global("torch._utils", "_rebuild_tensor_v2")
                body.op(0x28)  // MARK: arguments
                body.op(0x28)  // MARK: persistent id
                body.string("storage")
                body.global("torch", storageClass(tensor.elementType))
                body.string(String(batchStart + offset))
                body.string("cpu")
                body.int(tensor.count)
                body.op(0x4E)  // NONE: no view
                body.op(0x74); body.op(0x51)  // TUPLE, BINPERSID
                body.int(0)  // storage offset
                body.tuple(tensor.shape)
                body.tuple(contiguousStrides(tensor.shape))
                body.op(0x89)  // NEWFALSE: requires_grad
                body.global("collections", "OrderedDict"); body.op(0x29); body.op(0x52)  // backward hooks
                body.op(0x74); body.op(0x52)  // TUPLE, REDUCE
            }
            body.op(0x75)  // SETITEMS
        }
        out.append(body.finished())
        // Pickle 5: storage keys, sorted as strings.
        let keys = (0..<stateDict.count).map(String.init).sorted()
        var list = Pickle()
        list.op(0x5D); list.op(0x28)  // EMPTY_LIST, MARK
        for key in keys { list.string(key) }
        list.op(0x65)  // APPENDS
        out.append(list.finished())
        // Raw records in key order: int64 element count, then the little-endian elements.
        for key in keys {
            let tensor = stateDict.entries[Int(key)!].tensor
            withUnsafeBytes(of: Int64(tensor.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(tensor.bytes)
        }
        return out
    }

    private static func storageClass(_ type: TensorElementType) -> String {
        switch type {
        case .float64: "DoubleStorage"
        case .float32: "FloatStorage"
        case .float16: "HalfStorage"
        case .bfloat16: "BFloat16Storage"
        case .int64: "LongStorage"
        case .int32: "IntStorage"
        case .int16: "ShortStorage"
        case .int8: "CharStorage"
        case .uint8: "ByteStorage"
        case .bool: "BoolStorage"
        case .complex64: "ComplexFloatStorage"
        case .complex128: "ComplexDoubleStorage"
        }
    }

    private static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        return strides
    }

    /// A protocol-2 pickle under construction.
    private struct Pickle {
        private var bytes: [UInt8] = [0x80, 0x02]  // PROTO 2

        mutating func op(_ code: UInt8) { bytes.append(code) }

        /// BINUNICODE.
        mutating func string(_ text: String) {
            let utf8 = Array(text.utf8)
            bytes.append(0x58)
            withUnsafeBytes(of: UInt32(utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: utf8)
        }

        /// BININT1, BININT2 or BININT (LONG1 beyond 32 bits).
        mutating func int(_ value: Int) {
            switch value {
            case 0...0xFF: bytes += [0x4B, UInt8(value)]
            case 0...0xFFFF: bytes += [0x4D, UInt8(value & 0xFF), UInt8(value >> 8)]
            case Int(Int32.min)...Int(Int32.max):
                bytes.append(0x4A)
                withUnsafeBytes(of: Int32(value).littleEndian) { bytes.append(contentsOf: $0) }
            default:
                bytes += [0x8A, 8]
                withUnsafeBytes(of: Int64(value).littleEndian) { bytes.append(contentsOf: $0) }
            }
        }

        mutating func tuple(_ values: [Int]) {
            op(0x28)
            for value in values { int(value) }
            op(0x74)
        }

        /// GLOBAL "module\nname\n".
        mutating func global(_ module: String, _ name: String) {
            bytes.append(0x63)
            bytes.append(contentsOf: Array("\(module)\n\(name)\n".utf8))
        }

        func finished() -> Data { Data(bytes + [0x2E]) }  // STOP
    }
}
