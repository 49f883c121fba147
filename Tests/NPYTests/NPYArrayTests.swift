import Foundation
import Testing
@testable import NPY

@Suite("NPY file format")
struct NPYArrayTests {
    @Test("header is the NumPy 1.0 layout, padded to 64 bytes")
    func headerLayout() throws {
        let array = try NPYArray(shape: [2, 3], int16: [1, -2, 3, -4, 5, 32767])
        let file = array.fileData()
        // 10 bytes of preamble + a 60-character dict do not fit in 64 bytes, so the header fills 128.
        let headerText = String(decoding: file[10..<128], as: UTF8.self)
        #expect(file[0] == 0x93 && String(decoding: file[1..<6], as: UTF8.self) == "NUMPY")
        #expect(file[6] == 1 && file[7] == 0)
        #expect(headerText.hasPrefix("{'descr': '<i2', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect(headerText.hasSuffix("\n"))
        #expect(file.count == 128 + 12)
        // -2 as little-endian int16 is FE FF.
        #expect(file[130] == 0xFE && file[131] == 0xFF)
    }

    @Test("round trip keeps dtype, shape and values", arguments: NPYArray.DType.allCases)
    func roundTrip(dtype: NPYArray.DType) throws {
        let shape = [3, 1, 2]
        let data = Data((0..<(6 * dtype.size)).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) })
        let array = try NPYArray(dtype: dtype, shape: shape, data: data)
        let back = try NPYArray(fileData: array.fileData())
        #expect(back == array)
    }

    @Test("one-dimensional and zero-dimensional shapes use Python tuple syntax")
    func tupleSyntax() throws {
        let vector = try NPYArray(shape: [4], float64: [0.5, -1, 2, 1e-300])
        #expect(String(decoding: vector.fileData()[10..<64], as: UTF8.self).contains("'shape': (4,)"))
        #expect(try NPYArray(fileData: vector.fileData()).float64Values() == [0.5, -1, 2, 1e-300])
        let scalar = try NPYArray(shape: [], float32: [3.25])
        #expect(try NPYArray(fileData: scalar.fileData()).shape == [])
    }

    @Test("bad files give specific errors")
    func badFiles() throws {
        #expect(throws: NPYError.notNPY) { try NPYArray(fileData: Data("hello world".utf8)) }
        #expect(throws: NPYError.sizeMismatch(expected: 8, got: 4)) {
            try NPYArray(dtype: .float32, shape: [2], data: Data(count: 4))
        }
        let good = try NPYArray(shape: [2], uint8: [1, 2]).fileData()
        #expect(throws: NPYError.truncatedHeader) { try NPYArray(fileData: good.prefix(20)) }
    }
}

@Suite("NPY stream writer: the destination")
struct NPYStreamWriterDestinationTests {
    @Test("finishing onto a folder fails and leaves the folder, its files and no temporary file; a regular file is replaced")
    func folderIsNotReplaced() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("npy-destination-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("out.npy")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("kept".utf8).write(to: folder.appendingPathComponent("kept.txt"))
        let writer = try NPYStreamWriter(url: folder, dtype: .uint8, rowShape: [2])
        try writer.append(row: [1, 2])
        #expect(throws: (any Error).self) { try writer.finish() }
        var isFolder: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) && isFolder.boolValue)
        #expect(FileManager.default.contents(atPath: folder.appendingPathComponent("kept.txt").path) == Data("kept".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["out.npy"], "a temporary file was left behind")

        let file = root.appendingPathComponent("file.npy")
        try Data("old".utf8).write(to: file)
        let replacing = try NPYStreamWriter(url: file, dtype: .uint8, rowShape: [2])
        try replacing.append(row: [3, 4])
        try replacing.finish()
        #expect(try NPYArray(contentsOf: file).uint8Values() == [3, 4])
    }
}
