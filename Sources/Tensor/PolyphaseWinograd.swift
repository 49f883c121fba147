/// Stride-2 convolutions with 7×7 or 8×8 kernels (SyncNet's first lip layer) as Winograd
/// F(3×3, 4×4) over the input's four parity phases.
///
/// Splitting rows and columns by parity, `P[(a·2 + b)·C + c][y][x] = x_padded[c][2y + a][2x + b]`,
/// turns the layer into a stride-1 4×4 correlation over `4·C` channels with sub-kernels
/// `g[(a, b, c)][s][t] = W[c][2s + a][2t + b]` (zero beyond the kernel): 1.31× the multiply-adds of
/// a 7×7 layer. Winograd F(3×3, 4×4) then computes each 3×3 block of outputs from a 6×6 phase tile
/// with 36 multiplications instead of 144: `Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A`, with the points
/// 0, ±1, ±2, ∞ of ``Winograd`` (same `Bᵀ`; `G` is 6×4 and `Aᵀ` 3×6). The phases are never
/// materialised: each tile row's six phase rows are gathered straight from the input (the last
/// three of a tile row are the first three of the next, gathered once).
enum PolyphaseWinograd {
    /// Lagrange scale of each finite point 0, 1, −1, 2, −2 (as in ``Winograd/g``).
    private static let scales: [Double] = [1.0 / 4, -1.0 / 6, -1.0 / 6, 1.0 / 24, 1.0 / 24]
    private static let points: [Double] = [0, 1, -1, 2, -2]

    /// `G` (6×4): row k = scale_k · (1, p_k, p_k², p_k³) for the finite points, (0, 0, 0, 1) for ∞.
    static let g: [[Double]] =
        (0..<5).map { k in (0..<4).map { j in scales[k] * pow(points[k], j) } } + [[0, 0, 0, 1]]
    /// `Aᵀ` (3×6): row i = (p_k^i) for the finite points, ∞ contributing to the last row only.
    static let at: [[Double]] = (0..<3).map { i in (0..<5).map { k in pow(points[k], i) } + [i == 2 ? 1 : 0] }

    private static func pow(_ x: Double, _ n: Int) -> Double { n == 0 ? 1 : (0..<n).reduce(1) { r, _ in r * x } }

