import Foundation
@testable import Models

/// The checkpoint fixtures written by `tools/reference/make_checkpoint_fixtures.py`.
enum CheckpointFixtures {
    /// The package root, three levels above this file (`Tests/ModelsTests/CheckpointSupport.swift`).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let directory = packageRoot.appendingPathComponent("Tests/ModelsTests/Fixtures/checkpoints")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func data(_ name: String) throws -> Data { try Data(contentsOf: url(name)) }

    static let manifest: Manifest = {
        do {
            return try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url("MANIFEST.json")))
        } catch {
            fatalError("cannot read the checkpoint fixture manifest: \(error)")
        }
    }()

    /// MANIFEST.json.
    struct Manifest: Decodable {
        struct FileInfo: Decodable {
            let sha256: String
            let bytes: Int
        }

        struct Entry: Decodable {
            let name: String
            let dtype: String
            let shape: [Int]
            let sha256: String
            let values: [ExpectedValue]?
        }

        struct Fixture: Decodable {
            let file: String
            let format: String
            let group: String
            let notes: String
            let digest: String
            let entries: [Entry]
        }

        struct Rejected: Decodable {
            let file: String
            let error: String
            let module: String?
            let name: String?
            let opcode: Int?
            let offset: Int
        }

        let python: String
        let torch: String
        let files: [String: FileInfo]
        let fixtures: [Fixture]
        let rejected: [Rejected]
    }

    /// One element as JSON writes it: an integer (exact, up to 64 bits), a float, a bool, or a
    /// complex number as `[re, im]`.
    enum ExpectedValue: Decodable, Equatable {
        case integer(Int64)
        case real(Double)
        case boolean(Bool)
        case complex(Double, Double)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let b = try? container.decode(Bool.self) {
                self = .boolean(b)
            } else if let i = try? container.decode(Int64.self) {
                self = .integer(i)
            } else if let d = try? container.decode(Double.self) {
                self = .real(d)
            } else {
                let pair = try container.decode([Double].self)
                guard pair.count == 2 else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "complex value needs 2 parts")
                }
                self = .complex(pair[0], pair[1])
            }
        }

        /// The value as a Double, for comparison with a floating-point element.
        var real: Double? {
            switch self {
            case let .integer(i): Double(exactly: i)
            case let .real(d): d
            default: nil
            }
        }
    }
}

extension CheckpointTensor {
    /// The elements decoded from the little-endian bytes, in the manifest's JSON form.
    func decodedValues() -> [CheckpointFixtures.ExpectedValue] {
        let raw = [UInt8](bytes)
        func word(_ at: Int, _ width: Int) -> UInt64 {
            (0..<width).reduce(UInt64(0)) { $0 | UInt64(raw[at + $1]) << (8 * UInt64($1)) }
        }
        let size = elementType.size
        return (0..<count).map { i -> CheckpointFixtures.ExpectedValue in
            let at = i * size
            switch elementType {
            case .float64: return .real(Double(bitPattern: word(at, 8)))
            case .float32: return .real(Double(Float(bitPattern: UInt32(word(at, 4)))))
            case .float16: return .real(Double(halfToFloat(UInt16(word(at, 2)))))
            case .bfloat16: return .real(Double(Float(bitPattern: UInt32(word(at, 2)) << 16)))
            case .int64: return .integer(Int64(bitPattern: word(at, 8)))
            case .int32: return .integer(Int64(Int32(bitPattern: UInt32(word(at, 4)))))
            case .int16: return .integer(Int64(Int16(bitPattern: UInt16(word(at, 2)))))
            case .int8: return .integer(Int64(Int8(bitPattern: raw[at])))
            case .uint8: return .integer(Int64(raw[at]))
            case .bool: return .boolean(raw[at] != 0)
            case .complex64:
                return .complex(
                    Double(Float(bitPattern: UInt32(word(at, 4)))), Double(Float(bitPattern: UInt32(word(at + 4, 4)))))
            case .complex128:
                return .complex(Double(bitPattern: word(at, 8)), Double(bitPattern: word(at + 8, 8)))
            }
        }
    }
}

/// IEEE binary16 to binary32 (exact).
func halfToFloat(_ h: UInt16) -> Float {
    let sign: Float = h & 0x8000 != 0 ? -1 : 1
    let exponent = Int((h >> 10) & 0x1F)
    let mantissa = Float(h & 0x3FF)
    switch exponent {
    case 0: return sign * mantissa * 0x1p-24
    case 31: return mantissa == 0 ? sign * .infinity : .nan
    default: return sign * (1 + mantissa / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
    }
}

/// Whether two expected values agree exactly (integers given for float elements compare as
/// doubles; JSON writes 2.0 as 2.0 but a decoder may read it as an integer).
func sameValue(_ got: CheckpointFixtures.ExpectedValue, _ expected: CheckpointFixtures.ExpectedValue) -> Bool {
    switch (got, expected) {
    case let (.real(a), _):
        guard let b = expected.real else { return false }
        return a == b || (a.isNaN && b.isNaN)
    default:
        return got == expected
    }
}
