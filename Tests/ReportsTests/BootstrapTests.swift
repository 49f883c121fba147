import Foundation
import Testing
@testable import Reports

@Suite("Seeded generators and the bootstrap")
struct BootstrapTests {
    @Test("SplitMix64 from seed 0 gives the reference's first outputs")
    func splitMix() {
        // Vigna's splitmix64.c from seed 0; also reproduced with a Python transcription of that code.
        var generator = SplitMix64(seed: 0)
        #expect([generator.next(), generator.next(), generator.next()] == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
    }

    @Test("xoshiro256** matches a transcription of the reference C code")
    func xoshiro() {
        // Expected values from a Python transcription of xoshiro256starstar.c run on the same states.
        var fromState = Xoshiro256StarStar(state: (1, 2, 3, 4))
        #expect((0..<4).map { _ in fromState.next() } == [0x2D00, 0, 0x5A00_7080, 0x10E0_0000_0000_9D80])
        var fromSeed = Xoshiro256StarStar(seed: 42)  // state = the first four SplitMix64(42) outputs
        #expect((0..<3).map { _ in fromSeed.next() } == [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1])
    }

    @Test("bounded draws stay in range and are close to uniform")
    func boundedDraws() {
        var generator = Xoshiro256StarStar(seed: 7)
        var counts = [Int](repeating: 0, count: 6)
        for _ in 0..<60_000 {
            let draw = generator.next(below: 6)
            #expect((0..<6).contains(draw))
            counts[draw] += 1
        }
        // Expected 10 000 each, standard deviation ≈ 91: ±500 is more than 5 sigma.
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 }, "\(counts)")
        var one = Xoshiro256StarStar(seed: 7)
        #expect((0..<100).allSatisfy { _ in one.next(below: 1) == 0 })
    }

    @Test("type-7 quantiles as NumPy computes them")
    func quantiles() {
        // np.quantile([1, 2, 3, 4], [0, 0.25, 0.5, 0.975, 1]) = [1, 1.75, 2.5, 3.925, 4]
        let sorted: [Double] = [1, 2, 3, 4]
        #expect(Descriptive.quantile(sorted: sorted, 0) == 1)
        #expect(Descriptive.quantile(sorted: sorted, 0.25) == 1.75)
        #expect(Descriptive.quantile(sorted: sorted, 0.5) == 2.5)
        #expect(abs(Descriptive.quantile(sorted: sorted, 0.975) - 3.925) < 1e-12)
        #expect(Descriptive.quantile(sorted: sorted, 1) == 4)
        #expect(Descriptive.median([5, 1, 3]) == 3 && Descriptive.median([]) == nil)
    }

    static let skewed: [Double] = [0.5, 1.2, 1.9, 2.2, 2.4, 3.1, 3.3, 4.8, 5.0, 7.5, 9.9, 12.0]

    @Test("the same seed and label reproduce the interval; another seed or label changes it")
    func reproducible() throws {
        let bootstrap = Bootstrap(replicates: 2_000, seed: 1234)
        let first = try #require(bootstrap.mean(of: Self.skewed, label: "m|all|LSE-C"))
        let again = try #require(Bootstrap(replicates: 2_000, seed: 1234).mean(of: Self.skewed, label: "m|all|LSE-C"))
        #expect(first == again)
        let otherSeed = try #require(Bootstrap(replicates: 2_000, seed: 1235).mean(of: Self.skewed, label: "m|all|LSE-C"))
        let otherLabel = try #require(bootstrap.mean(of: Self.skewed, label: "m|all|LSE-D"))
        #expect(otherSeed.mean == first.mean && otherLabel.mean == first.mean)
        #expect(otherSeed.lower != first.lower || otherSeed.upper != first.upper)
        #expect(otherLabel.lower != first.lower || otherLabel.upper != first.upper)
        #expect(bootstrap.seed(for: "a") != bootstrap.seed(for: "b"))
    }

    @Test("intervals contain the sample mean", arguments: [
        [6.1, 5.2, 7.3, 4.4, 6.8, 5.9, 7.7, 3.9, 6.0, 6.6],
        BootstrapTests.skewed,
        [-3.0, 0.0, 0.0, 0.0, 10.0],
        [8.185, 8.190],
    ])
    func containsMean(values: [Double]) throws {
        let estimate = try #require(Bootstrap(replicates: 4_000).mean(of: values, label: "table"))
        #expect(estimate.mean == values.reduce(0, +) / Double(values.count))
        #expect(estimate.count == values.count)
        #expect(estimate.lower < estimate.upper)
        #expect(estimate.intervalContains(estimate.mean), "\(estimate)")
        #expect(estimate.lower >= values.min()! && estimate.upper <= values.max()!)
    }

    @Test("a constant sample gives a zero-width interval at the constant")
    func constant() throws {
        let estimate = try #require(Bootstrap(replicates: 500).mean(of: [Double](repeating: 0.1, count: 10), label: "constant"))
        #expect(estimate.lower == estimate.upper && estimate.lower == estimate.mean)
        #expect(abs(estimate.mean - 0.1) < 1e-15)
        let single = try #require(Bootstrap(replicates: 100).mean(of: [4.25], label: "one"))
        #expect(single.mean == 4.25 && single.lower == 4.25 && single.upper == 4.25)
        #expect(Bootstrap().mean(of: [], label: "none") == nil)
    }

    @Test("the 95 % interval of a large sample's mean is close to mean ± 1.96 s/√n")
    func normalApproximation() throws {
        // 400 values uniform on [0, 1) from a separate generator: s ≈ 0.2887, so s/√n ≈ 0.0144.
        var source = Xoshiro256StarStar(seed: 99)
        let values = (0..<400).map { _ in Double(source.next() >> 11) / Double(1 << 53) }
        let mean = values.reduce(0, +) / 400
        let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 399).squareRoot()
        let halfWidth = 1.96 * sd / 20
        let estimate = try #require(Bootstrap(replicates: 10_000).mean(of: values, label: "uniform"))
        // The bootstrap uses the 1/n variance and Monte Carlo noise: allow 6 % of the half width.
        #expect(abs((estimate.upper - estimate.lower) / 2 - halfWidth) < 0.06 * halfWidth, "\(estimate) vs ±\(halfWidth)")
        #expect(abs((estimate.upper + estimate.lower) / 2 - mean) < 0.1 * halfWidth)
    }

    @Test("columns resampled together share their draws")
    func jointColumns() throws {
        // The second column is the first plus 1: if the draws are shared, every replicate mean, and so
        // every bound, differs by 1 too (to rounding); with independent draws the bounds would not.
        let first: [Double] = [0.25, 1.5, 2.75, 3.0, 4.5, 5.25, 9.0, 0.5]
        let estimates = try #require(Bootstrap(replicates: 1_000).means(of: [first, first.map { $0 + 1 }], label: "joint"))
        #expect(abs(estimates[1].lower - (estimates[0].lower + 1)) < 1e-12 && abs(estimates[1].upper - (estimates[0].upper + 1)) < 1e-12)
        #expect(estimates[1].mean == estimates[0].mean + 1)
    }
}
