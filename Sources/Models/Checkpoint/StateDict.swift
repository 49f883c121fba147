import Foundation

/// The element type of a tensor stored in a PyTorch checkpoint, named after its storage class
/// (`docs/reference/checkpoint-format.md` §3.2: `FloatStorage` is `.float32`, `LongStorage` is `.int64`, …).
public enum TensorElementType: String, Sendable, CaseIterable, Codable {
    case float64, float32, float16, bfloat16
    case int64, int32, int16, int8, uint8, bool
    case complex64, complex128

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .uint8, .int8, .bool: 1
        case .float16, .bfloat16, .int16: 2
        case .float32, .int32: 4
        case .float64, .int64, .complex64: 8
        case .complex128: 16
        }
    }
}

/// One tensor of a state dict, materialised: contiguous, row-major (C order), little-endian.
public struct CheckpointTensor: Sendable, Equatable {
    public let elementType: TensorElementType
    /// The shape; `[]` for a 0-d tensor (one element).
    public let shape: [Int]
    /// `shape.product × elementType.size` bytes, little-endian, in C order.
    public let bytes: Data

    /// Number of elements (1 for a 0-d tensor).
    public var count: Int { shape.reduce(1, *) }

    public init(elementType: TensorElementType, shape: [Int], bytes: Data) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(bytes.count == shape.reduce(1, *) * elementType.size, "byte count does not match the shape")
        self.elementType = elementType
        self.shape = shape
        self.bytes = bytes
    }

    /// A float32 tensor from its values in C order.
    public init(shape: [Int], float32 values: [Float]) {
        // One copy of the whole buffer: appending four bytes per value took seconds for a
        // network's weights (`weights standin`, `bench-kernels`).
        let data = values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Data($0) }
        self.init(elementType: .float32, shape: shape, bytes: data)
    }

    /// A 0-d int64 tensor (how PyTorch stores BatchNorm's `num_batches_tracked`).
    public init(int64 value: Int64) {
        let data = withUnsafeBytes(of: value.littleEndian) { Data($0) }
        self.init(elementType: .int64, shape: [], bytes: data)
    }

    /// The values of a float32 tensor in C order.
    ///
    /// - Throws: ``CheckpointError/wrongElementType(name:got:expected:)`` for any other element type.
    public func float32Values(name: String = "tensor") throws(CheckpointError) -> [Float] {
        guard elementType == .float32 else {
            throw .wrongElementType(name: name, got: elementType, expected: .float32)
        }
        return bytes.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}

/// Which on-disk layout a checkpoint file uses (`docs/reference/checkpoint-format.md` §1).
public enum CheckpointFormat: String, Sendable, Codable {
    /// Five pickles followed by raw storage records (`_use_new_zipfile_serialization=False`,
    /// and every file written before PyTorch 1.6).
    case legacy
    /// A stored zip archive with `data.pkl` and `data/<key>` entries (PyTorch ≥ 1.6 default).
    case zip
}

/// An ordered map from parameter names to tensors, as `torch.load` returns for a state dict.
///
/// Order is insertion order (the module's registration order); lookups are by name.
public struct StateDict: Sendable, Equatable {
    /// The entries in file order.
    public private(set) var entries: [(name: String, tensor: CheckpointTensor)]
    private var index: [String: Int]

    public init() {
        entries = []
        index = [:]
    }

    /// Builds a state dict from entries in order.
    ///
    /// - Throws: ``CheckpointError/duplicateKey(_:)`` if a name repeats.
    public init(_ entries: [(name: String, tensor: CheckpointTensor)]) throws(CheckpointError) {
        self.init()
        for (name, tensor) in entries {
            guard index[name] == nil else { throw .duplicateKey(name) }
            append(name, tensor)
        }
    }

    /// The tensor stored under `name`, if any.
    public subscript(name: String) -> CheckpointTensor? {
        index[name].map { entries[$0].tensor }
    }

    /// The names in file order.
    public var names: [String] { entries.map(\.name) }

    public var count: Int { entries.count }

    /// Appends or replaces (keeping the first position, as an OrderedDict does) an entry.
    public mutating func append(_ name: String, _ tensor: CheckpointTensor) {
        if let i = index[name] {
            entries[i].tensor = tensor
        } else {
            index[name] = entries.count
            entries.append((name, tensor))
        }
    }

    public static func == (lhs: StateDict, rhs: StateDict) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.name == $1.name && $0.tensor == $1.tensor }
    }
}
