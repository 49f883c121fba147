import Foundation

/// A PyTorch `torch.save` file read as data: the state dict it holds and the layout it used.
///
/// Reads both on-disk formats (`docs/reference/checkpoint-format.md`): the zip archive of PyTorch ≥ 1.6 and the
/// legacy stream of five pickles plus raw storages (including Python-2 / PyTorch-0.3 files). The
/// pickles are decoded by a data reader for the opcode subset `torch.save` writes, never executed:
/// the only classes a file may name are `collections.OrderedDict`, the tensor rebuild functions
/// and the storage types. A whole pickled `nn.Module`, a TorchScript archive, a Git LFS pointer
/// or a corrupt file is rejected with a ``CheckpointError`` that says what was found.
///
/// ```swift
/// let checkpoint = try Checkpoint(contentsOf: URL(fileURLWithPath: "syncnet_v2.model"))
/// try SyncNet.schema.validate(checkpoint.stateDict)
/// ```
///
/// ## Topics
///
/// ### Reading
/// - ``init(contentsOf:)``
/// - ``init(bytes:)``
/// - ``format``
/// - ``stateDict``
public struct Checkpoint: Sendable, Equatable {
    /// The on-disk layout the file used.
    public let format: CheckpointFormat
    /// The tensors, in file order, materialised as contiguous little-endian arrays.
    public let stateDict: StateDict

    /// Reads the checkpoint file at `url`.
    ///
    /// - Throws: ``CheckpointError/unreadableFile(path:reason:)`` if the file cannot be read, and
    ///   any other ``CheckpointError`` case if its contents are not a readable state dict.
    public init(contentsOf url: URL) throws(CheckpointError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        try self.init(bytes: data)
    }

    /// Reads a checkpoint from its bytes in memory.
    public init(bytes data: Data) throws(CheckpointError) {
        let result: Result<Checkpoint, CheckpointError> = data.withUnsafeBytes { raw in
            Result { () throws(CheckpointError) in try Checkpoint.read(raw) }
        }
        self = try result.get()
    }

    private init(format: CheckpointFormat, stateDict: StateDict) {
        self.format = format
        self.stateDict = stateDict
    }

    // MARK: - Format detection (docs/reference/checkpoint-format.md §1)

    static let zipSignature: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
    /// `PROTO 2, LONG1 10 bytes`: the start of the legacy magic-number pickle.
    static let legacyStart: [UInt8] = [0x80, 0x02, 0x8A, 0x0A]
    static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    private static func read(_ bytes: UnsafeRawBufferPointer) throws(CheckpointError) -> Checkpoint {
        let layout = try layout(of: bytes)
        return Checkpoint(format: layout.format, stateDict: materialise(layout, from: bytes))
    }

    /// Where every tensor of the file lies, found from its pickles and directory without copying
    /// any storage: what ``read(_:)`` materialises at once and ``CheckpointFile`` one tensor at a
    /// time.
    static func layout(of bytes: UnsafeRawBufferPointer) throws(CheckpointError) -> CheckpointLayout {
        guard !bytes.isEmpty else { throw .notACheckpoint("got an empty file, expected a zip or legacy torch.save file") }
        if bytes.hasBytes(zipSignature, at: 0) {
            return try zipLayout(bytes)
        }
        if bytes.hasBytes(Array("ustar".utf8), at: 257) {
            throw .unsupportedFormat("got the tar format of PyTorch before 0.1.10, expected a zip or legacy file (re-save it with a recent PyTorch)")
        }
        if bytes[0] == 0x80 {
            return try legacyLayout(bytes)
        }
        if bytes.hasBytes(Array("version ".utf8), at: 0) {
            throw .notACheckpoint("got a Git LFS pointer file (\(bytes.count) bytes of text), expected the weights it points to (run `git lfs pull`)")
        }
        let firstNonSpace = bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        if firstNonSpace == UInt8(ascii: "<") {
            throw .notACheckpoint("got an HTML or XML page (\(bytes.count) bytes), expected weights; the download probably failed")
        }
        let head = bytes.prefix(8).map { String($0, radix: 16, uppercase: true).leftPadded(to: 2) }.joined(separator: " ")
        throw .notACheckpoint("got first bytes \(head) (\(bytes.count) bytes in all), expected 50 4B 03 04 (zip) or 80 02 8A 0A (legacy)")
    }

