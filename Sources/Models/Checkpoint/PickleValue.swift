import Foundation

/// The classes and functions a state-dict pickle may name (`docs/reference/checkpoint-format.md` §7.2); `GLOBAL`
/// resolves to one of these or fails, so no other code can ever be referenced.
enum PickleGlobal: Equatable {
    /// `collections.OrderedDict`.
    case orderedDict
    /// `torch._utils._rebuild_tensor_v2` (PyTorch ≥ 0.4).
    case rebuildTensorV2
    /// `torch._utils._rebuild_tensor` (PyTorch ≤ 0.3).
    case rebuildTensorV1
    /// `torch._utils._rebuild_parameter`.
    case rebuildParameter
    /// `torch.<X>Storage`, `torch.cuda.<X>Storage` or `torch.UntypedStorage`.
    case storageType(TensorElementType)

    /// Element types by storage class name (`docs/reference/checkpoint-format.md` §3.2).
    static let storageTypes: [String: TensorElementType] = [
        "DoubleStorage": .float64, "FloatStorage": .float32, "HalfStorage": .float16,
        "BFloat16Storage": .bfloat16, "LongStorage": .int64, "IntStorage": .int32,
        "ShortStorage": .int16, "CharStorage": .int8, "ByteStorage": .uint8, "BoolStorage": .bool,
        "ComplexFloatStorage": .complex64, "ComplexDoubleStorage": .complex128,
    ]

    /// Resolves `module.name`, or `nil` for anything outside the allow-list.
    static func resolve(module: String, name: String) -> PickleGlobal? {
        switch (module, name) {
        case ("collections", "OrderedDict"): return .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): return .rebuildTensorV2
        case ("torch._utils", "_rebuild_tensor"): return .rebuildTensorV1
        case ("torch._utils", "_rebuild_parameter"): return .rebuildParameter
        case ("torch", "UntypedStorage"): return .storageType(.uint8)
        case ("torch", _), ("torch.cuda", _):
            return storageTypes[name].map { .storageType($0) }
        default: return nil
        }
    }
}

/// A window `offset ..< offset + count` (in elements) of a root storage: legacy `view_metadata`.
struct StorageView: Equatable {
    let offset: Int
    let count: Int
}

/// What `BINPERSID` returns: a lazy reference to a storage whose bytes live elsewhere in the file.
struct StorageReference: Equatable {
    let key: String
    let elementType: TensorElementType
    let view: StorageView?
}

/// A rebuilt tensor: a strided view of a storage, not yet materialised.
struct TensorReference: Equatable {
    let storage: StorageReference
    /// In elements, relative to the storage (or to its view).
    let offset: Int
    let shape: [Int]
    let strides: [Int]
    /// Number of elements, product of `shape` (checked against overflow when built).
    let count: Int
}

/// A key of a pickled dict. Only the kinds that occur in checkpoints are representable.
enum PickleKey: Hashable {
    case string(String)
    case int(Int)
}

/// Containers are reference types because the pickle memo stores references: the state dict is
/// memoised when empty and filled afterwards.
protocol PickleContainer: AnyObject {
    /// Drops the contents (used to tear the object graph down without deep recursion).
    func clear()
}

final class PickleList: PickleContainer {
    var items: [PickleValue] = []
    func clear() { items = [] }
}

final class PickleTuple: PickleContainer {
    var items: [PickleValue]
    init(_ items: [PickleValue]) { self.items = items }
    func clear() { items = [] }
}

/// A dict or OrderedDict: both keep insertion order, and assigning an existing key keeps its
/// position (Python semantics).
final class PickleDict: PickleContainer {
    private(set) var keys: [PickleKey] = []
    private(set) var values: [PickleValue] = []
    private var index: [PickleKey: Int] = [:]

    var count: Int { keys.count }

    func set(_ key: PickleKey, _ value: PickleValue) {
        if let i = index[key] {
            values[i] = value
        } else {
            index[key] = keys.count
            keys.append(key)
            values.append(value)
        }
    }

    subscript(key: PickleKey) -> PickleValue? { index[key].map { values[$0] } }

    func clear() {
        keys = []
        values = []
        index = [:]
    }
}

/// A value on the pickle machine's stack.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer that does not fit in `Int`: its little-endian two's-complement bytes as written.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case tuple(PickleTuple)
    case list(PickleList)
    case dict(PickleDict)
    /// An empty set (`EMPTY_SET`; nothing can be added to it in the supported subset).
    case set
    case global(PickleGlobal)
    case storage(StorageReference)
    case tensor(TensorReference)

    /// A short name of the value's type for error messages.
    var typeName: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int, .bigInt: "int"
        case .float: "float"
        case .string: "str"
        case let .tuple(t): "tuple of \(t.items.count)"
        case .list: "list"
        case .dict: "dict"
        case .set: "set"
        case let .global(g): "global \(g)"
        case .storage: "storage"
        case .tensor: "tensor"
        }
    }
}

/// Names of all pickle opcodes, for error messages only.
enum PickleOpcode {
    static let names: [UInt8: String] = [
        0x28: "MARK", 0x2E: "STOP", 0x30: "POP", 0x31: "POP_MARK", 0x32: "DUP", 0x46: "FLOAT",
        0x49: "INT", 0x4A: "BININT", 0x4B: "BININT1", 0x4C: "LONG", 0x4D: "BININT2", 0x4E: "NONE",
        0x50: "PERSID", 0x51: "BINPERSID", 0x52: "REDUCE", 0x53: "STRING", 0x54: "BINSTRING",
        0x55: "SHORT_BINSTRING", 0x56: "UNICODE", 0x58: "BINUNICODE", 0x61: "APPEND", 0x62: "BUILD",
        0x63: "GLOBAL", 0x64: "DICT", 0x7D: "EMPTY_DICT", 0x65: "APPENDS", 0x67: "GET", 0x68: "BINGET",
        0x69: "INST", 0x6A: "LONG_BINGET", 0x6C: "LIST", 0x5D: "EMPTY_LIST", 0x6F: "OBJ", 0x70: "PUT",
        0x71: "BINPUT", 0x72: "LONG_BINPUT", 0x73: "SETITEM", 0x74: "TUPLE", 0x29: "EMPTY_TUPLE",
        0x75: "SETITEMS", 0x47: "BINFLOAT", 0x80: "PROTO", 0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2",
        0x84: "EXT4", 0x85: "TUPLE1", 0x86: "TUPLE2", 0x87: "TUPLE3", 0x88: "NEWTRUE", 0x89: "NEWFALSE",
        0x8A: "LONG1", 0x8B: "LONG4", 0x42: "BINBYTES", 0x43: "SHORT_BINBYTES", 0x8C: "SHORT_BINUNICODE",
        0x8D: "BINUNICODE8", 0x8E: "BINBYTES8", 0x8F: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET",
        0x92: "NEWOBJ_EX", 0x93: "STACK_GLOBAL", 0x94: "MEMOIZE", 0x95: "FRAME", 0x96: "BYTEARRAY8",
        0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
    ]

    /// `FRAME (0x95)`, or `0xNN` for a byte that is no opcode at all.
    static func describe(_ opcode: UInt8) -> String {
        let hex = "0x" + String(opcode, radix: 16, uppercase: true).leftPadded(to: 2)
        return names[opcode].map { "\($0) (\(hex))" } ?? hex
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
