import Foundation

/// A data reader for the protocol-2 pickle subset that `torch.save` writes for state dicts
/// (`docs/reference/checkpoint-format.md` §2, §7.1), never an interpreter: `GLOBAL` resolves only the names of
/// ``PickleGlobal`` and `REDUCE` only calls those, implemented here.
///
/// Hostile input can only produce an error: every operand read is bounds-checked, the stack,
/// memo, mark stack, object count and opcode count are capped (``Limits``), integers are
/// overflow-checked, no storage or tensor may declare more bytes than the whole file holds, and
/// the object graph is torn down without recursion (see ``run(_:)``).
struct PickleMachine {
    /// Caps on the resources one pickle may use. Real state-dict pickles stay far below them
    /// (the SyncNet state dict: 3 532 opcodes, 909 memo entries); the caps leave two to three
    /// orders of magnitude headroom while keeping the worst case at a few hundred megabytes.
    enum Limits {
        static let opcodes = 1 << 21
        static let stackDepth = 1 << 20
        static let marks = 1 << 16
        static let memoEntries = 1 << 20
        static let objects = 1 << 20
        static let globalLineLength = 256
        static let tensorDimensions = 64
    }

    /// What persistent ids (`BINPERSID`) look like in the pickle being run.
    enum PersistentIDs {
        /// Not allowed (legacy header pickles and key list).
        case none
        /// `("storage", type, key, location, numel)` (`docs/reference/checkpoint-format.md` §6.3).
        case zip
        /// `("storage", type, key, location, numel, view_metadata)` (§3.2).
        case legacy
    }

    /// A storage as declared by its persistent ids.
    struct StorageDeclaration: Equatable {
        let elementType: TensorElementType
        let count: Int
    }

    private var cursor: ByteCursor
    private let persistentIDs: PersistentIDs
    /// Size of the whole input; no storage or tensor may need more bytes than this.
    private let inputSize: Int

    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [UInt32: PickleValue] = [:]
    private var objects: [any PickleContainer] = []
    private var opcodeCount = 0
    /// The file offset of the opcode being executed (for messages).
    private var at = 0

    /// Root storages by key, in order of first reference.
    private(set) var storages: [String: StorageDeclaration] = [:]
    private(set) var storageOrder: [String] = []
    private var views: [String: StorageReference] = [:]

    /// A machine for the pickle starting at `cursor.offset`, allowed to read up to `cursor.end`.
    init(_ cursor: ByteCursor, persistentIDs: PersistentIDs) {
        self.cursor = cursor
        self.persistentIDs = persistentIDs
        self.inputSize = cursor.bytes.count
    }

    /// The file offset just after the `STOP` of the last run.
    var offset: Int { cursor.offset }

    /// Runs one pickle up to its `STOP` and hands the result to `extract`, which must copy out
    /// what it needs: afterwards every container is emptied, so that tearing down a deeply
    /// nested or cyclic graph built by a crafted file neither recurses nor leaks.
    mutating func run<T>(_ extract: (PickleValue) throws(CheckpointError) -> T) throws(CheckpointError) -> T {
        defer {
            for object in objects { object.clear() }
            objects = []
            stack = []
            memo = [:]
            marks = []
        }
        let result = try execute()
        return try extract(result)
    }

    // MARK: - The loop

