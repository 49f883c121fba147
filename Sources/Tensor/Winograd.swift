import CPrefetch

/// Winograd minimal filtering F(4×4, 3×3) (Lavin & Gray 2016, points 0, ±1, ±2, ∞) for 3×3,
/// stride-1, undilated convolutions.
///
/// Each 4×4 block of outputs comes from a 6×6 input tile: `Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A`.
/// With the kernels transformed once (`U[ξ][o][c] = (G g_{o,c} Gᵀ)[ξ]`, ξ = 0…35) and the input
/// tiles transformed per call (`V[ξ][c][p]`, p = tile), the element-wise products summed over
/// input channels are 36 independent GEMMs `M[ξ] = U[ξ] · V[ξ]` (`[O, C] · [C, P]`): 36
/// multiplications per 16 outputs instead of 144. Tiles are processed in blocks of whole tile rows
/// (possibly spanning images) so that `V` and `M` of one block stay in the last-level cache.
enum Winograd {
    /// `Bᵀ` (6×6).
    static let bt: [[Double]] = [
        [4, 0, -5, 0, 1, 0],
        [0, -4, -4, 1, 1, 0],
        [0, 4, -4, -1, 1, 0],
        [0, -2, -1, 2, 1, 0],
        [0, 2, -1, -2, 1, 0],
        [0, 4, 0, -5, 0, 1],
    ]
    /// `G` (6×3).
    static let g: [[Double]] = [
        [1.0 / 4, 0, 0],
        [-1.0 / 6, -1.0 / 6, -1.0 / 6],
        [-1.0 / 6, 1.0 / 6, -1.0 / 6],
        [1.0 / 24, 1.0 / 12, 1.0 / 6],
        [1.0 / 24, -1.0 / 12, 1.0 / 6],
        [0, 0, 1],
    ]
    /// `Aᵀ` (4×6).
    static let at: [[Double]] = [
        [1, 1, 1, 1, 1, 0],
        [0, 1, -1, 2, -2, 0],
        [0, 1, 1, 4, 4, 0],
        [0, 1, -1, 8, -8, 1],
    ]

    /// `U[ξ][o][c] = (G · w[o, c] · Gᵀ)[ξ]` for weights `[O, C, 3, 3]`, in double, rounded once.
    static func transformWeights(_ weight: [Float], outChannels: Int, inChannels: Int) -> [Float] {
        let plane = outChannels * inChannels
        var u = [Float](repeating: 0, count: 36 * plane)
        u.withUnsafeMutableBufferPointer { ub in
            let ub = ub
            weight.withUnsafeBufferPointer { wb in
                let wb = wb
                Parallel.forChunks(plane) { range in
                    for oc in range {
                        transformKernel(g, size: 3, { r, v in Double(wb[oc * 9 + r * 3 + v]) }) { xi, s in ub[xi * plane + oc] = Float(s) }
                    }
                }
            }
        }
        return u
    }

    /// A row of `G` as the terms it contributes: rows 0 and 5 have one non-zero coefficient.
    enum GRow: Equatable {
        case first(Double)
        case last(Double)
        case all(Double, Double, Double)

        init(_ row: [Double]) {
            if row[1] == 0 && row[2] == 0 {
                self = .first(row[0])
            } else if row[0] == 0 && row[1] == 0 {
                self = .last(row[2])
            } else {
                self = .all(row[0], row[1], row[2])
            }
        }

        /// Row `i` of ``g`` (the same as `GRow(g[i])`, which a test checks), its coefficients
        /// written as literals: in a loop over a fixed row, inlined, each `apply` compiles to its
        /// multiplications and additions, without a switch and a load of the coefficients per call.
        @inline(__always)
        static func of(_ i: Int) -> GRow {
            switch i {
            case 0: .first(1.0 / 4)
            case 1: .all(-1.0 / 6, -1.0 / 6, -1.0 / 6)
            case 2: .all(-1.0 / 6, 1.0 / 6, -1.0 / 6)
            case 3: .all(1.0 / 24, 1.0 / 12, 1.0 / 6)
            case 4: .all(1.0 / 24, -1.0 / 12, 1.0 / 6)
            default: .last(1)
            }
        }

        /// `0 + Σ_i row[i] · x_i` in index order, without the zero terms. The same double as with
        /// them for finite inputs: a sum started from `+0` never becomes `−0`, and adding `±0`
        /// to it changes nothing.
        @inline(__always)
        func apply(_ x0: SIMD8<Double>, _ x1: SIMD8<Double>, _ x2: SIMD8<Double>) -> SIMD8<Double> {
            let zero = SIMD8<Double>(repeating: 0)
            switch self {
            case .first(let c): return zero + c * x0
            case .last(let c): return zero + c * x2
            case .all(let c0, let c1, let c2): return zero + c0 * x0 + c1 * x1 + c2 * x2
            }
        }

        /// The `apply` above in float, with the coefficients rounded to float.
        @inline(__always)
        func apply(_ x0: SIMD16<Float>, _ x1: SIMD16<Float>, _ x2: SIMD16<Float>) -> SIMD16<Float> {
            switch self {
            case .first(let c): return Float(c) * x0
            case .last(let c): return Float(c) * x2
            case .all(let c0, let c1, let c2): return Float(c0) * x0 + Float(c1) * x1 + Float(c2) * x2
            }
        }
    }

    /// Row `a` of the Winograd-domain weights of kernels `first ..< first + count` of a layer
    /// whose `kernels` 3×3 kernels are stored tap by tap (`taps[t · kernels + j]` is tap `t` of
    /// kernel `j`): `out[b · count + i] = (G · k_{first+i} · Gᵀ)[a · 6 + b]` for b = 0…5.
    /// Bit-identical with ``transformWeights(_:outChannels:inChannels:)`` for finite weights (the
    /// same double operations in the same order, rounded once), eight kernels at a time.
    static func transformKernelRow(
        taps: UnsafePointer<Float>, kernels: Int, first: Int, count: Int, row a: Int, into out: UnsafeMutablePointer<Float>
    ) {
        typealias D8 = SIMD8<Double>
        forKernelGroups(
            width: 8, count: count, row: a, apply: { (row: GRow, x0: D8, x1: D8, x2: D8) in row.apply(x0, x1, x2) },
            load: { tap, j, lanes in
                // Scalar conversions of contiguous lanes: the compiler turns these into one vector
                // conversion, where SIMD8's generic converting initialisers convert lane by lane
                // through a call (they took a third of `syncbench detect` when used here).
                let src = taps + tap * kernels + first + j
                if lanes == 8 {
                    return D8(
                        Double(src[0]), Double(src[1]), Double(src[2]), Double(src[3]),
                        Double(src[4]), Double(src[5]), Double(src[6]), Double(src[7]))
                }
                var v = D8(repeating: 0)
                for l in 0..<lanes { v[l] = Double(src[l]) }
                return v
            },
            store: { b, j, lanes, value in
                let dst = out + b * count + j
                if lanes == 8 {
                    // Built from scalar conversions (vector ones, as above) and stored at once:
                    // eight scalar conversions and stores took twice as long.
                    let floats = SIMD8<Float>(
                        Float(value[0]), Float(value[1]), Float(value[2]), Float(value[3]),
                        Float(value[4]), Float(value[5]), Float(value[6]), Float(value[7]))
                    store(floats, dst)
                } else {
                    for l in 0..<lanes { dst[l] = Float(value[l]) }
                }
            })
    }

