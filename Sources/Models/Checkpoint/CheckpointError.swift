import Foundation

/// Why a checkpoint could not be read or does not fit the network it is meant for.
///
/// Every message names what was found and what was expected ("got … expected …"), and errors
/// raised while decoding name the byte offset in the file where the problem was found.
///
/// ## Topics
///
/// ### Not a checkpoint at all
/// - ``unreadableFile(path:reason:)``
/// - ``notACheckpoint(_:)``
/// - ``unsupportedFormat(_:)``
///
/// ### Corrupt or hostile files
/// - ``truncated(what:offset:needed:available:)``
/// - ``malformedPickle(offset:reason:)``
/// - ``unsupportedOpcode(_:offset:)``
/// - ``unsupportedGlobal(module:name:offset:)``
/// - ``limitExceeded(what:limit:offset:)``
/// - ``malformedZip(_:)``
/// - ``malformedLegacy(_:)``
/// - ``malformedStorage(key:reason:)``
/// - ``malformedTensor(name:reason:)``
/// - ``notAStateDict(_:)``
///
/// ### Strict validation against a network
/// - ``missingKey(network:name:expectedShape:)``
/// - ``unexpectedKey(network:name:)``
/// - ``wrongShape(name:got:expected:)``
/// - ``wrongElementType(name:got:expected:)``
/// - ``duplicateKey(_:)``
public enum CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A tensor has another element type than the network needs.
    case wrongElementType(name: String, got: TensorElementType, expected: TensorElementType)
    /// The same key appears twice in a state dict.
    case duplicateKey(String)

    /// The file could not be read from disk.
    case unreadableFile(path: String, reason: String)
    /// The bytes are not a PyTorch checkpoint (empty, a Git LFS pointer, an HTML page, unknown
    /// magic bytes); the message says what they look like instead.
    case notACheckpoint(String)
    /// A PyTorch format this reader deliberately does not read (the pre-0.1.10 tar format, a
    /// TorchScript archive).
    case unsupportedFormat(String)
    /// A read ran past the end of the file or of the region it belongs to.
    case truncated(what: String, offset: Int, needed: Int, available: Int)
    /// The pickle program is inconsistent (stack underflow, wrong argument types, unknown memo
    /// index, …). `offset` is the file offset of the offending opcode.
    case malformedPickle(offset: Int, reason: String)
    /// An opcode outside the subset of `docs/reference/checkpoint-format.md` §7.1.
    case unsupportedOpcode(UInt8, offset: Int)
    /// A `GLOBAL` other than those of `docs/reference/checkpoint-format.md` §7.2 (e.g. a pickled `nn.Module` class):
    /// the file is not a plain state dict and would need code execution to load.
    case unsupportedGlobal(module: String, name: String, offset: Int)
    /// A resource cap (stack depth, memo size, opcode count, …) was hit; no real state dict
    /// comes near these caps.
    case limitExceeded(what: String, limit: Int, offset: Int)
    /// The zip container is inconsistent (end record, central directory, local headers).
    case malformedZip(String)
    /// The legacy container is inconsistent (magic number, protocol version, storage records).
    case malformedLegacy(String)
    /// A storage's declared size or type does not match its data.
    case malformedStorage(key: String, reason: String)
    /// A tensor's shape, strides or offset do not fit its storage.
    case malformedTensor(name: String, reason: String)
    /// The pickled object is not a map from names to tensors.
    case notAStateDict(String)

    /// A key the network needs is absent.
    case missingKey(network: String, name: String, expectedShape: [Int])
    /// The file has a key the network does not know.
    case unexpectedKey(network: String, name: String)
    /// A tensor has another shape than the network needs.
    case wrongShape(name: String, got: [Int], expected: [Int])

    public var description: String {
        switch self {
        case let .wrongElementType(name, got, expected):
            "\(name): got element type \(got.rawValue), expected \(expected.rawValue)"
        case let .duplicateKey(name):
            "key \(name) appears twice"
        case let .unreadableFile(path, reason):
            "cannot read \(path): \(reason)"
        case let .notACheckpoint(what):
            "not a PyTorch checkpoint: \(what)"
        case let .unsupportedFormat(what):
            "unsupported checkpoint format: \(what)"
        case let .truncated(what, offset, needed, available):
            "truncated: \(what) at offset \(offset) needs \(needed) bytes, got \(available)"
        case let .malformedPickle(offset, reason):
            "malformed pickle at offset \(offset): \(reason)"
        case let .unsupportedOpcode(opcode, offset):
            "unsupported pickle opcode \(PickleOpcode.describe(opcode)) at offset \(offset)"
                + "; expected one of the opcodes torch.save writes for a state dict"
        case let .unsupportedGlobal(module, name, offset):
            "unsupported global \(module).\(name) at offset \(offset): expected collections.OrderedDict, "
                + "torch._utils._rebuild_tensor(_v2), torch._utils._rebuild_parameter or a torch storage type "
                + "(a file that needs other classes is not a plain state dict)"
        case let .limitExceeded(what, limit, offset):
            "\(what) exceeds the limit of \(limit) at offset \(offset)"
        case let .malformedZip(reason):
            "malformed zip checkpoint: \(reason)"
        case let .malformedLegacy(reason):
            "malformed legacy checkpoint: \(reason)"
        case let .malformedStorage(key, reason):
            "storage \(key): \(reason)"
        case let .malformedTensor(name, reason):
            "tensor \(name): \(reason)"
        case let .notAStateDict(reason):
            "not a state dict: \(reason)"
        case let .missingKey(network, name, expectedShape):
            "\(network): missing key \(name): got nothing, expected shape \(expectedShape)"
        case let .unexpectedKey(network, name):
            "\(network): unexpected key \(name): got a tensor, expected no such key"
        case let .wrongShape(name, got, expected):
            "\(name): got shape \(got), expected \(expected)"
        }
    }
}
