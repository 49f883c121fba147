import Foundation

/// Maps data values to pixel positions linearly, with "nice" tick values (1, 2 or 5 × 10^k apart).
struct LinearScale {
    /// The data interval, already widened to tick values by ``nice(_:_:ticks:)``.
    var lower: Double
    var upper: Double
    /// The pixel positions of `lower` and `upper` (`start > end` for a y axis pointing up).
    var start: Double
    var end: Double
    /// The distance between ticks.
    var step: Double

    /// A scale over `minimum...maximum` widened to multiples of a nice step giving about `ticks`
    /// intervals. An empty or degenerate interval becomes a unit interval around its value.
    static func nice(_ minimum: Double, _ maximum: Double, ticks: Int = 5, start: Double, end: Double) -> LinearScale {
        var low = minimum
        var high = maximum
        if !(low.isFinite && high.isFinite) || low > high { (low, high) = (0, 1) }
        if high - low < 1e-9 { (low, high) = (low - 0.5, high + 0.5) }
        let rough = (high - low) / Double(max(ticks, 1))
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let fraction = rough / magnitude
        let step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude
        return LinearScale(
            lower: (low / step).rounded(.down) * step, upper: (high / step).rounded(.up) * step, start: start, end: end, step: step)
    }

    /// The pixel position of `value`.
    func callAsFunction(_ value: Double) -> Double {
        start + (value - lower) / (upper - lower) * (end - start)
    }

    /// The tick values from `lower` to `upper`.
    var ticks: [Double] {
        let count = Int(((upper - lower) / step).rounded())
        return (0...count).map { lower + Double($0) * step }
    }

    /// A tick label with as many decimals as the step needs.
    func label(_ value: Double) -> String {
        let decimals = max(0, Int((-log10(step)).rounded(.up)))
        return HTML.number(value, decimals: decimals)
    }
}