    /// ``transformKernelRow(taps:kernels:first:count:row:into:)`` in float, sixteen kernels at a
    /// time, for ``Precision/bf16``, which rounds the result to 8 significant bits anyway: the
    /// double transform was a sixth of a bf16 `detect`.
    static func transformKernelRowFloat(
        taps: UnsafePointer<Float>, kernels: Int, first: Int, count: Int, row a: Int, into out: UnsafeMutablePointer<Float>
    ) {
        typealias F16 = SIMD16<Float>
        forKernelGroups(
            width: 16, count: count, row: a, apply: { (row: GRow, x0: F16, x1: F16, x2: F16) in row.apply(x0, x1, x2) },
            load: { tap, j, lanes in
                let src = taps + tap * kernels + first + j
                // Sixteen scalar loads, which the compiler merges into one vector load:
                // `loadUnaligned(as:)` stayed a call here, of SIMD16 (2 % of a bf16 `detect`) as
                // of two SIMD8 (4.5 %).
                if lanes == 16 {
                    return F16(
                        src[0], src[1], src[2], src[3], src[4], src[5], src[6], src[7],
                        src[8], src[9], src[10], src[11], src[12], src[13], src[14], src[15])
                }
                var v = F16(repeating: 0)
                for l in 0..<lanes { v[l] = src[l] }
                return v
            },
            store: { b, j, lanes, value in
                let dst = out + b * count + j
                if lanes == 16 {
                    UnsafeMutableRawPointer(dst).storeBytes(of: value, as: F16.self)
                } else {
                    for l in 0..<lanes { dst[l] = value[l] }
                }
            })
    }

    /// The loop both row transforms share: for each group of `width` kernels (the last one
    /// `lanes` < `width` wide), `t_v = (G · k)[a][v]` from the nine taps that `load(tap, j, lanes)`
    /// gives (tap `r · 3 + v` of kernels `j …`), then `(G · k · Gᵀ)[a][b]` handed to
    /// `store(b, j, lanes, value)` for b = 0…5; `apply` evaluates a row of `G` on three vectors.
    /// One loop per row `a`, each with its rows of `G` fixed (``GRow/of(_:)``): with the rows
    /// read from an array, every `apply` switched on them and the loop ran 1.6× longer
    /// (S3FD's 512 → 512 weights, the six rows on one core: 10.5 → 6.6 ms in double,
    /// 5.0 → 3.5 ms in float).
    @inline(__always)
    static func forKernelGroups<V>(
        width: Int, count: Int, row a: Int, apply: (GRow, V, V, V) -> V, load: (Int, Int, Int) -> V, store: (Int, Int, Int, V) -> Void
    ) {
        switch a {
        case 0: kernelGroupLoop(ga: .of(0), width: width, count: count, apply: apply, load: load, store: store)
        case 1: kernelGroupLoop(ga: .of(1), width: width, count: count, apply: apply, load: load, store: store)
        case 2: kernelGroupLoop(ga: .of(2), width: width, count: count, apply: apply, load: load, store: store)
        case 3: kernelGroupLoop(ga: .of(3), width: width, count: count, apply: apply, load: load, store: store)
        case 4: kernelGroupLoop(ga: .of(4), width: width, count: count, apply: apply, load: load, store: store)
        default: kernelGroupLoop(ga: .of(5), width: width, count: count, apply: apply, load: load, store: store)
        }
    }

    /// ``forKernelGroups(width:count:row:apply:load:store:)`` for the row `ga` of `G`.
    @inline(__always)
    private static func kernelGroupLoop<V>(
        ga: GRow, width: Int, count: Int, apply: (GRow, V, V, V) -> V, load: (Int, Int, Int) -> V, store: (Int, Int, Int, V) -> Void
    ) {
        @inline(__always)
        func group(_ j: Int, _ lanes: Int) {
            // (G · k)[a][v] = Σ_r g[a][r] · k[r][v].
            let t0 = apply(ga, load(0, j, lanes), load(3, j, lanes), load(6, j, lanes))
            let t1 = apply(ga, load(1, j, lanes), load(4, j, lanes), load(7, j, lanes))
            let t2 = apply(ga, load(2, j, lanes), load(5, j, lanes), load(8, j, lanes))
            store(0, j, lanes, apply(.of(0), t0, t1, t2))
            store(1, j, lanes, apply(.of(1), t0, t1, t2))
            store(2, j, lanes, apply(.of(2), t0, t1, t2))
            store(3, j, lanes, apply(.of(3), t0, t1, t2))
            store(4, j, lanes, apply(.of(4), t0, t1, t2))
            store(5, j, lanes, apply(.of(5), t0, t1, t2))
        }
        // Whole groups in a loop of their own, where `lanes == width` is known.
        var j = 0
        while j + width <= count {
            group(j, width)
            j += width
        }
        if j < count { group(j, count - j) }
    }

    /// `(G · k · Gᵀ)[ξ]` for ξ = 0…35 (the 6×6 result row by row), for an n×n kernel `k` read
    /// through `kernel(row, column)` and `G` of 6×n (shared with ``PolyphaseWinograd``): in double,
    /// each sum in index order, `store(ξ, value)` rounding as it likes.
    @inline(__always)
    static func transformKernel(_ g: [[Double]], size n: Int, _ kernel: (Int, Int) -> Double, store: (Int, Double) -> Void) {
        var tmp = [[Double]](repeating: [Double](repeating: 0, count: n), count: 6)  // G · k
        for a in 0..<6 {
            for v in 0..<n {
                var s = 0.0
                for r in 0..<n { s += g[a][r] * kernel(r, v) }
                tmp[a][v] = s
            }
        }
        for a in 0..<6 {
            for b in 0..<6 {
                var s = 0.0
                for v in 0..<n { s += tmp[a][v] * g[b][v] }
                store(a * 6 + b, s)
            }
        }
    }

    /// The blocks of a Winograd driver (shared with ``PolyphaseWinograd``): whole tile rows,
    /// possibly spanning images, in blocks of equal size (a short last block would make 36 narrow
    /// GEMMs) whose `V` and `M` take about 8 MB (measured faster than 1–4 MB for SyncNet lip conv1
    /// on the 2-core development machine), each at least one tile row and 64 tiles wide so that the
    /// GEMMs stay efficient. Tiles of a block are numbered compactly (row by row); the SIMD8 stores
    /// of a row's last chunk spill into the next row's slots, which are written afterwards by the
    /// same job, or into the 8 spare slots at the end.
    ///
    /// Neither buffer is zeroed as a whole (that memset was about 4 % of a bf16 `detect`): the input
    /// transform writes every column of `V` that a GEMM reads, and each block's GEMMs write the
    /// columns of `M` that the output transform uses. Only `M`'s columns past a full block's tiles
    /// start at zero: a block's last chunk reads up to 7 of them (computing outputs that are
    /// never stored), and a shorter last block reads what the previous block left there.
    struct Blocks {
        let totalTileRows: Int
        let rowsPerBlock: Int
        /// How many blocks the tile rows take.
        let count: Int
        /// The row length of `V` and `M`, and where their ξ planes lie.
        let layout: PlaneLayout
        /// `V` (`[36, inner, ld]`, uninitialised) and `M` (`[36, O, ld]`, columns from
        /// `rowsPerBlock · tilesPerRow` on zeroed), their planes ``PlaneLayout`` apart, of every
        /// block when they are held (``init(totalTileRows:tilesPerRow:inner:outChannels:held:)``),
        /// else one pair that each block in turn reuses; ``deallocate()`` frees them.
        private let buffers: [(v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>)]