    // MARK: - Legacy (docs/reference/checkpoint-format.md §3)

    private static func legacyLayout(_ bytes: UnsafeRawBufferPointer) throws(CheckpointError) -> CheckpointLayout {
        let file = ByteCursor(bytes, from: 0, to: bytes.count)

        var magicPickle = PickleMachine(file, persistentIDs: .none)
        try magicPickle.run { value throws(CheckpointError) in
            guard case let .bigInt(digits) = value, digits == legacyMagic else {
                throw .malformedLegacy("magic number: got \(value.typeName) \(value.summary), expected 0x1950A86A20F9469CFC6C")
            }
        }
        var protocolPickle = PickleMachine(ByteCursor(bytes, from: magicPickle.offset, to: bytes.count), persistentIDs: .none)
        try protocolPickle.run { value throws(CheckpointError) in
            guard case .int(1001) = value else {
                throw .malformedLegacy("protocol version: got \(value.summary), expected 1001")
            }
        }
        // sys_info: PyTorch's loader does not use it (records are little-endian whatever
        // `little_endian` says, see `storageRecords`), so only its shape is checked.
        var infoPickle = PickleMachine(ByteCursor(bytes, from: protocolPickle.offset, to: bytes.count), persistentIDs: .none)
        try infoPickle.run { value throws(CheckpointError) in
            guard case let .dict(info) = value else {
                throw .malformedLegacy("sys_info: got \(value.typeName), expected a dict")
            }
            if let flag = info[.string("little_endian")] {
                guard case .bool = flag else {
                    throw .malformedLegacy("sys_info little_endian: got \(flag.typeName), expected a bool")
                }
            }
        }
        var objectPickle = PickleMachine(ByteCursor(bytes, from: infoPickle.offset, to: bytes.count), persistentIDs: .legacy)
        let tensors = try objectPickle.run(extractTensors)

        var keysPickle = PickleMachine(ByteCursor(bytes, from: objectPickle.offset, to: bytes.count), persistentIDs: .none)
        let keys = try keysPickle.run { value throws(CheckpointError) -> [String] in
            guard case let .list(list) = value else {
                throw .malformedLegacy("storage key list: got \(value.typeName), expected a list of str")
            }
            var keys: [String] = []
            for item in list.items {
                guard case let .string(key) = item else {
                    throw .malformedLegacy("storage key list: got an item \(item.typeName), expected str")
                }
                keys.append(key)
            }
            return keys
        }

        // Raw records, in key-list order: int64 LE element count, then the elements, always
        // little-endian (PyTorch converts on write and on read, whatever sys_info says).
        var records = ByteCursor(bytes, from: keysPickle.offset, to: bytes.count)
        var located: [String: StorageBytes] = [:]
        for key in keys {
            guard let declaration = objectPickle.storages[key] else {
                throw .malformedLegacy("storage record \(key): got a key no tensor references, expected only referenced storages")
            }
            guard located[key] == nil else {
                throw .malformedLegacy("storage record \(key): got the key twice, expected each storage once")
            }
            let count = Int64(bitPattern: try records.uintLE(8, "element count of storage \(key)"))
            guard count == Int64(declaration.count) else {
                throw .malformedStorage(key: key, reason: "got a record of \(count) elements, expected \(declaration.count) as its persistent id says")
            }
            let start = try records.skip(declaration.count * declaration.elementType.size, "data of storage \(key)")
            located[key] = StorageBytes(start: start, count: declaration.count, bigEndian: false)
        }
        for key in objectPickle.storageOrder where located[key] == nil {
            throw .malformedLegacy("storage \(key): got no record, expected one for every referenced storage")
        }
        guard records.isAtEnd else {
            throw .malformedLegacy("got \(records.remaining) bytes after the last storage record at offset \(records.offset), expected the end of the file")
        }
        return try CheckpointLayout(format: .legacy, tensors: tensors, storages: located, fileSize: bytes.count)
    }

    // MARK: - Zip (docs/reference/checkpoint-format.md §6)

