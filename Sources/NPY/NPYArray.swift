import Foundation

/// An n-dimensional array in NumPy's `.npy` format (version 1.0, little-endian, C order).
///
/// SyncBench writes what its stages see as `.npy` files so that anyone can open them with
/// `numpy.load`, and the tests read golden arrays written by the Python reference the same way.
/// Only the element types the pipeline produces are supported.
public struct NPYArray: Sendable, Equatable {
    /// The element type, named by its NumPy `descr` string.
    public enum DType: String, Sendable, CaseIterable {
        case uint8 = "|u1"
        case int16 = "<i2"
        case int32 = "<i4"
        case int64 = "<i8"
        case float32 = "<f4"
        case float64 = "<f8"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .uint8: 1
            case .int16: 2
            case .int32, .float32: 4
            case .int64, .float64: 8
            }
        }
    }

    public let dtype: DType
    public let shape: [Int]
    /// The elements in C order, little-endian, exactly as stored after the header.
    public let data: Data

    /// Number of elements (product of the shape; 1 for a 0-d array).
    public var count: Int { shape.reduce(1, *) }

    public init(dtype: DType, shape: [Int], data: Data) throws(NPYError) {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw .invalidShape(shape) }
        let expected = shape.reduce(1, *) * dtype.size
        guard data.count == expected else { throw .sizeMismatch(expected: expected, got: data.count) }
        self.dtype = dtype
        self.shape = shape
        self.data = data
    }

    public init(shape: [Int], uint8 values: [UInt8]) throws(NPYError) {
        try self.init(dtype: .uint8, shape: shape, data: Data(values))
    }

    public init(shape: [Int], int16 values: [Int16]) throws(NPYError) {
        try self.init(dtype: .int16, shape: shape, data: Self.littleEndianData(values))
    }

    public init(shape: [Int], float32 values: [Float]) throws(NPYError) {
        try self.init(dtype: .float32, shape: shape, data: Self.littleEndianData(values.map(\.bitPattern)))
    }

    public init(shape: [Int], float64 values: [Double]) throws(NPYError) {
        try self.init(dtype: .float64, shape: shape, data: Self.littleEndianData(values.map(\.bitPattern)))
    }

    // MARK: Typed element access

    public func uint8Values() throws(NPYError) -> [UInt8] {
        guard dtype == .uint8 else { throw .wrongType(expected: .uint8, got: dtype) }
        return [UInt8](data)
    }

    public func int16Values() throws(NPYError) -> [Int16] {
        guard dtype == .int16 else { throw .wrongType(expected: .int16, got: dtype) }
        return Self.integers(data, as: UInt16.self).map { Int16(bitPattern: $0) }
    }

    public func float32Values() throws(NPYError) -> [Float] {
        guard dtype == .float32 else { throw .wrongType(expected: .float32, got: dtype) }
        return Self.integers(data, as: UInt32.self).map(Float.init(bitPattern:))
    }

    public func float64Values() throws(NPYError) -> [Double] {
        guard dtype == .float64 else { throw .wrongType(expected: .float64, got: dtype) }
        return Self.integers(data, as: UInt64.self).map(Double.init(bitPattern:))
    }

    /// Any numeric element type widened to `Double` (exact for every supported type but int64
    /// values beyond 2^53).
    public func doubleValues() throws(NPYError) -> [Double] {
        switch dtype {
        case .uint8: return data.map(Double.init)
        case .int16: return Self.integers(data, as: UInt16.self).map { Double(Int16(bitPattern: $0)) }
        case .int32: return Self.integers(data, as: UInt32.self).map { Double(Int32(bitPattern: $0)) }
        case .int64: return Self.integers(data, as: UInt64.self).map { Double(Int64(bitPattern: $0)) }
        case .float32: return try float32Values().map(Double.init)
        case .float64: return try float64Values()
        }
    }

    // MARK: File format

    private static let magic = Data([0x93]) + Data("NUMPY".utf8)

    /// The complete `.npy` file: magic, version 1.0, header padded to a multiple of 64 bytes, data.
    public func fileData() -> Data {
        var out = Self.headerData(dtype: dtype, shape: shape)
        out.append(data)
        return out
    }

    /// The magic, version 1.0, header length and header text of an array, padded with spaces to
    /// the next multiple of 64 bytes or, when given, to exactly `size` bytes (NumPy accepts any
    /// padding; a fixed size lets a streaming writer rewrite the shape in place).
    public static func headerData(dtype: DType, shape: [Int], paddedTo size: Int? = nil) -> Data {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = magic.count + 2 + 2 + header.utf8.count + 1
        let total = size ?? (unpadded + (64 - unpadded % 64) % 64)
        precondition(total >= unpadded && total - 10 <= Int(UInt16.max), "npy header of \(unpadded) bytes does not fit in \(total)")
        header += String(repeating: " ", count: total - unpadded) + "\n"
        var out = magic
        out.append(contentsOf: [1, 0])
        let length = UInt16(header.utf8.count)
        out.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        out.append(contentsOf: header.utf8)
        return out
    }

    /// Writes the array to `url` atomically.
    public func write(to url: URL) throws {
        try fileData().write(to: url, options: .atomic)
    }

    /// Parses a `.npy` file (format versions 1.0, 2.0 and 3.0).
    public init(fileData file: Data) throws(NPYError) {
        let bytes = [UInt8](file)
        guard bytes.count >= 10, Data(bytes[0..<6]) == Self.magic else { throw .notNPY }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw .notNPY }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw .unsupportedVersion(Int(major))
        }
        guard bytes.count >= headerStart + headerLength else { throw .truncatedHeader }
        guard let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8) else {
            throw .malformedHeader("header is not UTF-8")
        }
        let descr = try Self.value(of: "descr", in: header)
        guard let dtype = DType(rawValue: descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))) ??
            (descr == "'<u1'" ? .uint8 : nil)
        else { throw .unsupportedDType(descr) }
        guard try Self.value(of: "fortran_order", in: header) == "False" else { throw .fortranOrder }
        let shapeText = try Self.value(of: "shape", in: header)
        let inner = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "()"))
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let item = part.trimmingCharacters(in: .whitespaces)
            if item.isEmpty { continue }
            guard let n = Int(item) else { throw .malformedHeader("shape \(shapeText)") }
            shape.append(n)
        }
        let payload = file.subdata(in: (file.startIndex + headerStart + headerLength)..<file.endIndex)
        try self.init(dtype: dtype, shape: shape, data: payload)
    }

    /// Reads a `.npy` file from disk.
    public init(contentsOf url: URL) throws {
        try self.init(fileData: Data(contentsOf: url))
    }

    // MARK: Helpers

    private static func value(of key: String, in header: String) throws(NPYError) -> String {
        guard let keyRange = header.range(of: "'\(key)':") else { throw .malformedHeader("no '\(key)' in \(header)") }
        let rest = header[keyRange.upperBound...].drop(while: { $0 == " " })
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { throw .malformedHeader(header) }
            return String(rest[...close])
        }
        let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) ?? rest.endIndex
        return String(rest[..<end]).trimmingCharacters(in: .whitespaces)
    }

    private static func littleEndianData<T: FixedWidthInteger>(_ values: [T]) -> Data {
        var out = Data(capacity: values.count * MemoryLayout<T>.size)
        for value in values {
            withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
        }
        return out
    }

    private static func integers<T: FixedWidthInteger>(_ data: Data, as type: T.Type) -> [T] {
        let size = MemoryLayout<T>.size
        return data.withUnsafeBytes { raw in
            (0..<(raw.count / size)).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * size, as: T.self)) }
        }
    }
}

/// Why a `.npy` file could not be read or an array could not be built.
public enum NPYError: Error, Equatable, CustomStringConvertible {
    case notNPY
    case unsupportedVersion(Int)
    case truncatedHeader
    case malformedHeader(String)
    case unsupportedDType(String)
    case fortranOrder
    case invalidShape([Int])
    case sizeMismatch(expected: Int, got: Int)
    case wrongType(expected: NPYArray.DType, got: NPYArray.DType)

    public var description: String {
        switch self {
        case .notNPY: "not a NumPy .npy file (bad magic)"
        case .unsupportedVersion(let v): "unsupported .npy format version \(v)"
        case .truncatedHeader: ".npy header is truncated"
        case .malformedHeader(let text): "malformed .npy header: \(text)"
        case .unsupportedDType(let d): "unsupported .npy dtype \(d) (expected one of \(NPYArray.DType.allCases.map(\.rawValue)))"
        case .fortranOrder: "Fortran-ordered .npy arrays are not supported"
        case .invalidShape(let s): "invalid shape \(s)"
        case .sizeMismatch(let e, let g): ".npy data has \(g) bytes, expected \(e)"
        case .wrongType(let e, let g): "array has dtype \(g.rawValue), expected \(e.rawValue)"
        }
    }
}