        /// The pair that every block reuses when they are not held (block 0's when they are).
        var v: UnsafeMutablePointer<Float> { buffers[0].v }
        var m: UnsafeMutablePointer<Float> { buffers[0].m }
        /// Block `block`'s `V` and `M` (the shared pair unless the blocks are held).
        func v(block: Int) -> UnsafeMutablePointer<Float> { buffers[buffers.count > 1 ? block : 0].v }
        func m(block: Int) -> UnsafeMutablePointer<Float> { buffers[buffers.count > 1 ? block : 0].m }

        /// Tile rows per block, the number of blocks and the bytes of one block's `V` and `M`.
        static func plan(totalTileRows: Int, tilesPerRow: Int, inner: Int, outChannels o: Int) -> (rowsPerBlock: Int, count: Int, bytes: Int) {
            let bytesPerTileRow = 36 * (inner + o) * tilesPerRow * 4
            let limit = max((8 << 20) / bytesPerTileRow, (64 + tilesPerRow - 1) / tilesPerRow, 1)
            let blockCount = (totalTileRows + limit - 1) / limit
            let rowsPerBlock = (totalTileRows + blockCount - 1) / blockCount
            return (rowsPerBlock, (totalTileRows + rowsPerBlock - 1) / rowsPerBlock, rowsPerBlock * bytesPerTileRow)
        }

        /// With `held`, every block gets a `V` and an `M` of its own (``heldByteLimit``). `plan`:
        /// ``plan(totalTileRows:tilesPerRow:inner:outChannels:)`` of the same sizes, when the caller
        /// has it already.
        init(
            totalTileRows: Int, tilesPerRow: Int, inner: Int, outChannels o: Int, held: Bool = false,
            plan planned: (rowsPerBlock: Int, count: Int, bytes: Int)? = nil
        ) {
            let plan = planned ?? Self.plan(totalTileRows: totalTileRows, tilesPerRow: tilesPerRow, inner: inner, outChannels: o)
            self.totalTileRows = totalTileRows
            rowsPerBlock = plan.rowsPerBlock
            count = plan.count
            let layout = PlaneLayout(columns: rowsPerBlock * tilesPerRow, inner: inner, outChannels: o)
            self.layout = layout
            // A held block's `M` is zeroed from its own last tile on (a shorter last block's too).
            buffers = (0..<(held ? plan.count : 1)).map { block in
                let rows = min(plan.rowsPerBlock, totalTileRows - block * plan.rowsPerBlock)
                return layout.allocate(outChannels: o, usedColumns: rows * tilesPerRow)
            }
        }

        /// The most that the `V` and `M` of all blocks of a call may take together when they are
        /// held: S3FD's 512-channel layers at 244×132 (2 blocks, 13–18 MB) and 320×180 (4 blocks,
        /// 20–27 MB), whose weights are too large for ``TapRows``, so that each job transforms its
        /// weights once for all blocks instead of once per block. Those layers run when the
        /// activations are small (a 3-frame batch's conv4 maps take 3–6 MB, its conv1 maps 25–44),
        /// so the peak of a run stays where it was.
        static let heldByteLimit = 32 << 20

        func deallocate() {
            for (v, m) in buffers {
                v.deallocate()
                m.deallocate()
            }
        }
    }

    /// The layout of a Winograd driver's `V` (`[36, inner, ld]`) and `M` (`[36, O, ld]`): rows of
    /// `ld` floats (whole 64-byte lines), and each ξ plane an odd number of lines after the one
    /// before (``vPlane``, ``mPlane``: a line more than the rows need when they fill an even
    /// number). The input transform writes, and the output transform reads, the same tiles in all
    /// 36 planes at once; with planes a multiple of 4 KiB apart (SyncNet's lip conv1: 96 outputs
    /// × 384 floats = 36 × 4 KiB) those 36 lines all fell into one or two of the L1 cache's 64
    /// sets, which hold 8 lines each, and were fetched again and again. An odd stride puts them
    /// in 36 different sets. Strides only: every GEMM multiplies the same numbers in the same order.
    struct PlaneLayout {
        let ld: Int
        let vPlane: Int
        let mPlane: Int

        /// `columns` tiles per row (plus the 8 that a last chunk may write), `inner` rows of `V`
        /// and `outChannels` of `M` per plane.
        init(columns: Int, inner: Int, outChannels o: Int) {
            ld = (columns + 8 + 15) / 16 * 16
            vPlane = Self.oddLines(inner * ld)
            mPlane = Self.oddLines(o * ld)
        }

        /// `floats` (whole lines of 16) rounded up to an odd number of lines.
        static func oddLines(_ floats: Int) -> Int { (floats / 16 | 1) * 16 }

        /// `V` (uninitialised) and `M`, whose columns from `usedColumns` on start at zero (a
        /// block's last chunk reads up to 7 of them, computing outputs that are never stored).
        func allocate(outChannels o: Int, usedColumns: Int) -> (v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>) {
            let v = UnsafeMutablePointer<Float>.allocate(capacity: 36 * vPlane)
            let m = UnsafeMutablePointer<Float>.allocate(capacity: 36 * mPlane)
            for xi in 0..<36 {
                for row in 0..<o { (m + xi * mPlane + row * ld + usedColumns).initialize(repeating: 0, count: ld - usedColumns) }
            }
            return (v, m)
        }
    }

    typealias V8 = SIMD8<Float>

    /// Where a Winograd driver's `U` comes from.
    enum Weights {
        /// Transformed once: `[36, O, inner]`.
        case transformed(UnsafePointer<Float>)
        /// The 3×3 weights tap by tap, `[9, O·inner]`, transformed during each call, one row of ξ
        /// (and, on many cores, one slice of output channels) at a time, into a buffer of the job
        /// that multiplies with it: the 4× larger Winograd-domain copy is never stored
        /// (``transformKernelRow(taps:kernels:first:count:row:into:)``,
        /// ``outputSlice(outChannels:workers:)``).
        case taps(UnsafePointer<Float>)
    }

    /// The rows of `U` that the jobs of ``multiplyAndFinish`` use with ``Weights/taps`` weights,
    /// transformed once for a whole call of several blocks, so that each block does not transform
    /// the weights again: job `(slice, a)` finds its rows (``TapJob/bytes``) at `job · jobBytes`.
    /// The same values as each job's own transform, in the same GEMMs, so a call gives the same
    /// bits either way.
    struct TapRows {
        private let pointer: UnsafeMutableRawPointer
        let sliceSize: Int
        private let jobBytes: Int

        /// Bytes the rows of a layer take in `precision`'s operand form (fp32: 4× its 3×3 weights,
        /// bf16: half that), rounded up to whole slices (of `sliceSize` output channels, default
        /// ``outputSlice(outChannels:workers:)``).
        static func bytes(outChannels o: Int, inner k: Int, precision: Precision, sliceSize: Int? = nil) -> Int {
            let sliceSize = sliceSize ?? outputSlice(outChannels: o, workers: Parallel.workerCount)
            return (o + sliceSize - 1) / sliceSize * 6 * TapJob.bytes(count: sliceSize, inner: k, precision: precision)
        }