    private static func zipLayout(_ bytes: UnsafeRawBufferPointer) throws(CheckpointError) -> CheckpointLayout {
        let archive = try ZipArchive(bytes)
        let pickles = archive.entries.filter { entry in
            guard entry.name.hasSuffix("/data.pkl") else { return false }
            return !entry.name.dropLast("/data.pkl".count).contains("/")
        }
        guard pickles.count == 1, let pickle = pickles.first else {
            throw .malformedZip("got \(pickles.count) entries <archive>/data.pkl, expected exactly one")
        }
        let prefix = String(pickle.name.dropLast("data.pkl".count))
        if archive.entry(prefix + "constants.pkl") != nil || archive.entries.contains(where: { $0.name.hasPrefix(prefix + "code/") }) {
            throw .unsupportedFormat("got a TorchScript archive (torch.jit.save), expected a torch.save state dict")
        }
        var bigEndian = false
        if let order = archive.entry(prefix + "byteorder") {
            let range = try archive.dataRange(of: order)
            switch String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) {
            case "little": bigEndian = false
            case "big": bigEndian = true
            case let other: throw .malformedZip("byteorder: got \"\(other.prefix(16))\", expected \"little\" or \"big\"")
            }
        }
        let pickleRange = try archive.dataRange(of: pickle)
        var machine = PickleMachine(ByteCursor(bytes, from: pickleRange.lowerBound, to: pickleRange.upperBound), persistentIDs: .zip)
        let tensors = try machine.run(extractTensors)
        guard machine.offset == pickleRange.upperBound else {
            throw .malformedPickle(offset: machine.offset, reason: "got \(pickleRange.upperBound - machine.offset) bytes after STOP, expected the end of data.pkl")
        }
        var located: [String: StorageBytes] = [:]
        for key in machine.storageOrder {
            guard let declaration = machine.storages[key] else { continue }
            guard let entry = archive.entry(prefix + "data/" + key) else {
                throw .malformedStorage(key: key, reason: "got no entry \(prefix)data/\(key), expected one for every referenced storage")
            }
            let range = try archive.dataRange(of: entry)
            let expected = declaration.count * declaration.elementType.size
            guard range.count == expected else {
                throw .malformedStorage(key: key, reason: "got \(range.count) bytes, expected \(expected) (\(declaration.count) × \(declaration.elementType.rawValue))")
            }
            located[key] = StorageBytes(start: range.lowerBound, count: declaration.count, bigEndian: bigEndian)
        }
        return try CheckpointLayout(format: .zip, tensors: tensors, storages: located, fileSize: bytes.count)
    }

    // MARK: - Tensors

    /// The top-level object must be a (ordered) dict from str to tensors.
    private static func extractTensors(_ value: PickleValue) throws(CheckpointError) -> [(name: String, reference: TensorReference)] {
        guard case let .dict(dict) = value else {
            throw .notAStateDict("got a pickled \(value.typeName), expected an OrderedDict of tensors")
        }
        var result: [(name: String, reference: TensorReference)] = []
        result.reserveCapacity(dict.count)
        for (key, value) in zip(dict.keys, dict.values) {
            guard case let .string(name) = key else {
                throw .notAStateDict("got a key \(key), expected str keys")
            }
            guard case let .tensor(tensor) = value else {
                throw .notAStateDict("\(name): got \(value.typeName), expected a tensor")
            }
            result.append((name, tensor))
        }
        return result
    }

    /// Copies every tensor out of its storage (gathering strided views, converting big-endian
    /// data); the layout has bounded their total size.
    private static func materialise(_ layout: CheckpointLayout, from bytes: UnsafeRawBufferPointer) -> StateDict {
        var stateDict = StateDict()
        for entry in layout.entries {
            stateDict.append(entry.name, entry.tensor(gather(entry.reference, from: entry.storage, in: bytes)))
        }
        return stateDict
    }

    /// The elements of a strided view in C order, as little-endian bytes. The view was checked
    /// to lie inside its storage's declared element count, which equals the stored count.
    static func gather(_ tensor: TensorReference, from storage: StorageBytes, in bytes: UnsafeRawBufferPointer) -> Data {
        let size = tensor.storage.elementType.size
        var data = Data(count: tensor.count * size)
        guard tensor.count > 0 else { return data }
        let first = (tensor.storage.view?.offset ?? 0) + tensor.offset
        precondition(first < storage.count, "tensor outside its storage (checked when rebuilt)")
        let base = storage.start + first * size

        var contiguous = true
        var expected = 1
        for (extent, stride) in zip(tensor.shape, tensor.strides).reversed() {
            if extent != 1 && stride != expected { contiguous = false }
            expected *= extent
        }
        data.withUnsafeMutableBytes { out in
            let destination = out.baseAddress!
            let source = bytes.baseAddress! + base
            if contiguous {
                destination.copyMemory(from: source, byteCount: tensor.count * size)
            } else {
                // Odometer over the multi-index, innermost dimension fastest.
                let rank = tensor.shape.count
                var index = [Int](repeating: 0, count: rank)
                var position = 0
                for element in 0..<tensor.count {
                    (destination + element * size).copyMemory(from: source + position * size, byteCount: size)
                    var k = rank - 1
                    while k >= 0 {
                        // Wrapping arithmetic: a stride of a size-1 dimension may be anything, and
                        // the position is only used once it is back inside the checked extent.
                        index[k] += 1
                        position &+= tensor.strides[k]
                        if index[k] < tensor.shape[k] { break }
                        position &-= tensor.strides[k] &* tensor.shape[k]
                        index[k] = 0
                        k -= 1
                    }
                }
            }
            if storage.bigEndian {
                let unit = tensor.storage.elementType.byteSwapUnit
                if unit > 1 {
                    let p = out.bindMemory(to: UInt8.self)
                    for start in stride(from: 0, to: p.count, by: unit) {
                        var i = start
                        var j = start + unit - 1
                        while i < j {
                            p.swapAt(i, j)
                            i += 1
                            j -= 1
                        }
                    }
                }
            }
        }
        return data
    }
}