    /// Whether a layer of this shape can use the algorithm.
    static func qualifies(kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int)) -> Bool {
        stride == (2, 2) && dilation == (1, 1) && (kernel.0 + 1) / 2 == 4 && (kernel.1 + 1) / 2 == 4
    }

    /// `U[ξ][o][(a·2 + b)·C + c] = (G · g · Gᵀ)[ξ]` with `g[s][t] = W[o, c, 2s + a, 2t + b]` (zero
    /// beyond the kernel), for weights `[O, C, kH, kW]`; computed in double, rounded once.
    static func transformWeights(_ weight: [Float], outChannels: Int, inChannels: Int, kernel: (Int, Int)) -> [Float] {
        let c4 = 4 * inChannels
        let plane = outChannels * c4
        var u = [Float](repeating: 0, count: 36 * plane)
        for o in 0..<outChannels {
            for a in 0..<2 {
                for b in 0..<2 {
                    for c in 0..<inChannels {
                        var sub = [[Double]](repeating: [0, 0, 0, 0], count: 4)
                        for s in 0..<4 where 2 * s + a < kernel.0 {
                            for t in 0..<4 where 2 * t + b < kernel.1 {
                                sub[s][t] = Double(weight[((o * inChannels + c) * kernel.0 + 2 * s + a) * kernel.1 + 2 * t + b])
                            }
                        }
                        let column = o * c4 + (a * 2 + b) * inChannels + c
                        Winograd.transformKernel(g, size: 4, { s, t in sub[s][t] }) { xi, sum in u[xi * plane + column] = Float(sum) }
                    }
                }
            }
        }
        return u
    }

    typealias V8 = SIMD8<Float>

    /// Convolves `[N, C, H, W]` (stride 2, kernel 7 or 8 per axis, any padding) with transformed
    /// weights `[36, O, 4C]` into `[N, O, H', W']`, adding `bias` and applying `activation`.
    static func convolve(
        input: UnsafePointer<Float>, batch: Int, geometry geo: ConvGeometry, transformedWeight: [Float],
        outChannels: Int, bias: [Float], activation: Activation, output: UnsafeMutablePointer<Float>,
        precision: Precision = .fp32
    ) {
        let c = geo.channels, c4 = 4 * c, o = outChannels
        let (ho, wo) = (geo.outHeight, geo.outWidth)
        let tileRowsPerImage = (ho + 2) / 3
        let tilesPerRow = (wo + 2) / 3
        let chunks = (tilesPerRow + 7) / 8
        // Blocks of whole tile rows as in ``Winograd/Blocks``.
        let blocks = Winograd.Blocks(totalTileRows: batch * tileRowsPerImage, tilesPerRow: tilesPerRow, inner: c4, outChannels: o)
        defer { blocks.deallocate() }
        let (totalTileRows, rowsPerBlock, layout, v, m) = (blocks.totalTileRows, blocks.rowsPerBlock, blocks.layout, blocks.v, blocks.m)
        // Gathered phase rows of one tile row: rows[(r·3 + q)·rowStride + t] = phase[3ty + r][3t + q].
        let rowStride = chunks * 8 + 8
        // Valid tile ranges per column phase (a phase column 3t + q of parity b reads input column
        // 6t + 2q + b − p_w).
        func validTiles(_ offset: Int) -> Range<Int> {
            // 0 <= 6t + offset < W
            let lo = offset >= 0 ? 0 : (-offset + 5) / 6
            let hi = geo.width - offset > 0 ? (geo.width - 1 - offset) / 6 + 1 : 0
            let clippedHi = min(max(hi, lo), tilesPerRow + 1)
            return min(lo, clippedHi)..<clippedHi
        }
        var columnRanges: [Range<Int>] = []
        for b in 0..<2 {
            for q in 0..<3 { columnRanges.append(validTiles(2 * q + b - geo.padding.1)) }
        }
        transformedWeight.withUnsafeBufferPointer { ub in
            bias.withUnsafeBufferPointer { bb in
                columnRanges.withUnsafeBufferPointer { rangesBuffer in
                    let u = ub.baseAddress!, bp = bb.baseAddress!, ranges = rangesBuffer.baseAddress!
                    var first = 0
                    while first < totalTileRows {
                        let rows = min(rowsPerBlock, totalTileRows - first)
                        let blockTiles = rows * tilesPerRow
                        // 1. Gather and transform the input tiles, one job per phase-channel range.
                        Parallel.forChunks(c4, oversubscription: 4) { channels in
                            let gathered = UnsafeMutablePointer<Float>.allocate(capacity: 18 * rowStride)
                            gathered.initialize(repeating: 0, count: 18 * rowStride)
                            let scratch = UnsafeMutablePointer<V8>.allocate(capacity: Winograd.inputTileScratch)
                            defer {
                                gathered.deallocate()
                                scratch.deallocate()
                            }
                            for ch in channels {
                                let phase = ch / c, source = ch % c
                                let (a, b) = (phase / 2, phase % 2)
                                for r in 0..<rows {
                                    let global = first + r
                                    let image = global / tileRowsPerImage, ty = global % tileRowsPerImage
                                    let plane = input + (image * c + source) * geo.height * geo.width
                                    // Tile row ty reads phase rows 3ty ..< 3ty + 6: the previous tile row
                                    // of the image gathered the first three of them as its last three.
                                    let reuse = r > 0 && ty > 0
                                    if reuse { gathered.update(from: gathered + 9 * rowStride, count: 9 * rowStride) }
                                    for i in (reuse ? 3 : 0)..<6 {
                                        let y = 2 * (3 * ty + i) + a - geo.padding.0
                                        for q in 0..<3 {
                                            let dst = gathered + (i * 3 + q) * rowStride
                                            if y < 0 || y >= geo.height {
                                                dst.update(repeating: 0, count: tilesPerRow + 1)
                                                continue
                                            }
                                            let range = ranges[b * 3 + q]
                                            let offset = 2 * q + b - geo.padding.1
                                            if range.lowerBound > 0 { dst.update(repeating: 0, count: range.lowerBound) }
                                            if !range.isEmpty {
                                                // Every sixth input column: phase column 3t + q of parity b.
                                                var src = plane + (y * geo.width + offset + 6 * range.lowerBound)
                                                for t in range {
                                                    dst[t] = src.pointee
                                                    src += 6
                                                }
                                            }
                                            if range.upperBound <= tilesPerRow {
                                                (dst + range.upperBound).update(
                                                    repeating: 0, count: tilesPerRow + 1 - range.upperBound)
                                            }
                                        }
                                    }
                                    let out = v + ch * layout.ld + r * tilesPerRow
                                    for chunk in 0..<chunks {
                                        Winograd.prefetchAhead(out, chunk: chunk, planes: layout.vPlane, forWrite: true)
                                        inputTile(
                                            rows: gathered, rowStride: rowStride, t: chunk * 8, out: out + chunk * 8, xiStride: layout.vPlane,
                                            scratch: scratch)
                                    }
                                }
                            }
                        }
                        // 2–3. GEMMs, output transform, bias, activation, scatter.
                        Winograd.multiplyAndFinish(
                            u: .transformed(u), v: v, m: m, outChannels: o, inner: c4, blockTiles: blockTiles, layout: layout, rows: rows,
                            rowSpan: tilesPerRow, chunks: chunks, precision: precision
                        ) { src, oc, r, t0 in
                            let global = first + r
                            let image = global / tileRowsPerImage, ty = global % tileRowsPerImage
                            outputTile(
                                m: src, xiStride: layout.mPlane, bias: bp[oc], activation: activation,
                                plane: output + (image * o + oc) * ho * wo, ty: ty, t0: t0, tilesPerRow: tilesPerRow,
                                height: ho, width: wo)
                        }
                        first += rows
                    }
                }
            }
        }
    }

    /// `Bᵀ d B` for 8 adjacent tiles starting at tile `t`, where `d[i][q]` (q = 0…5) is
    /// `rows[(i·3 + q mod 3)·rowStride + t + q / 3]`; writes `out[ξ · xiStride + 0..<8]`.
    /// `scratch` holds ``Winograd/inputTileScratch`` vectors.
    @inline(__always)
    static func inputTile(
        rows: UnsafeMutablePointer<Float>, rowStride: Int, t: Int, out: UnsafeMutablePointer<Float>, xiStride: Int,
        scratch tp: UnsafeMutablePointer<V8>
    ) {
        for i in 0..<6 {
            let base = rows + i * 3 * rowStride + t
            let d0 = Winograd.load(base), d1 = Winograd.load(base + rowStride), d2 = Winograd.load(base + 2 * rowStride)
            let d3 = Winograd.load(base + 1), d4 = Winograd.load(base + rowStride + 1)
            let d5 = Winograd.load(base + 2 * rowStride + 1)
            Winograd.bt6(d0, d1, d2, d3, d4, d5, into: tp + i * 6, stride: 1)
        }
        withUnsafeTemporaryAllocation(of: V8.self, capacity: 6) { res in
            let res = res.baseAddress!
            for column in 0..<6 {
                let col = tp + column
                Winograd.bt6(col[0], col[6], col[12], col[18], col[24], col[30], into: res, stride: 1)
                for k in 0..<6 { Winograd.store(res[k], out + (k * 6 + column) * xiStride) }
            }
        }
    }

    /// `Aᵀ M A` (3×6 · 6×6 · 6×3) for 8 adjacent tiles; adds `bias`, applies `activation` and
    /// writes the valid part of the 3×3 blocks into the output plane.
    @inline(__always)
    static func outputTile(
        m: UnsafeMutablePointer<Float>, xiStride: Int, bias: Float, activation: Activation,
        plane: UnsafeMutablePointer<Float>, ty: Int, t0: Int, tilesPerRow: Int, height: Int, width: Int
    ) {
        withUnsafeTemporaryAllocation(of: V8.self, capacity: 18) { tp in
            let tp = tp.baseAddress!
            // Along y: tmp[r][l] = Σ_k Aᵀ[r][k] · M[k][l].
            for l in 0..<6 {
                let m0 = Winograd.load(m + l * xiStride), m1 = Winograd.load(m + (6 + l) * xiStride)
                let m2 = Winograd.load(m + (12 + l) * xiStride), m3 = Winograd.load(m + (18 + l) * xiStride)
                let m4 = Winograd.load(m + (24 + l) * xiStride), m5 = Winograd.load(m + (30 + l) * xiStride)
                at3(m0, m1, m2, m3, m4, m5, into: tp + l, stride: 6)
            }
            withUnsafeTemporaryAllocation(of: V8.self, capacity: 9) { rp in
                let rp = rp.baseAddress!
                let bv = V8(repeating: bias)
                for r in 0..<3 {
                    let row = tp + r * 6
                    at3(row[0], row[1], row[2], row[3], row[4], row[5], into: rp + r * 3, stride: 1)
                    for s in 0..<3 {
                        var value = rp[r * 3 + s] + bv
                        if activation == .relu { value = value.replacing(with: 0, where: value .< 0) }
                        rp[r * 3 + s] = value
                    }
                }
                let tiles = min(8, tilesPerRow - t0)
                let full = tiles == 8 && 3 * (t0 + 8) <= width
                for r in 0..<3 {
                    let y = 3 * ty + r
                    if y >= height { break }
                    let dst = plane + y * width
                    if full {
                        let p = dst + 3 * t0
                        let c0 = rp[r * 3], c1 = rp[r * 3 + 1], c2 = rp[r * 3 + 2]
                        for t in 0..<8 {
                            p[3 * t] = c0[t]
                            p[3 * t + 1] = c1[t]
                            p[3 * t + 2] = c2[t]
                        }
                        continue
                    }
                    for t in 0..<tiles {
                        let x0 = 3 * (t0 + t)
                        for s in 0..<min(3, width - x0) { dst[x0 + s] = rp[r * 3 + s][t] }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func at3(_ m0: V8, _ m1: V8, _ m2: V8, _ m3: V8, _ m4: V8, _ m5: V8, into o: UnsafeMutablePointer<V8>, stride s: Int) {
        let two: Float = 2, four: Float = 4
        let p12 = m1 + m2, p34 = m3 + m4
        o[0] = m0 + p12 + p34
        o[s] = (m1 - m2) + two * (m3 - m4)
        o[2 * s] = p12 + four * p34 + m5
    }
}
