import Testing
import DSP

@Suite("medianFilter (scipy.signal.medfilt)")
struct MedianFilterTests {
    @Test("float64, kernel 13: bit-for-bit equal to SciPy", arguments: [1, 5, 13, 50])
    func goldenDouble(n: Int) throws {
        let x = try Fixtures.npy("medfilt_f64_k13_n\(n)_input.npy").float64Values()
        let expected = try Fixtures.npy("medfilt_f64_k13_n\(n)_output.npy").float64Values()
        #expect(medianFilter(x, kernelSize: 13).map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test("float32, kernel 9: bit-for-bit equal to SciPy", arguments: [1, 5, 13, 50])
    func goldenFloat(n: Int) throws {
        let x = try Fixtures.npy("medfilt_f32_k9_n\(n)_input.npy").float32Values()
        let expected = try Fixtures.npy("medfilt_f32_k9_n\(n)_output.npy").float32Values()
        #expect(medianFilter(x, kernelSize: 9).map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test("hand cases: zero padding, ties, negatives, kernel 1, empty input")
    func handCases() {
        // Window 3 at i = 0 is (0, 1, 2): median 1; at the end (2, 3, 0): median 2.
        #expect(medianFilter([1.0, 2, 3], kernelSize: 3) == [1, 2, 2])
        // All positive: the padding zeros pull the first outputs down; y_0 = smallest of the first 7.
        let rising = (1...20).map(Double.init)
        let filtered = medianFilter(rising, kernelSize: 13)
        #expect(filtered[0] == 1 && filtered[6] == 7 && filtered[13] == 14 && filtered[19] == 14)
        // Negatives: the padding zeros now push the ends up.
        #expect(medianFilter([-3.0, -1, -2], kernelSize: 3) == [-1, -2, -1])
        // Ties.
        #expect(medianFilter([Float](repeating: 2.5, count: 4), kernelSize: 3) == [2.5, 2.5, 2.5, 2.5])
        #expect(medianFilter([5.0, -7, 9], kernelSize: 1) == [5, -7, 9])
        #expect(medianFilter([Double](), kernelSize: 9).isEmpty)
    }
}