    private mutating func execute() throws(CheckpointError) -> PickleValue {
        while true {
            at = cursor.offset
            opcodeCount += 1
            guard opcodeCount <= Limits.opcodes else {
                throw .limitExceeded(what: "number of pickle opcodes", limit: Limits.opcodes, offset: at)
            }
            let opcode = try cursor.u8("pickle opcode (no STOP before the end)")
            switch opcode {
            case 0x80:  // PROTO
                let version = try cursor.u8("PROTO operand")
                guard version <= 5 else { throw malformed("PROTO \(version): got protocol \(version), expected at most 5") }
            case 0x2E:  // STOP
                return try pop()
            case 0x28:  // MARK
                guard marks.count < Limits.marks else {
                    throw .limitExceeded(what: "number of open MARKs", limit: Limits.marks, offset: at)
                }
                marks.append(stack.count)
            case 0x7D:  // EMPTY_DICT
                try push(.dict(try make(PickleDict())))
            case 0x5D:  // EMPTY_LIST
                try push(.list(try make(PickleList())))
            case 0x29:  // EMPTY_TUPLE
                try push(.tuple(try make(PickleTuple([]))))
            case 0x8F:  // EMPTY_SET
                try push(.set)
            case 0x74:  // TUPLE
                let items = try popToMark()
                try push(.tuple(try make(PickleTuple(items))))
            case 0x85, 0x86, 0x87:  // TUPLE1, TUPLE2, TUPLE3
                let n = Int(opcode - 0x84)
                var items = [PickleValue](repeating: .none, count: n)
                for k in stride(from: n - 1, through: 0, by: -1) { items[k] = try pop() }
                try push(.tuple(try make(PickleTuple(items))))
            case 0x4E:  // NONE
                try push(.none)
            case 0x88:  // NEWTRUE
                try push(.bool(true))
            case 0x89:  // NEWFALSE
                try push(.bool(false))
            case 0x4B:  // BININT1
                try push(.int(Int(try cursor.uintLE(1, "BININT1 operand"))))
            case 0x4D:  // BININT2
                try push(.int(Int(try cursor.uintLE(2, "BININT2 operand"))))
            case 0x4A:  // BININT
                try push(.int(Int(Int32(truncatingIfNeeded: try cursor.uintLE(4, "BININT operand")))))
            case 0x8A:  // LONG1
                try push(try long1())
            case 0x47:  // BINFLOAT
                let bits = try cursor.uintLE(8, "BINFLOAT operand")
                try push(.float(Double(bitPattern: bits.byteSwapped)))
            case 0x58:  // BINUNICODE
                let length = Int(try cursor.uintLE(4, "BINUNICODE length"))
                try push(.string(try string(length, "BINUNICODE")))
            case 0x55:  // SHORT_BINSTRING
                let length = Int(try cursor.u8("SHORT_BINSTRING length"))
                try push(.string(try string(length, "SHORT_BINSTRING")))
            case 0x54:  // BINSTRING
                let length = Int(Int32(truncatingIfNeeded: try cursor.uintLE(4, "BINSTRING length")))
                guard length >= 0 else { throw malformed("BINSTRING length: got \(length), expected ≥ 0") }
                try push(.string(try string(length, "BINSTRING")))
            case 0x71:  // BINPUT
                try put(UInt32(try cursor.u8("BINPUT operand")))
            case 0x72:  // LONG_BINPUT
                try put(UInt32(try cursor.uintLE(4, "LONG_BINPUT operand")))
            case 0x68:  // BINGET
                try get(UInt32(try cursor.u8("BINGET operand")))
            case 0x6A:  // LONG_BINGET
                try get(UInt32(try cursor.uintLE(4, "LONG_BINGET operand")))
            case 0x63:  // GLOBAL
                let module = try line("GLOBAL module")
                let name = try line("GLOBAL name")
                guard let global = PickleGlobal.resolve(module: module, name: name) else {
                    throw .unsupportedGlobal(module: module, name: name, offset: at)
                }
                try push(.global(global))
            case 0x52:  // REDUCE
                let arguments = try pop()
                let callable = try pop()
                guard case let .tuple(tuple) = arguments else {
                    throw malformed("REDUCE arguments: got \(arguments.typeName), expected a tuple")
                }
                guard case let .global(function) = callable else {
                    throw malformed("REDUCE callable: got \(callable.typeName), expected a global")
                }
                try push(try call(function, tuple.items))
            case 0x81:  // NEWOBJ
                let arguments = try pop()
                let type = try pop()
                guard case .global(.orderedDict) = type, case let .tuple(tuple) = arguments, tuple.items.isEmpty else {
                    throw malformed("NEWOBJ: got \(type.typeName) with \(arguments.typeName), expected OrderedDict with ()")
                }
                try push(.dict(try make(PickleDict())))
            case 0x62:  // BUILD: the state (a state dict's `_metadata`) is discarded.
                let state = try pop()
                let target = try top()
                guard case .dict = target else {
                    throw malformed("BUILD: got \(state.typeName) applied to \(target.typeName), expected a dict target")
                }
            case 0x51:  // BINPERSID
                let id = try pop()
                try push(.storage(try persistentLoad(id)))
            case 0x73:  // SETITEM
                let value = try pop()
                let key = try pop()
                try dictionary(try top(), "SETITEM").set(try dictKey(key), value)
            case 0x75:  // SETITEMS
                let items = try popToMark()
                guard items.count.isMultiple(of: 2) else {
                    throw malformed("SETITEMS: got \(items.count) items after MARK, expected key/value pairs")
                }
                let target = try dictionary(try top(), "SETITEMS")
                for k in stride(from: 0, to: items.count, by: 2) {
                    target.set(try dictKey(items[k]), items[k + 1])
                }
            case 0x61:  // APPEND
                let value = try pop()
                try list(try top(), "APPEND").items.append(value)
            case 0x65:  // APPENDS
                let items = try popToMark()
                try list(try top(), "APPENDS").items.append(contentsOf: items)
            default:
                throw .unsupportedOpcode(opcode, offset: at)
            }
        }
    }