/// What a checkpoint file holds and where: its format and its tensors in file order, each a view
/// of a storage whose elements lie at a known place in the file.
struct CheckpointLayout {
    struct Entry {
        let name: String
        let reference: TensorReference
        let storage: StorageBytes

        /// The tensor whose gathered bytes are `bytes`.
        func tensor(_ bytes: Data) -> CheckpointTensor {
            CheckpointTensor(elementType: reference.storage.elementType, shape: reference.shape, bytes: bytes)
        }
    }

    let format: CheckpointFormat
    let entries: [Entry]

    /// Pairs every tensor with its storage, checking that each storage has data in the file and
    /// that the tensors together take at most four times the file's size (views may repeat a
    /// storage, but not without bound).
    init(
        format: CheckpointFormat, tensors: [(name: String, reference: TensorReference)], storages: [String: StorageBytes],
        fileSize: Int
    ) throws(CheckpointError) {
        let budget = fileSize.multipliedReportingOverflow(by: 4).partialValue + (1 << 20)
        var total = 0
        var entries: [Entry] = []
        entries.reserveCapacity(tensors.count)
        for (name, reference) in tensors {
            guard let storage = storages[reference.storage.key] else {
                throw .malformedTensor(name: name, reason: "got storage \(reference.storage.key) without data, expected a stored storage")
            }
            total += reference.count * reference.storage.elementType.size  // each ≤ file size, checked when rebuilt
            guard total <= budget else {
                throw .malformedTensor(name: name, reason: "the tensors so far need \(total) bytes, expected at most \(budget) (four times the file)")
            }
            entries.append(Entry(name: name, reference: reference, storage: storage))
        }
        self.format = format
        self.entries = entries
    }
}

/// Where a storage's elements lie in the file.
struct StorageBytes {
    let start: Int
    let count: Int
    let bigEndian: Bool
}

extension TensorElementType {
    /// The width of the scalars that are byte-swapped independently (complex numbers are two).
    var byteSwapUnit: Int {
        switch self {
        case .complex64: 4
        case .complex128: 8
        default: size
        }
    }
}

extension PickleValue {
    /// A short rendering of scalars for messages.
    var summary: String {
        switch self {
        case let .int(i): "\(i)"
        case let .bigInt(b): "0x" + b.reversed().map { String($0, radix: 16, uppercase: true).leftPadded(to: 2) }.joined()
        case let .string(s): "\"\(s.prefix(40))\""
        case let .bool(b): "\(b)"
        default: typeName
        }
    }
}
