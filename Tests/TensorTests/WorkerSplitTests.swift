import Testing

@testable import Tensor

/// `bench run --jobs N` gives each job `cores / N` workers (`Parallel.withWorkers`); a score must
/// not depend on it. On a one-core machine both sides use one worker and the tests show nothing;
/// CI has two cores.
@Suite("Sharing the cores among jobs never changes a result")
struct WorkerSplitTests {
    /// Values with full float32 mantissas, so that any change of summation order would show.
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state) >> 11) / Float(1 << 52) - 0.5
        }
    }

    @Test("the worker count is the machine's by default and the given one inside withWorkers, restored after")
    func budget() {
        #expect(Parallel.workerCount == Parallel.processorCount)
        let inside = Parallel.withWorkers(1) { (Parallel.workerCount, Parallel.withWorkers(1000) { Parallel.workerCount }) }
        #expect(inside.0 == 1 && inside.1 == Parallel.processorCount)
        #expect(Parallel.workerCount == Parallel.processorCount)
    }

    @Test("inside withWorkers(share) the pieces run at once follow the share, clamped to the worker count, which it leaves alone; restored after")
    func share() {
        let share = Parallel.WorkerShare(1)
        let seen = Parallel.withWorkers(share) {
            var counts = [Parallel.concurrency, Parallel.workerCount]
            share.count = 1000
            counts.append(Parallel.concurrency)
            share.count = 0
            counts.append(Parallel.concurrency)
            share.count = 2
            counts.append(Parallel.withWorkers(1) { Parallel.concurrency })
            return counts
        }
        #expect(seen == [1, Parallel.processorCount, Parallel.processorCount, 1, 1])
        #expect(Parallel.concurrency == Parallel.processorCount && Parallel.workerCount == Parallel.processorCount)
        // A share inside withWorkers(1): at most the one worker.
        #expect(Parallel.withWorkers(1) { Parallel.withWorkers(share) { Parallel.concurrency } } == 1)
    }

    @Test("a convolution whose share of the cores changes while it runs equals the one with every core, bit for bit")
    func changingShare() async {
        let conv = Conv2D(
            weight: Self.values(32 * 16 * 9, seed: 6), outChannels: 32, inChannels: 16, kernel: (3, 3), bias: Self.values(32, seed: 7),
            padding: (1, 1), activation: .relu)
        let input = Tensor(shape: [2, 16, 40, 56], scalars: Self.values(2 * 16 * 40 * 56, seed: 8))
        let share = Parallel.WorkerShare(1)
        // Another task flips the share between 1 and all while the layers run.
        let flipping = Task.detached {
            var n = 0
            while !Task.isCancelled {
                share.count = n % 2 == 0 ? Parallel.processorCount : 1
                n += 1
                await Task.yield()
            }
        }
        for algorithm in [Conv2D.Algorithm.im2col, .winograd] {
            let all = conv(input, algorithm: algorithm)
            let results = Parallel.withWorkers(share) { (0..<10).map { _ in conv(input, algorithm: algorithm).scalars } }
            #expect(results.allSatisfy { $0 == all.scalars }, "\(algorithm)")
        }
        flipping.cancel()
    }

    @Test("a GEMM split over the workers equals the one-worker product bit for bit")
    func gemm() {
        // m·n·k ≥ GEMM.parallelThreshold and n ≥ 16 per worker: the columns are split.
        let (m, n, k) = (64, 512, 96)
        let a = Self.values(m * k, seed: 1)
        let b = Self.values(k * n, seed: 2)
        let all = GEMM.product(a, b, m: m, n: n, k: k)
        let one = Parallel.withWorkers(1) { GEMM.product(a, b, m: m, n: n, k: k) }
        #expect(all == one)
    }

    @Test("a convolution with one worker equals all workers bit for bit", arguments: [Conv2D.Algorithm.im2col, .winograd])
    func convolution(algorithm: Conv2D.Algorithm) {
        let conv = Conv2D(
            weight: Self.values(32 * 16 * 9, seed: 3), outChannels: 32, inChannels: 16, kernel: (3, 3), bias: Self.values(32, seed: 4),
            padding: (1, 1), activation: .relu)
        let input = Tensor(shape: [2, 16, 40, 56], scalars: Self.values(2 * 16 * 40 * 56, seed: 5))
        let all = conv(input, algorithm: algorithm)
        let one = Parallel.withWorkers(1) { conv(input, algorithm: algorithm) }
        #expect(all.scalars == one.scalars)
    }
}