        /// A call transforms its weights once rather than once per block when they take at most
        /// this much. fp32: 16 MiB, all of SyncNet's layers and S3FD's up to 256 channels; S3FD's
        /// 512-channel layers (19 and 36 MiB) still transform per block rather than hold that,
        /// which keeps a cold `eval` with S3FD under 300 MiB (20 MiB measured 5–10 MiB more).
        /// bf16: 20 MiB, every layer (packed rows take half the bytes: 18 MiB for 512 → 512).
        static func byteLimit(_ precision: Precision) -> Int {
            switch precision {
            case .fp32: 16 << 20
            case .bf16: 20 << 20
            }
        }

        /// The rows of every job, in slices of `sliceSize` output channels (default
        /// ``outputSlice(outChannels:workers:)``).
        init(taps w: UnsafePointer<Float>, outChannels o: Int, inner k: Int, precision: Precision, sliceSize: Int? = nil) {
            let sliceSize = sliceSize ?? outputSlice(outChannels: o, workers: Parallel.workerCount)
            let slices = (o + sliceSize - 1) / sliceSize
            let jobBytes = TapJob.bytes(count: sliceSize, inner: k, precision: precision)
            // Alignment 16, what malloc gives anyway: with 64 (memalign) the peak RSS of a
            // `detect` of the example rose from 235–275 to 310–320 MiB (measured, both precisions).
            pointer = .allocate(byteCount: slices * 6 * jobBytes, alignment: 16)
            self.sliceSize = sliceSize
            self.jobBytes = jobBytes
            Parallel.forEach(slices * 6) { [self] job in
                TapJob(job, sliceSize: sliceSize, outChannels: o, inner: k, precision: precision).transform(taps: w, into: rows(job: job))
            }
        }

        /// The rows of job `job`.
        func rows(job: Int) -> UnsafeMutableRawPointer { pointer + job * jobBytes }

        func deallocate() { pointer.deallocate() }
    }

    /// Job `job` of a call with ``Weights/taps`` weights: row `a` of ξ for the output channels
    /// `first ..< first + count` (slice `job / 6` of `sliceSize` channels). Its rows of `U` are
    /// the six `[count, inner]` matrices `U[a · 6 + b]` (restricted to those channels), in the
    /// operand form of `precision`'s GEMM: floats, or packed for the bf16 kernel.
    struct TapJob {
        let a: Int, first: Int, count: Int
        let outChannels: Int, inner: Int
        let precision: Precision

        init(_ job: Int, sliceSize: Int, outChannels o: Int, inner k: Int, precision: Precision) {
            first = job / 6 * sliceSize
            a = job % 6
            count = min(sliceSize, o - first)
            outChannels = o
            inner = k
            self.precision = precision
        }

        /// Elements (floats, or 32-bit bf16 pairs) of one of the six matrices.
        static func matrixCount(count: Int, inner k: Int, precision: Precision) -> Int {
            switch precision {
            case .fp32: count * k
            case .bf16: GEMM.bf16PackedCount(m: count, k: k)
            }
        }

        /// Bytes of a job's rows.
        static func bytes(count: Int, inner k: Int, precision: Precision) -> Int {
            6 * matrixCount(count: count, inner: k, precision: precision) * 4
        }

        var bytes: Int { Self.bytes(count: count, inner: inner, precision: precision) }

        /// Writes the job's rows into `rows` (``bytes`` of them, 4-byte aligned). fp32: in double,
        /// rounded once (``transformKernelRow(taps:kernels:first:count:row:into:)``, the exact
        /// transform of ``transformWeights(_:outChannels:inChannels:)``); bf16: in float (its
        /// error, ~10⁻⁷ relative, is far below bfloat16's 2⁻⁹) a block of 12 output channels at a
        /// time, each block packed for the kernel while it is in the cache.
        func transform(taps w: UnsafePointer<Float>, into rows: UnsafeMutableRawPointer) {
            let kernels = outChannels * inner  // the layer's, whose taps are `kernels` apart
            switch precision {
            case .fp32:
                transformKernelRow(
                    taps: w, kernels: kernels, first: first * inner, count: count * inner, row: a,
                    into: rows.assumingMemoryBound(to: Float.self))
            case .bf16:
                let packed = rows.assumingMemoryBound(to: UInt32.self)
                let block = GEMM.bf16RowBlock
                let matrix = Self.matrixCount(count: count, inner: inner, precision: .bf16)
                let blockCount = GEMM.bf16PackedCount(m: block, k: inner)
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 6 * block * inner) { scratch in
                    let scratch = scratch.baseAddress!
                    var i0 = 0
                    while i0 < count {
                        let m = min(block, count - i0)
                        transformKernelRowFloat(
                            taps: w, kernels: kernels, first: (first + i0) * inner, count: m * inner, row: a,
                            into: scratch)
                        for b in 0..<6 {
                            GEMM.packBF16(
                                m: m, k: inner, a: scratch + b * m * inner, lda: inner,
                                into: packed + b * matrix + i0 / block * blockCount)
                        }
                        i0 += block
                    }
                }
            }
        }

        /// `body` with the job's rows transformed (``transform(taps:into:)``) into a buffer of its
        /// own, freed when `body` returns.
        func withTransformedRows(taps w: UnsafePointer<Float>, _ body: (UnsafeMutableRawPointer) -> Void) {
            let rows = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
            defer { rows.deallocate() }
            transform(taps: w, into: rows)
            body(rows)
        }