    // MARK: - Stack, memo, objects

    private func malformed(_ reason: String) -> CheckpointError {
        .malformedPickle(offset: at, reason: reason)
    }

    /// The lowest stack index the current opcode may touch (items below the last MARK belong to
    /// an enclosing construction, as in CPython's metastack).
    private var base: Int { marks.last ?? 0 }

    private mutating func push(_ value: PickleValue) throws(CheckpointError) {
        guard stack.count < Limits.stackDepth else {
            throw .limitExceeded(what: "pickle stack depth", limit: Limits.stackDepth, offset: at)
        }
        stack.append(value)
    }

    private mutating func pop() throws(CheckpointError) -> PickleValue {
        guard stack.count > base else { throw malformed("stack underflow") }
        return stack.removeLast()
    }

    private func top() throws(CheckpointError) -> PickleValue {
        guard stack.count > base, let value = stack.last else { throw malformed("stack underflow") }
        return value
    }

    private mutating func popToMark() throws(CheckpointError) -> [PickleValue] {
        guard let mark = marks.popLast() else { throw malformed("no MARK to pop to") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private mutating func make<C: PickleContainer>(_ object: C) throws(CheckpointError) -> C {
        guard objects.count < Limits.objects else {
            throw .limitExceeded(what: "number of pickled objects", limit: Limits.objects, offset: at)
        }
        objects.append(object)
        return object
    }

    private mutating func put(_ index: UInt32) throws(CheckpointError) {
        let value = try top()
        guard memo.count < Limits.memoEntries || memo[index] != nil else {
            throw .limitExceeded(what: "pickle memo size", limit: Limits.memoEntries, offset: at)
        }
        memo[index] = value
    }

    private mutating func get(_ index: UInt32) throws(CheckpointError) {
        guard let value = memo[index] else { throw malformed("memo entry \(index) read before it was written") }
        try push(value)
    }

    private func dictionary(_ value: PickleValue, _ opcode: String) throws(CheckpointError) -> PickleDict {
        guard case let .dict(dict) = value else { throw malformed("\(opcode): got \(value.typeName), expected a dict") }
        return dict
    }

    private func list(_ value: PickleValue, _ opcode: String) throws(CheckpointError) -> PickleList {
        guard case let .list(list) = value else { throw malformed("\(opcode): got \(value.typeName), expected a list") }
        return list
    }

    private func dictKey(_ value: PickleValue) throws(CheckpointError) -> PickleKey {
        switch value {
        case let .string(s): return .string(s)
        case let .int(i): return .int(i)
        default: throw malformed("dict key: got \(value.typeName), expected a str or an int")
        }
    }

    // MARK: - Operands

    /// `LONG1`: a length byte, then that many little-endian two's-complement bytes.
    private mutating func long1() throws(CheckpointError) -> PickleValue {
        let count = Int(try cursor.u8("LONG1 length"))
        let start = try cursor.skip(count, "LONG1 operand")
        guard count > 0 else { return .int(0) }
        let bytes = cursor.bytes
        let negative = bytes[start + count - 1] & 0x80 != 0
        let fill: UInt8 = negative ? 0xFF : 0x00
        // It fits in Int if every byte from the 8th on repeats the sign, and the 8th byte's top
        // bit agrees with it.
        if count <= 8 || ((8..<count).allSatisfy { bytes[start + $0] == fill } && (bytes[start + 7] & 0x80 != 0) == negative) {
            var value = UInt64(negative ? UInt64.max : 0)
            for k in 0..<min(count, 8) {
                value &= ~(UInt64(0xFF) << (8 * UInt64(k)))
                value |= UInt64(bytes[start + k]) << (8 * UInt64(k))
            }
            return .int(Int(Int64(bitPattern: value)))
        }
        // Drop redundant sign bytes so that equal values compare equal whatever their encoding.
        var digits = cursor.array(start..<(start + count))
        while digits.count > 9, digits[digits.count - 1] == fill, (digits[digits.count - 2] & 0x80 != 0) == negative {
            digits.removeLast()
        }
        return .bigInt(digits)
    }

    private mutating func string(_ length: Int, _ opcode: String) throws(CheckpointError) -> String {
        let start = try cursor.skip(length, "\(opcode) string of \(length) bytes")
        let raw = UnsafeRawBufferPointer(rebasing: cursor.bytes[start..<(start + length)])
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw malformed("\(opcode): got bytes that are not UTF-8, expected a UTF-8 string")
        }
        return text
    }

    /// One newline-terminated ASCII line of a `GLOBAL` operand.
    private mutating func line(_ what: String) throws(CheckpointError) -> String {
        let start = cursor.offset
        let limit = min(cursor.end, start + Limits.globalLineLength + 1)
        var end = start
        while end < limit && cursor.bytes[end] != 0x0A { end += 1 }
        guard end < limit else {
            if limit == cursor.end {
                throw .truncated(what: "\(what) (no newline)", offset: start, needed: end - start + 1, available: cursor.end - start)
            }
            throw .limitExceeded(what: "\(what) length", limit: Limits.globalLineLength, offset: at)
        }
        let raw = UnsafeRawBufferPointer(rebasing: cursor.bytes[start..<end])
        guard raw.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw malformed("\(what): got non-printable bytes, expected an ASCII name")
        }
        _ = try cursor.skip(end - start + 1, what)
        return String(decoding: raw, as: UTF8.self)
    }

