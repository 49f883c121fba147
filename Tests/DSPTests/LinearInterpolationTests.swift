import Testing
import DSP

@Suite("LinearInterpolation (numpy.interp)")
struct LinearInterpolationTests {
    @Test("bit-for-bit equal to numpy.interp (and interp1d in range)")
    func golden() throws {
        let interpolation = try LinearInterpolation(
            samplePoints: Fixtures.npy("interp_sample_points.npy").float64Values(),
            values: Fixtures.npy("interp_values.npy").float64Values())
        let x = try Fixtures.npy("interp_x.npy").float64Values()
        let expected = try Fixtures.npy("interp_output.npy").float64Values()
        let ours = interpolation(x)
        #expect(ours.count == expected.count)
        for (i, (a, b)) in zip(ours, expected).enumerated() where a.bitPattern != b.bitPattern {
            Issue.record("x = \(x[i]): got \(a), numpy gives \(b)")
        }
    }

    @Test("hand cases: knots exact, slope·(x − x_j) + f_j between, clamped outside")
    func handCases() throws {
        let f = try LinearInterpolation(samplePoints: [0, 10, 12], values: [0, 1, -3])
        #expect(f(5) == 0.5)
        #expect(f(10) == 1 && f(12) == -3 && f(0) == 0)
        #expect(f(11) == -2.0 * (11 - 10) + 1)
        #expect(f(-1) == 0 && f(100) == -3)
        #expect(f(Double.nan).isNaN)
        // The evaluation order matters in the last bit: (0.1 − 0.3)/(3 − 0) · (1 − 0) + 0.3.
        let g = try LinearInterpolation(samplePoints: [0, 3], values: [0.3, 0.1])
        #expect(g(1).bitPattern == ((0.1 - 0.3) / 3 * 1 + 0.3).bitPattern)
        let single = try LinearInterpolation(samplePoints: [4], values: [7])
        #expect(single([3, 4, 5, .nan]) == [7, 7, 7, 7])
    }

    @Test("rejects empty, mismatched and non-increasing sample points")
    func errors() {
        #expect(throws: LinearInterpolation.Error.empty) { try LinearInterpolation(samplePoints: [], values: []) }
        #expect(throws: LinearInterpolation.Error.countMismatch(samplePoints: 2, values: 1)) {
            try LinearInterpolation(samplePoints: [0, 1], values: [0])
        }
        #expect(throws: LinearInterpolation.Error.notStrictlyIncreasing(index: 1)) {
            try LinearInterpolation(samplePoints: [0, 2, 2], values: [0, 1, 2])
        }
    }

    /// Values printed by scipy 1.17.1 `interp1d(x, y)` (= numpy.interp) for repeated points.
    @Test("repeated sample points follow numpy.interp when allowed")
    func repeatedPoints() throws {
        let f = try LinearInterpolation(samplePoints: [0, 1, 1, 2], values: [1, 2, 5, 4], allowingRepeats: true)
        #expect(f([0, 0.5, 1, 1.5, 2]) == [1, 1.5, 5, 4.5, 4])
        let g = try LinearInterpolation(samplePoints: [0, 0, 1, 2], values: [1, 2, 3, 4], allowingRepeats: true)
        #expect(g([0, 1, 2]) == [2, 3, 4])
        #expect(throws: LinearInterpolation.Error.notStrictlyIncreasing(index: 0)) {
            try LinearInterpolation(samplePoints: [1, 0], values: [0, 1], allowingRepeats: true)
        }
    }
}