        /// `M[a · 6 + b]` for the job's output channels, b = 0…5, from its `rows`.
        func multiply(
            rows: UnsafeMutableRawPointer, v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, blockTiles: Int, layout: PlaneLayout
        ) {
            let k = inner, ld = layout.ld
            for b in 0..<6 {
                let xi = a * 6 + b
                let c = m + xi * layout.mPlane + first * ld
                switch precision {
                case .fp32:
                    GEMM.serial(
                        m: count, n: blockTiles, k: k, a: rows.assumingMemoryBound(to: Float.self) + b * count * k, lda: k,
                        b: v + xi * layout.vPlane, ldb: ld, c: c, ldc: ld)
                case .bf16:
                    let packed = rows.assumingMemoryBound(to: UInt32.self) + b * Self.matrixCount(count: count, inner: k, precision: .bf16)
                    GEMM.serialPackedBF16(m: count, n: blockTiles, k: k, packedA: packed, b: v + xi * layout.vPlane, ldb: ld, c: c, ldc: ld)
                }
            }
        }
    }

    /// Output channels per job when the weights are transformed during the call: all of them
    /// when six jobs (one per row of ξ) keep the workers busy, else slices of at least 32 so that
    /// every worker has about two jobs. Narrower slices would make more, smaller GEMMs, each
    /// packing the same `V[ξ]` again (slices of 32 on 2 cores: SyncNet's lip tower 10 % slower).
    static func outputSlice(outChannels o: Int, workers: Int) -> Int {
        let slices = max(1, (2 * workers + 5) / 6)
        return max(min(o, 32), (o + slices - 1) / slices)
    }

    /// Convolves `[N, C, H, W]` with `weights` (see ``Weights``) into `[N, O, H', W']`, adding
    /// `bias` and applying `activation`. ``Weights/taps`` weights of at most `tapRowsLimit` bytes
    /// once transformed (default: ``TapRows/byteLimit(_:)`` of `precision`) are transformed once
    /// for a call of several blocks (``TapRows``). ``Weights/taps`` layers run tile rows locally
    /// instead (``convolveRowLocal``) when `rowLocal` says so (default:
    /// ``runsRowLocally(outChannels:inner:precision:)``). Larger ones, over several blocks, hold
    /// every block's `V` and `M` and transform the weights once for all of them when `holdBlocks`
    /// says so (default: when those take at most ``Blocks/heldByteLimit``), else once per block.
    /// Every way runs the same GEMMs, so gives the same bits.
    static func convolve(
        input: UnsafePointer<Float>, batch: Int, geometry geo: ConvGeometry, weights: Weights,
        outChannels: Int, bias: [Float], activation: Activation, output: UnsafeMutablePointer<Float>,
        precision: Precision = .fp32, tapRowsLimit: Int? = nil, rowLocal: Bool? = nil, holdBlocks: Bool? = nil
    ) {
        let c = geo.channels, o = outChannels
        let (ho, wo) = (geo.outHeight, geo.outWidth)
        let tileRowsPerImage = (ho + 3) / 4
        let tilesPerRow = (wo + 3) / 4
        let chunks = (tilesPerRow + 7) / 8  // SIMD8 chunks per tile row
        let rowSpan = tilesPerRow
        if case .taps(let w) = weights, rowLocal ?? runsRowLocally(outChannels: o, inner: c, precision: precision) {
            convolveRowLocal(
                input: input, batch: batch, geometry: geo, taps: w, outChannels: o, bias: bias, activation: activation,
                output: output, precision: precision)
            return
        }
        let totalTileRows = batch * tileRowsPerImage
        let plan = Blocks.plan(totalTileRows: totalTileRows, tilesPerRow: tilesPerRow, inner: c, outChannels: o)
        let tapRowsFit = TapRows.bytes(outChannels: o, inner: c, precision: precision) <= tapRowsLimit ?? TapRows.byteLimit(precision)
        // Weights too large to hold transformed for the call: hold every block instead, if they
        // are small enough, and transform the weights once per job for all of them.
        let held: Bool =
            if case .taps = weights, plan.count > 1, !tapRowsFit {
                holdBlocks ?? (plan.count * plan.bytes <= Blocks.heldByteLimit)
            } else {
                false
            }
        let blocks = Blocks(totalTileRows: totalTileRows, tilesPerRow: tilesPerRow, inner: c, outChannels: o, held: held, plan: plan)
        defer { blocks.deallocate() }
        let (rowsPerBlock, layout) = (blocks.rowsPerBlock, blocks.layout)
        let tapRows: TapRows? =
            if case .taps(let w) = weights, blocks.count > 1, tapRowsFit {
                TapRows(taps: w, outChannels: o, inner: c, precision: precision)
            } else {
                nil
            }
        defer { tapRows?.deallocate() }
        // 1. Input transform of the block of `rows` tile rows from `first` into `v`, one job per channel range.
        func transformInput(first: Int, rows: Int, into v: UnsafeMutablePointer<Float>) {
            Parallel.forChunks(c, oversubscription: 4) { channels in
                let rowInput = InputRows(geometry: geo, tilesPerRow: tilesPerRow)
                defer { rowInput.deallocate() }
                rowInput.transform(
                    input: input, channels: channels, tileRows: first..<(first + rows), tileRowsPerImage: tileRowsPerImage,
                    into: v, layout: layout)
            }
        }
        bias.withUnsafeBufferPointer { bb in
            let b = bb.baseAddress!
            // 3. Output transform, bias, activation, scatter of a chunk (`src`: its `M[0]` entries)
            // of output channel `oc`, tile row `r` of the block from tile row `first`.
            @inline(__always)
            func finish(first: Int, _ src: UnsafeMutablePointer<Float>, _ oc: Int, _ r: Int, _ t0: Int) {
                let global = first + r
                let image = global / tileRowsPerImage, ty = global % tileRowsPerImage
                outputTile(
                    m: src, xiStride: layout.mPlane, bias: b[oc], activation: activation,
                    plane: output + (image * o + oc) * ho * wo, ty: ty, t0: t0, tilesPerRow: tilesPerRow,
                    height: ho, width: wo)
            }
            if held, case .taps(let w) = weights {
                let firsts = (0..<blocks.count).map { $0 * rowsPerBlock }
                let rowCounts = firsts.map { min(rowsPerBlock, totalTileRows - $0) }
                for block in 0..<blocks.count { transformInput(first: firsts[block], rows: rowCounts[block], into: blocks.v(block: block)) }
                // 2. Each job's rows of `U` transformed once, then its GEMMs for every block: the
                // same GEMMs as block by block, so the same bits.
                let sliceSize = outputSlice(outChannels: o, workers: Parallel.workerCount)
                Parallel.forEach((o + sliceSize - 1) / sliceSize * 6) { job in
                    let tapJob = TapJob(job, sliceSize: sliceSize, outChannels: o, inner: c, precision: precision)
                    tapJob.withTransformedRows(taps: w) { rowsU in
                        for block in 0..<blocks.count {
                            tapJob.multiply(
                                rows: rowsU, v: blocks.v(block: block), m: blocks.m(block: block), blockTiles: rowCounts[block] * rowSpan,
                                layout: layout)
                        }
                    }
                }
                for block in 0..<blocks.count {
                    finishBlock(
                        m: blocks.m(block: block), outChannels: o, layout: layout, rows: rowCounts[block], rowSpan: rowSpan, chunks: chunks,
                        finish: { finish(first: firsts[block], $0, $1, $2, $3) })
                }
                return
            }
            var first = 0
            while first < totalTileRows {
                let rows = min(rowsPerBlock, totalTileRows - first)
                transformInput(first: first, rows: rows, into: blocks.v)
                // 2–3. GEMMs, output transform, bias, activation, scatter.
                multiplyAndFinish(
                    u: weights, tapRows: tapRows, v: blocks.v, m: blocks.m, outChannels: o, inner: c, blockTiles: rows * rowSpan,
                    layout: layout, rows: rows, rowSpan: rowSpan, chunks: chunks, precision: precision
                ) { finish(first: first, $0, $1, $2, $3) }
                first += rows
            }
        }
    }

    /// Step 1 of the driver for one input plane and one tile row at a time: the six input rows
    /// of the tile row de-interleaved by phase, then `Bᵀ d B` of its tiles, eight at a time. Holds
    /// the scratch of one job (``deallocate()`` frees it).
    struct InputRows {
        let geo: ConvGeometry
        let tilesPerRow: Int
        let chunks: Int
        let phaseStride: Int
        let phases: UnsafeMutablePointer<Float>
        let scratch: UnsafeMutablePointer<V8>
        /// One input row with the padding as zeros on both sides, `4 · (⌊tilesPerRow / 8⌋ + 1) · 8`
        /// floats: `padded[j] = x[j − p]`, 0 outside the row.
        let padded: UnsafeMutablePointer<Float>
        let paddedCount: Int
        /// The chunks (first tiles t, the multiples of 8 in it) whose 32 floats `x[4t − p ..< 4t − p + 32]`
        /// lie inside the row: read from it directly, without a copy into `padded` (the copies,
        /// `memmove`, were 4.4 % of a fp32 `detect`'s CPU samples, 6.5 % of a bf16 one). Empty
        /// when there are none.
        let directChunks: Range<Int>

        init(geometry: ConvGeometry, tilesPerRow: Int) {
            geo = geometry
            self.tilesPerRow = tilesPerRow
            chunks = (tilesPerRow + 7) / 8
            phaseStride = chunks * 8 + 8
            phases = .allocate(capacity: 24 * phaseStride)
            phases.initialize(repeating: 0, count: 24 * phaseStride)
            scratch = .allocate(capacity: inputTileScratch)
            paddedCount = 32 * (tilesPerRow / 8 + 1)
            padded = .allocate(capacity: paddedCount)
            padded.initialize(repeating: 0, count: paddedCount)
            let pad = geometry.padding.1
            let lowest = (pad + 31) / 32 * 8  // the first t with 4t ≥ p
            let highest = min(tilesPerRow / 8 * 8, geometry.width + pad >= 32 ? (geometry.width + pad - 32) / 32 * 8 : -8)
            directChunks = lowest <= highest ? lowest..<(highest + 8) : 0..<0
        }

        func deallocate() {
            phases.deallocate()
            scratch.deallocate()
            padded.deallocate()
        }

        /// `V` of input channels `channels` of `input` (`[N, C, H, W]`) for the tile rows `tileRows`,
        /// numbered over the batch (`tileRowsPerImage` per image): channel `ch`'s row `r` of the
        /// range at `v + ch · ld + r · tilesPerRow` in each plane of `layout`.
        func transform(
            input: UnsafePointer<Float>, channels: Range<Int>, tileRows: Range<Int>, tileRowsPerImage: Int,
            into v: UnsafeMutablePointer<Float>, layout: PlaneLayout
        ) {
            let c = geo.channels
            @inline(__always)
            func plane(_ ch: Int, _ global: Int) -> UnsafePointer<Float> {
                input + (global / tileRowsPerImage * c + ch) * geo.height * geo.width
            }
            for ch in channels {
                for global in tileRows {
                    // The next tile row's input rows are fetched while this one is transformed.
                    if global + 1 < tileRows.upperBound {
                        prefetchRows(plane: plane(ch, global + 1), tileRow: (global + 1) % tileRowsPerImage)
                    } else if ch + 1 < channels.upperBound {
                        prefetchRows(plane: plane(ch + 1, tileRows.lowerBound), tileRow: tileRows.lowerBound % tileRowsPerImage)
                    }
                    transform(
                        plane: plane(ch, global), tileRow: global % tileRowsPerImage,
                        into: v + ch * layout.ld + (global - tileRows.lowerBound) * tilesPerRow, xiStride: layout.vPlane)
                }
            }
        }

        /// Hints the cache lines of the six input rows of tile row `ty` of `plane` in; nothing is
        /// read or written.
        @inline(__always)
        func prefetchRows(plane: UnsafePointer<Float>, tileRow ty: Int) {
            let y0 = max(0, 4 * ty - geo.padding.0), y1 = min(geo.height, 4 * ty - geo.padding.0 + 6)
            guard y0 < y1 else { return }
            let start = plane + y0 * geo.width, floats = (y1 - y0) * geo.width
            var i = 0
            while i < floats {
                syncbench_prefetch(start + i)
                i += 16
            }
            syncbench_prefetch(start + floats - 1)  // the last line, when `start` is not at a line's start
        }

        /// `V[ξ]` of the tiles of tile row `ty` of `plane` (`[H, W]`): tile `t`'s at
        /// `out[ξ · xiStride + t]`; the last chunk's eight-wide stores reach `out[… + chunks · 8 − 1]`.
        @inline(__always)
        func transform(plane: UnsafePointer<Float>, tileRow ty: Int, into out: UnsafeMutablePointer<Float>, xiStride: Int) {
            // De-interleave the six input rows of this tile row by phase:
            // phases[(i*4 + q) * phaseStride + t] = x[4ty − p + i][4t + q − p].
            for i in 0..<6 {
                let y = 4 * ty - geo.padding.0 + i
                let dst = phases + i * 4 * phaseStride
                if y < 0 || y >= geo.height {
                    for q in 0..<4 { (dst + q * phaseStride).update(repeating: 0, count: tilesPerRow + 1) }
                    continue
                }
                // Tiles t = 0 … tilesPerRow eight at a time, 32 floats split by phase:
                // x[4t − p ..< 4t − p + 32], read from the row itself where they lie inside it
                // (``directChunks``), else from `padded`, the row with its padding (zeros left and
                // right of it, which earlier rows leave in place: the same width and padding every
                // time), of which only the parts those chunks read are copied. Entries past
                // tilesPerRow feed only tiles past the row's last, which are never stored.
                let pad = geo.padding.1
                let row = plane + y * geo.width
                let count = min(geo.width, paddedCount - pad)
                if directChunks.isEmpty {
                    (padded + pad).update(from: row, count: count)
                } else {
                    // Left of the direct chunks: padded[0 ..< 4 · lowerBound]; right of them:
                    // padded[4 · upperBound ...].
                    let leftEnd = min(count, 4 * directChunks.lowerBound - pad)
                    if leftEnd > 0 { (padded + pad).update(from: row, count: leftEnd) }
                    let rightStart = 4 * directChunks.upperBound - pad
                    if directChunks.upperBound <= tilesPerRow, rightStart < count {
                        (padded + pad + rightStart).update(from: row + rightStart, count: count - rightStart)
                    }
                }
                var t = 0
                while t <= tilesPerRow {
                    let source = directChunks.contains(t) ? UnsafeRawPointer(row + (4 * t - pad)) : UnsafeRawPointer(padded + 4 * t)
                    let v = source.loadUnaligned(as: SIMD32<Float>.self)
                    let even = v.evenHalf, odd = v.oddHalf
                    store(even.evenHalf, dst + t)
                    store(odd.evenHalf, dst + phaseStride + t)
                    store(even.oddHalf, dst + 2 * phaseStride + t)
                    store(odd.oddHalf, dst + 3 * phaseStride + t)
                    t += 8
                }
            }
            for chunk in 0..<chunks {
                prefetchAhead(out, chunk: chunk, planes: xiStride, forWrite: true)
                inputTile(
                    phases: phases, phaseStride: phaseStride, t: chunk * 8, out: out + chunk * 8, xiStride: xiStride,
                    scratch: scratch)
            }
        }
    }

    /// A layer whose transformed weights (``TapRows/bytes(outChannels:inner:precision:sliceSize:)``
    /// with one slice) take at most this much runs tile rows locally (``convolveRowLocal``).
    ///
    /// bf16: 1.25 MiB, S3FD's 64 → 64, 64 → 128 and 128 → 128 (0.3, 0.6 and 1.1 MiB) and SyncNet's
    /// audio conv2 (0.8 MiB); layers with fewer than ``rowLocalMinOutputs`` outputs stay blocked. Measured on S3FD's layers at 244×132, 3 frames per call: 64 → 64 23.2 → 18.6 ms,
    /// 128 → 128 13.5 → 13.0 ms. The bf16 kernel sums each element's products in the same order
    /// whatever the number of columns, so the bits are the blocked driver's
    /// (`rowLocalBitIdentical`).
    ///
    /// fp32: none. It would be faster (64 → 64 25.5 → 20.9 ms, 64 → 128 11.3 → 9.7 ms), but
    /// OpenBLAS's sgemm rounds some elements differently for a different number of columns (S3FD's
    /// 64 → 64 on two random frames: 3 442 of 4.1 M outputs differ in their last bits), and fp32
    /// results stay those of earlier versions, bit for bit.
    static func rowLocalByteLimit(_ precision: Precision) -> Int {
        switch precision {
        case .fp32: 0
        case .bf16: 5 << 18
        }
    }

    /// Layers with fewer outputs stay blocked even with small weights: S3FD's heads (2 or 4 outputs
    /// from 256–1024 channels, whose jobs' `V` outgrows the cache) took 13.1–13.7 ms per 3-frame
    /// call row-locally against 9.5 ms blocked, summed over the heads, in bf16.
    static let rowLocalMinOutputs = 64

    /// Whether a layer runs tile rows locally unless told (``convolveRowLocal``): at least
    /// ``rowLocalMinOutputs`` outputs and transformed weights of at most ``rowLocalByteLimit(_:)``.
    static func runsRowLocally(outChannels o: Int, inner c: Int, precision: Precision) -> Bool {
        o >= rowLocalMinOutputs && TapRows.bytes(outChannels: o, inner: c, precision: precision, sliceSize: o) <= rowLocalByteLimit(precision)
    }

    /// Tiles per job of ``convolveRowLocal``: whole tile rows, at least this many (a GEMM of
    /// fewer columns is dominated by its packing).
    static let rowLocalTiles = 64

    /// The driver for layers with small weights: each job takes a few whole tile rows (at least
    /// ``rowLocalTiles`` tiles) and does all three steps for them on one core, into buffers of its
    /// own that stay in that core's cache: the input transform of every channel, the 36 GEMMs with
    /// every output channel (the weights transformed once for the call, ``TapRows`` with one
    /// slice), then the output transform. The blocked driver passes `V` and `M` from one core to
    /// the other between its phases, through the shared cache. The same GEMMs on fewer columns
    /// each (see ``rowLocalByteLimit(_:)`` for what that does to the bits).
    static func convolveRowLocal(
        input: UnsafePointer<Float>, batch: Int, geometry geo: ConvGeometry, taps w: UnsafePointer<Float>,
        outChannels o: Int, bias: [Float], activation: Activation, output: UnsafeMutablePointer<Float>,
        precision: Precision
    ) {
        let c = geo.channels
        let (ho, wo) = (geo.outHeight, geo.outWidth)
        let tileRowsPerImage = (ho + 3) / 4
        let tilesPerRow = (wo + 3) / 4
        let chunks = (tilesPerRow + 7) / 8
        let totalTileRows = batch * tileRowsPerImage
        let g = (rowLocalTiles + tilesPerRow - 1) / tilesPerRow  // tile rows per job
        let jobs = (totalTileRows + g - 1) / g
        let layout = PlaneLayout(columns: g * tilesPerRow, inner: c, outChannels: o)
        let ld = layout.ld
        let rowsU = TapRows(taps: w, outChannels: o, inner: c, precision: precision, sliceSize: o)
        defer { rowsU.deallocate() }
        bias.withUnsafeBufferPointer { bb in
            let b = bb.baseAddress!
            Parallel.forEach(jobs) { job in
                let first = job * g, rows = min(g, totalTileRows - first)
                let n = rows * tilesPerRow
                // Only the columns past the job's tiles start at zero: its last chunk reads up to 7.
                let (v, m) = layout.allocate(outChannels: o, usedColumns: n)
                let rowInput = InputRows(geometry: geo, tilesPerRow: tilesPerRow)
                defer {
                    v.deallocate()
                    m.deallocate()
                    rowInput.deallocate()
                }
                rowInput.transform(
                    input: input, channels: 0..<c, tileRows: first..<(first + rows), tileRowsPerImage: tileRowsPerImage,
                    into: v, layout: layout)
                for a in 0..<6 {
                    TapJob(a, sliceSize: o, outChannels: o, inner: c, precision: precision).multiply(
                        rows: rowsU.rows(job: a), v: v, m: m, blockTiles: n, layout: layout)
                }
                for oc in 0..<o {
                    for r in 0..<rows {
                        let global = first + r
                        let image = global / tileRowsPerImage, ty = global % tileRowsPerImage
                        for chunk in 0..<chunks {
                            outputTile(
                                m: m + oc * ld + r * tilesPerRow + chunk * 8, xiStride: layout.mPlane, bias: b[oc], activation: activation,
                                plane: output + (image * o + oc) * ho * wo, ty: ty, t0: chunk * 8, tilesPerRow: tilesPerRow,
                                height: ho, width: wo)
                        }
                    }
                }
            }
        }
    }

    /// Steps 2 and 3 of a Winograd driver for one block of tile rows (shared with
    /// ``PolyphaseWinograd``): the 36 GEMMs `M[ξ] = U[ξ] · V[ξ]` (`U` is `[36, O, inner]`, `V`
    /// `[36, inner, ld]` and `M` `[36, O, ld]` as `layout` places them), then
    /// `finish(src, outputChannel, tileRow, firstTile)` for every output
    /// channel, tile row of the block and chunk of 8 tiles, with `src` pointing at the chunk's
    /// `M[0]` entries; output channels are spread over the workers. With ``Weights/taps``
    /// weights, each job transforms the `U` rows it multiplies with (a slice of output channels,
    /// one row of ξ) into its own buffer first, unless `tapRows` holds them transformed for the call.
    @inline(__always)
    static func multiplyAndFinish(
        u: Weights, tapRows: TapRows? = nil, v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>,
        outChannels o: Int, inner k: Int, blockTiles: Int, layout: PlaneLayout, rows: Int, rowSpan: Int, chunks: Int,
        precision: Precision, finish: (UnsafeMutablePointer<Float>, Int, Int, Int) -> Void
    ) {
        switch u {
        case .transformed(let u):
            Parallel.forEach(36) { xi in
                GEMM.serial(
                    m: o, n: blockTiles, k: k, a: u + xi * o * k, lda: k,
                    b: v + xi * layout.vPlane, ldb: layout.ld, c: m + xi * layout.mPlane, ldc: layout.ld, precision: precision)
            }
        case .taps(let w):
            let sliceSize = tapRows?.sliceSize ?? outputSlice(outChannels: o, workers: Parallel.workerCount)
            let slices = (o + sliceSize - 1) / sliceSize
            Parallel.forEach(slices * 6) { job in
                let tapJob = TapJob(job, sliceSize: sliceSize, outChannels: o, inner: k, precision: precision)
                if let tapRows {
                    tapJob.multiply(rows: tapRows.rows(job: job), v: v, m: m, blockTiles: blockTiles, layout: layout)
                } else {
                    tapJob.withTransformedRows(taps: w) { tapJob.multiply(rows: $0, v: v, m: m, blockTiles: blockTiles, layout: layout) }
                }
            }
        }
        finishBlock(m: m, outChannels: o, layout: layout, rows: rows, rowSpan: rowSpan, chunks: chunks, finish: finish)
    }

    /// Step 3 of a Winograd driver for one block: `finish(src, outputChannel, tileRow, firstTile)`
    /// for every output channel, tile row of the block and chunk of 8 tiles of `M`, as
    /// ``multiplyAndFinish`` describes; output channels are spread over the workers.
    @inline(__always)
    static func finishBlock(
        m: UnsafeMutablePointer<Float>, outChannels o: Int, layout: PlaneLayout, rows: Int, rowSpan: Int, chunks: Int,
        finish: (UnsafeMutablePointer<Float>, Int, Int, Int) -> Void
    ) {
        Parallel.forChunks(o, oversubscription: 4) { outs in
            for oc in outs {
                for r in 0..<rows {
                    let src = m + oc * layout.ld + r * rowSpan
                    for chunk in 0..<chunks {
                        prefetchAhead(src, chunk: chunk, planes: layout.mPlane, forWrite: false)
                        finish(src + chunk * 8, oc, r, chunk * 8)
                    }
                }
            }
        }
    }

    /// The `V8`s of scratch an input tile transform needs (``inputTile(phases:phaseStride:t:out:xiStride:scratch:)``,
    /// ``PolyphaseWinograd``'s too): the 6×6 row transforms. A job allocates them once: as a
    /// temporary allocation per tile (1 152 bytes, over the 1 024 that Swift always keeps on the
    /// stack) they went through malloc and free every time: about 10 % of the samples of a bf16
    /// `detect` under `perf`.
    static let inputTileScratch = 36

    /// `Bᵀ d B` for 8 adjacent tiles starting at tile `t`; writes `out[ξ · xiStride + 0..<8]`.
    /// `scratch` holds ``inputTileScratch`` vectors.
    @inline(__always)
    static func inputTile(
        phases: UnsafeMutablePointer<Float>, phaseStride: Int, t: Int, out: UnsafeMutablePointer<Float>, xiStride: Int,
        scratch tp: UnsafeMutablePointer<V8>
    ) {
        // Row transform (along x) of each of the six rows: tmp[i][b].
        for i in 0..<6 {
            let base = phases + i * 4 * phaseStride + t
            let d0 = load(base), d1 = load(base + phaseStride), d2 = load(base + 2 * phaseStride)
            let d3 = load(base + 3 * phaseStride), d4 = load(base + 1), d5 = load(base + phaseStride + 1)
            bt6(d0, d1, d2, d3, d4, d5, into: tp + i * 6, stride: 1)
        }
        // Column transform (along y) for every b.
        for bcol in 0..<6 {
            let col = tp + bcol
            withUnsafeTemporaryAllocation(of: V8.self, capacity: 6) { res in
                let res = res.baseAddress!
                bt6(col[0], col[6], col[12], col[18], col[24], col[30], into: res, stride: 1)
                for a in 0..<6 { store(res[a], out + (a * 6 + bcol) * xiStride) }
            }
        }
    }

    @inline(__always)
    static func bt6(_ d0: V8, _ d1: V8, _ d2: V8, _ d3: V8, _ d4: V8, _ d5: V8, into o: UnsafeMutablePointer<V8>, stride s: Int) {
        let four: Float = 4, five: Float = 5, two: Float = 2
        o[0] = four * d0 - five * d2 + d4
        let a = d3 + d4 - four * (d1 + d2)  // −4d1 − 4d2 + d3 + d4
        let bb = d4 - d3 + four * (d1 - d2)  // 4d1 − 4d2 − d3 + d4
        o[s] = a
        o[2 * s] = bb
        let c1 = d4 - d2, c2 = two * (d3 - d1)
        o[3 * s] = c1 + c2  // −2d1 − d2 + 2d3 + d4
        o[4 * s] = c1 - c2  // 2d1 − d2 − 2d3 + d4
        o[5 * s] = four * d1 - five * d3 + d5
    }

    /// `Aᵀ M A` for 8 adjacent tiles; adds `bias`, applies `activation` and writes the valid part
    /// of the 4×4 blocks into the output plane.
    @inline(__always)
    static func outputTile(
        m: UnsafeMutablePointer<Float>, xiStride: Int, bias: Float, activation: Activation,
        plane: UnsafeMutablePointer<Float>, ty: Int, t0: Int, tilesPerRow: Int, height: Int, width: Int
    ) {
        // Column transform first (along y): tmp[r][b] = Σ_a Aᵀ[r][a] · M[a][b].
        withUnsafeTemporaryAllocation(of: V8.self, capacity: 24) { tp in
            let tp = tp.baseAddress!
            for bcol in 0..<6 {
                let m0 = load(m + (0 * 6 + bcol) * xiStride), m1 = load(m + (1 * 6 + bcol) * xiStride)
                let m2 = load(m + (2 * 6 + bcol) * xiStride), m3 = load(m + (3 * 6 + bcol) * xiStride)
                let m4 = load(m + (4 * 6 + bcol) * xiStride), m5 = load(m + (5 * 6 + bcol) * xiStride)
                at4(m0, m1, m2, m3, m4, m5, into: tp + bcol, stride: 6)
            }
            withUnsafeTemporaryAllocation(of: V8.self, capacity: 16) { rp in
                let rp = rp.baseAddress!
                let bv = V8(repeating: bias)
                for r in 0..<4 {
                    let row = tp + r * 6
                    at4(row[0], row[1], row[2], row[3], row[4], row[5], into: rp + r * 4, stride: 1)
                    for s in 0..<4 {
                        var val = rp[r * 4 + s] + bv
                        if activation == .relu { val = val.replacing(with: 0, where: val .< 0) }
                        rp[r * 4 + s] = val
                    }
                }
                let full = 4 * (t0 + 8) <= width
                for r in 0..<4 {
                    let y = 4 * ty + r
                    if y >= height { break }
                    let dst = plane + y * width
                    // Interleave the four column vectors into 32 consecutive outputs.
                    let a = rp[r * 4], b = rp[r * 4 + 1], c = rp[r * 4 + 2], d = rp[r * 4 + 3]
                    var row = SIMD32<Float>()
                    for t in 0..<8 {
                        row[4 * t] = a[t]
                        row[4 * t + 1] = b[t]
                        row[4 * t + 2] = c[t]
                        row[4 * t + 3] = d[t]
                    }
                    if full {
                        UnsafeMutableRawPointer(dst + 4 * t0).storeBytes(of: row, as: SIMD32<Float>.self)
                        continue
                    }
                    // The row's last chunk: the outputs inside the row, copied from the interleaved
                    // vector rather than picked from the four one by one (S3FD's 512-channel layers,
                    // 31 wide, have no full chunk at all).
                    let valid = min(32, width - 4 * t0)
                    withUnsafeBytes(of: row) { bytes in
                        (dst + 4 * t0).update(from: bytes.assumingMemoryBound(to: Float.self).baseAddress!, count: valid)
                    }
                }
            }
        }
    }

    @inline(__always)
    static func at4(_ m0: V8, _ m1: V8, _ m2: V8, _ m3: V8, _ m4: V8, _ m5: V8, into o: UnsafeMutablePointer<V8>, stride s: Int) {
        let two: Float = 2, four: Float = 4, eight: Float = 8
        let p12 = m1 + m2, d12 = m1 - m2, p34 = m3 + m4, d34 = m3 - m4
        o[0] = m0 + p12 + p34
        o[s] = d12 + two * d34
        o[2 * s] = p12 + four * p34
        o[3 * s] = d12 + eight * d34 + m5
    }

    /// For a transform about to take chunk `chunk` (8 tiles) of a row at `row` in each of the 36
    /// planes `planes` apart, going through the chunks in order: asks for the line four chunks
    /// (32 floats) ahead in every plane, at every other chunk (a line holds two). The hardware's
    /// prefetchers follow a few streams, not 36: without these the output transforms waited for
    /// `M` to come from the L3 cache, the input transforms for the lines of `V` they write
    /// (docs/performance.md, "Cache lines ahead"). Hints only: nothing is read or written, so no
    /// result changes.
    @inline(__always)
    static func prefetchAhead(_ row: UnsafeMutablePointer<Float>, chunk: Int, planes: Int, forWrite: Bool) {
        guard chunk & 1 == 0 else { return }
        let ahead = row + chunk * 8 + 32
        for xi in 0..<36 {
            if forWrite { syncbench_prefetch_for_write(ahead + xi * planes) } else { syncbench_prefetch(ahead + xi * planes) }
        }
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> V8 {
        UnsafeRawPointer(p).loadUnaligned(as: V8.self)
    }
    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> V8 {
        UnsafeRawPointer(p).loadUnaligned(as: V8.self)
    }
    @inline(__always) static func store(_ x: V8, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: x, as: V8.self)
    }
}