    // MARK: - Globals

    private mutating func call(_ function: PickleGlobal, _ arguments: [PickleValue]) throws(CheckpointError) -> PickleValue {
        switch function {
        case .orderedDict:
            let dict = try make(PickleDict())
            guard !arguments.isEmpty else { return .dict(dict) }
            guard arguments.count == 1 else {
                throw malformed("OrderedDict: got \(arguments.count) arguments, expected 0 or 1")
            }
            switch arguments[0] {
            case let .list(pairs):
                for pair in pairs.items {
                    let items: [PickleValue]
                    switch pair {
                    case let .list(l): items = l.items
                    case let .tuple(t): items = t.items
                    default: items = []
                    }
                    guard items.count == 2 else {
                        throw malformed("OrderedDict item: got \(pair.typeName), expected a [key, value] pair")
                    }
                    dict.set(try dictKey(items[0]), items[1])
                }
            case let .dict(source):
                for (key, value) in zip(source.keys, source.values) { dict.set(key, value) }
            default:
                throw malformed("OrderedDict argument: got \(arguments[0].typeName), expected a list of pairs")
            }
            return .dict(dict)
        case .rebuildTensorV2:
            guard arguments.count == 6 || arguments.count == 7 else {
                throw malformed("_rebuild_tensor_v2: got \(arguments.count) arguments, expected 6 or 7")
            }
            if arguments.count == 7 {
                switch arguments[6] {
                case .none: break
                case let .dict(d) where d.count == 0: break
                default:
                    throw malformed("_rebuild_tensor_v2: got tensor metadata \(arguments[6].typeName), expected none (conjugate or negative bits are not supported)")
                }
            }
            return .tensor(try tensor(arguments, "_rebuild_tensor_v2"))
        case .rebuildTensorV1:
            guard arguments.count == 4 else {
                throw malformed("_rebuild_tensor: got \(arguments.count) arguments, expected 4")
            }
            return .tensor(try tensor(arguments, "_rebuild_tensor"))
        case .rebuildParameter:
            guard arguments.count == 3, case .tensor = arguments[0] else {
                throw malformed("_rebuild_parameter: got \(arguments.count) arguments starting with \(arguments.first?.typeName ?? "nothing"), expected (tensor, requires_grad, hooks)")
            }
            return arguments[0]
        case .storageType:
            throw malformed("REDUCE: got a storage type as callable, expected a rebuild function")
        }
    }

    /// `(storage, storage_offset, size, stride, …)`: checks that the view fits its storage.
    private func tensor(_ arguments: [PickleValue], _ function: String) throws(CheckpointError) -> TensorReference {
        guard case let .storage(storage) = arguments[0] else {
            throw malformed("\(function) storage: got \(arguments[0].typeName), expected a storage")
        }
        guard case let .int(offset) = arguments[1], offset >= 0 else {
            throw malformed("\(function) storage offset: got \(arguments[1].typeName), expected an int ≥ 0")
        }
        let shape = try ints(arguments[2], "\(function) size")
        let strides = try ints(arguments[3], "\(function) stride")
        guard shape.count == strides.count else {
            throw malformed("\(function): got \(shape.count) sizes and \(strides.count) strides, expected as many")
        }
        guard shape.count <= Limits.tensorDimensions else {
            throw .limitExceeded(what: "tensor rank", limit: Limits.tensorDimensions, offset: at)
        }
        let available = storage.view?.count ?? storages[storage.key]?.count ?? 0
        var count = 1
        var last = offset
        for (size, stride) in zip(shape, strides) {
            guard let product = checkedMultiply(count, size) else { throw malformed("\(function): element count of \(shape) overflows") }
            count = product
            if size > 0, let step = checkedMultiply(size - 1, stride), let sum = checkedAdd(last, step) {
                last = sum
            } else if size > 0 {
                throw malformed("\(function): the extent of size \(shape) with stride \(strides) overflows")
            }
        }
        let size = storage.elementType.size
        guard let bytes = checkedMultiply(count, size), bytes <= inputSize else {
            throw malformed("\(function): got \(count) elements of \(storage.elementType.rawValue), expected at most the \(inputSize) bytes of the file")
        }
        if count > 0 && last >= available {
            throw malformed("\(function): got a view of size \(shape), stride \(strides), offset \(offset) reaching element \(last), expected it within the storage's \(available) elements")
        }
        return TensorReference(storage: storage, offset: offset, shape: shape, strides: strides, count: count)
    }

