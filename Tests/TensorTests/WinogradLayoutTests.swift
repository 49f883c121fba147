import Testing

@testable import Tensor

/// Where the Winograd drivers keep `V` and `M` (``Winograd/PlaneLayout``): a layout of strides
/// only, which must leave every result as it was.
@Suite("Winograd layout")
struct WinogradLayoutTests {
    /// The L1 data cache's set of a float's address offset: 64 sets of 64-byte lines (32 KiB,
    /// 8 ways, as on the Zen 3 and Zen 4 development machines and most x86 cores).
    func l1Set(_ floats: Int) -> Int { (floats * 4 / 64) % 64 }

    @Test(
        "the 36 planes of V and M start an odd number of lines apart, so the same tile of every plane lies in its own L1 set",
        arguments: [
            // SyncNet's lip conv1 (60 phase channels, 96 outputs, blocks of 10 tile rows of 37
            // tiles: 36 planes of M 4 KiB-multiples apart before), its 3×3 layers, S3FD's.
            (columns: 370, inner: 60, outChannels: 96), (columns: 169, inner: 256, outChannels: 256),
            (columns: 915, inner: 64, outChannels: 64), (columns: 64, inner: 512, outChannels: 512), (columns: 1, inner: 1, outChannels: 2),
        ])
    func planesInDistinctSets(_ shape: (columns: Int, inner: Int, outChannels: Int)) {
        let layout = Winograd.PlaneLayout(columns: shape.columns, inner: shape.inner, outChannels: shape.outChannels)
        #expect(layout.ld % 16 == 0 && layout.ld >= shape.columns + 8, "rows of whole lines, with room for a last chunk's spill")
        for (plane, rows) in [(layout.vPlane, shape.inner), (layout.mPlane, shape.outChannels)] {
            #expect(plane >= rows * layout.ld && plane <= rows * layout.ld + 16, "a plane holds its rows and at most a line more")
            #expect(plane % 16 == 0 && (plane / 16) % 2 == 1)
            #expect(Set((0..<36).map { l1Set($0 * plane) }).count == 36)
        }
    }

    @Test("sgemm gives the same bits whatever the row strides and the offsets of B and C (what the padded planes change)")
    func gemmIndependentOfStrides() {
        // One ξ plane of SyncNet's lip conv1: U[ξ] (96 × 60) · V[ξ] (60 × 370 tiles).
        let (m, n, k) = (96, 370, 60)
        let a = randomScalars(m * k, seed: 41)
        let b = randomScalars(k * n, seed: 42)
        /// C as sgemm computes it with B and C in rows of `ld` floats, `offset` floats into their buffers.
        func product(ld: Int, offset: Int) -> [UInt32] {
            var bPadded = [Float](repeating: .nan, count: offset + k * ld)
            for r in 0..<k { for j in 0..<n { bPadded[offset + r * ld + j] = b[r * n + j] } }
            var c = [Float](repeating: .nan, count: offset + m * ld)
            a.withUnsafeBufferPointer { pa in
                bPadded.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        GEMM.serial(
                            m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress! + offset, ldb: ld,
                            c: pc.baseAddress! + offset, ldc: ld)
                    }
                }
            }
            return (0..<m).flatMap { r in (0..<n).map { c[offset + r * ld + $0].bitPattern } }
        }
        let plain = product(ld: 384, offset: 0)
        for (ld, offset) in [(384, 16), (400, 0), (384, 6912 + 16), (371, 3)] {
            let differing = zip(product(ld: ld, offset: offset), plain).count { $0 != $1 }
            #expect(differing == 0, "ld \(ld), offset \(offset): \(differing) of \(m * n) elements differ")
        }
    }

    @Test("the input transform reads a chunk from the row itself exactly when its 32 floats lie inside the row")
    func directChunksInsideTheRow() {
        var widest = 0  // the test's own check that some widths do have direct chunks
        for width in 1...300 {
            for pad in 0...3 {
                let outWidth = width + 2 * pad - 2
                guard outWidth > 0 else { continue }
                let tilesPerRow = (outWidth + 3) / 4
                let geometry = ConvGeometry(
                    channels: 1, height: 4, width: width, outHeight: 4 + 2 * pad - 2, outWidth: outWidth, kernel: (3, 3),
                    stride: (1, 1), padding: (pad, pad), dilation: (1, 1))
                let rows = Winograd.InputRows(geometry: geometry, tilesPerRow: tilesPerRow)
                defer { rows.deallocate() }
                let inside = stride(from: 0, through: tilesPerRow, by: 8).filter { 4 * $0 - pad >= 0 && 4 * $0 - pad + 32 <= width }
                let direct = stride(from: 0, through: tilesPerRow, by: 8).filter { rows.directChunks.contains($0) }
                #expect(direct == inside, "width \(width), padding \(pad)")
                widest = max(widest, direct.count)
            }
        }
        #expect(widest >= 8)
    }
}
