import Foundation

/// The central directory of a zip archive as `torch.save` writes it (`docs/reference/checkpoint-format.md` §6.2):
/// sizes come from the central directory (zip64 where needed), data starts after the local
/// header's name and extra field, and only stored (uncompressed) entries can be read.
/// Every offset and size is range-checked against the file before use.
struct ZipArchive {
    struct Entry {
        let name: String
        let nameBytes: [UInt8]
        let method: UInt16
        let flags: UInt16
        let compressedSize: Int
        let size: Int
        let localHeaderOffset: Int
    }

    private let bytes: UnsafeRawBufferPointer
    /// Entries in central-directory order.
    let entries: [Entry]
    private let index: [String: Int]
    /// Where the central directory starts; every entry's data must end before it.
    private let centralDirectoryOffset: Int

    private static let endSignature: [UInt8] = [0x50, 0x4B, 0x05, 0x06]
    private static let zip64LocatorSignature: [UInt8] = [0x50, 0x4B, 0x06, 0x07]
    private static let zip64EndSignature: [UInt8] = [0x50, 0x4B, 0x06, 0x06]
    private static let centralSignature: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
    private static let localSignature: [UInt8] = [0x50, 0x4B, 0x03, 0x04]

    init(_ bytes: UnsafeRawBufferPointer) throws(CheckpointError) {
        self.bytes = bytes
        let n = bytes.count
        // The end record is 22 bytes plus a comment of at most 65 535 bytes; its comment length
        // must reach exactly to the end of the file.
        var endOffset: Int?
        var candidate = n - 22
        while candidate >= max(0, n - 22 - 0xFFFF) {
            if bytes.hasBytes(Self.endSignature, at: candidate),
                Int(ByteCursor.uintLE(bytes, at: candidate + 20, width: 2)) == n - candidate - 22
            {
                endOffset = candidate
                break
            }
            candidate -= 1
        }
        guard let end = endOffset else {
            throw .malformedZip("got no end-of-central-directory record, expected one in the last 65 557 bytes")
        }
        func field(_ at: Int, _ width: Int) -> UInt64 { ByteCursor.uintLE(bytes, at: at, width: width) }
        guard field(end + 4, 2) == 0, field(end + 6, 2) == 0 else {
            throw .malformedZip("got a multi-disk archive, expected a single file")
        }
        var entryCount = field(end + 10, 2)
        var directorySize = field(end + 12, 4)
        var directoryOffset = field(end + 16, 4)
        /// Where the central directory must end: the first end record that follows it.
        var directoryLimit = end
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            let locator = end - 20
            guard locator >= 56, bytes.hasBytes(Self.zip64LocatorSignature, at: locator) else {
                throw .malformedZip("got zip64 markers in the end record, expected a zip64 locator before it")
            }
            let record = field(locator + 8, 8)
            guard record <= UInt64(locator - 56), bytes.hasBytes(Self.zip64EndSignature, at: Int(record)) else {
                throw .malformedZip("zip64 end record offset: got \(record), expected a zip64 end record before the locator at \(locator)")
            }
            let r = Int(record)
            entryCount = field(r + 32, 8)
            directorySize = field(r + 40, 8)
            directoryOffset = field(r + 48, 8)
            directoryLimit = r
        }
        guard directoryOffset <= UInt64(directoryLimit), directorySize <= UInt64(directoryLimit) - directoryOffset else {
            throw .malformedZip("central directory: got offset \(directoryOffset) size \(directorySize), expected it to end by \(directoryLimit)")
        }
        guard entryCount <= directorySize / 46 else {
            throw .malformedZip("got \(entryCount) entries in a central directory of \(directorySize) bytes, expected at most \(directorySize / 46)")
        }
        centralDirectoryOffset = Int(directoryOffset)
        var cursor = ByteCursor(bytes, from: Int(directoryOffset), to: Int(directoryOffset) + Int(directorySize))
        var entries: [Entry] = []
        var index: [String: Int] = [:]
        for _ in 0..<Int(entryCount) {
            let start = try cursor.skip(46, "central directory entry")
            guard bytes.hasBytes(Self.centralSignature, at: start) else {
                throw .malformedZip("central directory entry at \(start): got another signature, expected 50 4B 01 02")
            }
            let flags = UInt16(field(start + 8, 2))
            let method = UInt16(field(start + 10, 2))
            var compressedSize = field(start + 20, 4)
            var size = field(start + 24, 4)
            let nameLength = Int(field(start + 28, 2))
            let extraLength = Int(field(start + 30, 2))
            let commentLength = Int(field(start + 32, 2))
            var localOffset = field(start + 42, 4)
            let nameStart = try cursor.skip(nameLength, "central directory entry name")
            let extraStart = try cursor.skip(extraLength, "central directory extra field")
            _ = try cursor.skip(commentLength, "central directory entry comment")
            let nameBytes = cursor.array(nameStart..<(nameStart + nameLength))
            let name = String(decoding: nameBytes, as: UTF8.self)
            if size == 0xFFFF_FFFF || compressedSize == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                // The zip64 extra field (id 1) holds, in this order, the 8-byte values of exactly
                // the fields that are 0xFFFFFFFF above.
                var extra = ByteCursor(bytes, from: extraStart, to: extraStart + extraLength)
                var found = false
                while extra.remaining >= 4 {
                    let id = try extra.uintLE(2, "extra field id")
                    let length = Int(try extra.uintLE(2, "extra field length"))
                    let body = try extra.skip(length, "extra field of \(name)")
                    guard id == 1 else { continue }
                    var field64 = ByteCursor(bytes, from: body, to: body + length)
                    if size == 0xFFFF_FFFF { size = try field64.uintLE(8, "zip64 size of \(name)") }
                    if compressedSize == 0xFFFF_FFFF { compressedSize = try field64.uintLE(8, "zip64 compressed size of \(name)") }
                    if localOffset == 0xFFFF_FFFF { localOffset = try field64.uintLE(8, "zip64 offset of \(name)") }
                    found = true
                    break
                }
                guard found else { throw .malformedZip("\(name): got 0xFFFFFFFF sizes, expected a zip64 extra field") }
            }
            let limit = UInt64(bytes.count)
            guard size <= limit, compressedSize <= limit, localOffset <= limit else {
                throw .malformedZip("\(name): got size \(size) at offset \(localOffset), expected them within the \(limit)-byte file")
            }
            guard index[name] == nil else { throw .malformedZip("got entry \(name) twice, expected unique names") }
            index[name] = entries.count
            entries.append(
                Entry(
                    name: name, nameBytes: nameBytes, method: method, flags: flags, compressedSize: Int(compressedSize),
                    size: Int(size), localHeaderOffset: Int(localOffset)))
        }
        self.entries = entries
        self.index = index
    }

    func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The file range of an entry's data, after checking that it is stored uncompressed and
    /// that its local header agrees with the central directory.
    func dataRange(of entry: Entry) throws(CheckpointError) -> Range<Int> {
        guard entry.method == 0 else {
            throw .malformedZip("\(entry.name): got compression method \(entry.method), expected 0 (stored)")
        }
        guard entry.flags & 1 == 0 else { throw .malformedZip("\(entry.name): got an encrypted entry, expected plain data") }
        guard entry.compressedSize == entry.size else {
            throw .malformedZip("\(entry.name): got compressed size \(entry.compressedSize) and size \(entry.size), expected equal sizes for a stored entry")
        }
        let header = entry.localHeaderOffset
        guard header <= centralDirectoryOffset - 30, bytes.hasBytes(Self.localSignature, at: header) else {
            throw .malformedZip("\(entry.name): got no local header at \(header), expected 50 4B 03 04 before the central directory")
        }
        let nameLength = Int(ByteCursor.uintLE(bytes, at: header + 26, width: 2))
        let extraLength = Int(ByteCursor.uintLE(bytes, at: header + 28, width: 2))
        let start = header + 30 + nameLength + extraLength
        guard start <= centralDirectoryOffset, entry.size <= centralDirectoryOffset - start else {
            throw .malformedZip("\(entry.name): got \(entry.size) bytes of data at \(start), expected them to end before the central directory at \(centralDirectoryOffset)")
        }
        guard nameLength == entry.nameBytes.count, bytes.hasBytes(entry.nameBytes, at: header + 30) else {
            throw .malformedZip("\(entry.name): got another name in the local header, expected the central directory's")
        }
        return start..<(start + entry.size)
    }
}