    private func ints(_ value: PickleValue, _ what: String) throws(CheckpointError) -> [Int] {
        guard case let .tuple(tuple) = value else { throw malformed("\(what): got \(value.typeName), expected a tuple of ints") }
        var result: [Int] = []
        result.reserveCapacity(tuple.items.count)
        for item in tuple.items {
            guard case let .int(i) = item, i >= 0 else {
                throw malformed("\(what): got an element \(item.typeName) (or negative), expected ints ≥ 0")
            }
            result.append(i)
        }
        return result
    }

    // MARK: - Persistent ids

    private mutating func persistentLoad(_ id: PickleValue) throws(CheckpointError) -> StorageReference {
        let expectedCount: Int
        switch persistentIDs {
        case .none: throw malformed("BINPERSID: got a persistent id, expected none in this pickle")
        case .zip: expectedCount = 5
        case .legacy: expectedCount = 6
        }
        guard case let .tuple(tuple) = id, tuple.items.count == expectedCount, case .string("storage") = tuple.items[0] else {
            throw malformed("persistent id: got \(id.typeName), expected ('storage', type, key, location, numel\(expectedCount == 6 ? ", view" : ""))")
        }
        let items = tuple.items
        guard case let .global(.storageType(elementType)) = items[1] else {
            throw malformed("persistent id storage type: got \(items[1].typeName), expected a torch storage class")
        }
        guard case let .string(key) = items[2] else {
            throw malformed("persistent id key: got \(items[2].typeName), expected a str")
        }
        guard case .string = items[3] else {
            throw malformed("persistent id location: got \(items[3].typeName), expected a str")
        }
        guard case let .int(count) = items[4], count >= 0 else {
            throw malformed("persistent id of \(key): got element count \(items[4].typeName) (or negative), expected an int ≥ 0")
        }
        guard let bytes = checkedMultiply(count, elementType.size), bytes <= inputSize else {
            throw .malformedStorage(key: key, reason: "got \(count) elements of \(elementType.rawValue), expected at most the \(inputSize) bytes of the file")
        }
        let declaration = StorageDeclaration(elementType: elementType, count: count)
        if let existing = storages[key] {
            guard existing == declaration else {
                throw .malformedStorage(key: key, reason: "got \(count) elements of \(elementType.rawValue), expected \(existing.count) of \(existing.elementType.rawValue) as declared before")
            }
        } else {
            storages[key] = declaration
            storageOrder.append(key)
        }
        guard expectedCount == 6 else { return StorageReference(key: key, elementType: elementType, view: nil) }
        switch items[5] {
        case .none:
            return StorageReference(key: key, elementType: elementType, view: nil)
        case let .tuple(view):
            guard view.items.count == 3, case let .string(viewKey) = view.items[0], case let .int(viewOffset) = view.items[1],
                case let .int(viewCount) = view.items[2], viewOffset >= 0, viewCount >= 0,
                let viewEnd = checkedAdd(viewOffset, viewCount), viewEnd <= count
            else {
                throw .malformedStorage(key: key, reason: "got view metadata \(items[5].typeName), expected (key, offset, size) inside the \(count) elements")
            }
            let reference = StorageReference(key: key, elementType: elementType, view: StorageView(offset: viewOffset, count: viewCount))
            if let cached = views[viewKey] {
                guard cached == reference else {
                    throw .malformedStorage(key: viewKey, reason: "got a second, different definition of this view")
                }
            } else {
                views[viewKey] = reference
            }
            return reference
        default:
            throw .malformedStorage(key: key, reason: "got view metadata \(items[5].typeName), expected None or a tuple")
        }
    }
}

@inline(__always) func checkedMultiply(_ a: Int, _ b: Int) -> Int? {
    let (product, overflow) = a.multipliedReportingOverflow(by: b)
    return overflow ? nil : product
}

@inline(__always) func checkedAdd(_ a: Int, _ b: Int) -> Int? {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? nil : sum
}
