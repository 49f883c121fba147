import Foundation

/// The exact set of tensors a network expects: names, element types and shapes.
///
/// Loading is strict, as in whisper.cpp's `whisper_model_load`: every key the network needs must
/// be present with its exact shape and element type, and the file may contain no other key.
/// Only entries marked optional (BatchNorm's `num_batches_tracked`, absent from files saved
/// before PyTorch 0.4.1) may be missing.
///
/// ```swift
/// let schema = StateDictSchema(network: "SyncNet", entries: [
///     .float32("netcnnaud.0.weight", [64, 1, 3, 3]),
///     .float32("netcnnaud.0.bias", [64]),
///     .numBatchesTracked("netcnnaud.1"),
/// ])
/// try schema.validate(checkpoint.stateDict)
/// ```
public struct StateDictSchema: Sendable, Equatable {
    /// One expected tensor.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let elementType: TensorElementType
        /// Whether the key may be absent.
        public let isOptional: Bool

        public init(name: String, shape: [Int], elementType: TensorElementType = .float32, isOptional: Bool = false) {
            self.name = name
            self.shape = shape
            self.elementType = elementType
            self.isOptional = isOptional
        }

        /// A required float32 tensor.
        public static func float32(_ name: String, _ shape: [Int]) -> Entry {
            Entry(name: name, shape: shape)
        }

        /// `<module>.num_batches_tracked`: an optional 0-d int64 (BatchNorm's step counter, unused
        /// at inference).
        public static func numBatchesTracked(_ module: String) -> Entry {
            Entry(name: module + ".num_batches_tracked", shape: [], elementType: .int64, isOptional: true)
        }
    }

    /// The network's name, used in messages.
    public let network: String
    /// The expected tensors in registration order.
    public let entries: [Entry]
    private let index: [String: Int]

    /// A schema; names must be unique (a programming error otherwise).
    public init(network: String, entries: [Entry]) {
        var index: [String: Int] = [:]
        for (i, entry) in entries.enumerated() {
            precondition(index[entry.name] == nil, "\(network) schema lists \(entry.name) twice")
            index[entry.name] = i
        }
        self.network = network
        self.entries = entries
        self.index = index
    }

    /// The expected entry named `name`, if any.
    public subscript(name: String) -> Entry? { index[name].map { entries[$0] } }

    /// Checks that `stateDict` has exactly the schema's tensors.
    ///
    /// Problems are reported in this order: the first key of the file the network does not know,
    /// then, in schema order, the first required key that is missing or a tensor with another
    /// element type or shape.
    ///
    /// - Throws: ``CheckpointError/unexpectedKey(network:name:)``,
    ///   ``CheckpointError/missingKey(network:name:expectedShape:)``,
    ///   ``CheckpointError/wrongElementType(name:got:expected:)``,
    ///   ``CheckpointError/wrongShape(name:got:expected:)``.
    public func validate(_ stateDict: StateDict) throws(CheckpointError) {
        try validate(names: stateDict.names) { name in stateDict[name].map { ($0.elementType, $0.shape) } }
    }

    /// Checks a checkpoint file's tensors against the schema before any is read.
    func validate(_ reader: CheckpointFile) throws(CheckpointError) {
        try validate(names: reader.names, declaration: reader.declaration)
    }

    /// ``validate(_:)`` over the names of a state dict in file order and each name's element type
    /// and shape.
    private func validate(
        names: [String], declaration: (String) -> (elementType: TensorElementType, shape: [Int])?
    ) throws(CheckpointError) {
        for name in names where index[name] == nil {
            throw .unexpectedKey(network: network, name: name)
        }
        for entry in entries {
            guard let tensor = declaration(entry.name) else {
                if entry.isOptional { continue }
                throw .missingKey(network: network, name: entry.name, expectedShape: entry.shape)
            }
            guard tensor.elementType == entry.elementType else {
                throw .wrongElementType(name: entry.name, got: tensor.elementType, expected: entry.elementType)
            }
            guard tensor.shape == entry.shape else {
                throw .wrongShape(name: entry.name, got: tensor.shape, expected: entry.shape)
            }
        }
    }
}
