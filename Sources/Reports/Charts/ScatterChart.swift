/// LSE-C against LSE-D, one point per scored sample, colour and marker per model.
///
/// Good samples sit top left (high confidence, low distance). Models without a scored sample are in
/// the legend with "no score".
struct ScatterChart: Chart {
    struct Series {
        var label: String
        var style: ModelStyle
        /// x: LSE-D, y: LSE-C.
        var points: [ChartPoint]
        var total: Int
    }

    var title: String
    var subtitle: String
    var series: [Series]
    var width: Double = 760
    var height: Double = 500
    /// Axis titles (the report's scatter: LSE-D across, LSE-C up).
    var xLabel = "LSE-D (lower is better)"
    var yLabel = "LSE-C (higher is better)"
    /// Draw the line y = x over a range shared by both axes (`verify`: ours against published).
    var identityLine = false

    func draw(on canvas: Canvas) {
        canvas.drawTitles(title, subtitle, width: width)
        let legendWidth = 200.0
        let left = 62.0
        let right = width - legendWidth - 16
        let top = 62.0
        let bottom = height - 52
        let points = series.flatMap(\.points)
        // Pad the data range by 5 % so that no marker sits on the frame.
        func padded(_ values: [Double]) -> (Double, Double) {
            guard let low = values.min(), let high = values.max() else { return (0, 1) }
            let margin = max((high - low) * 0.05, 0.1)
            return (low - margin, high + margin)
        }
        var (xLow, xHigh) = padded(points.map(\.x))
        var (yLow, yHigh) = padded(points.map(\.y))
        if identityLine {
            (xLow, xHigh) = (min(xLow, yLow), max(xHigh, yHigh))
            (yLow, yHigh) = (xLow, xHigh)
        }
        let xs = LinearScale.nice(xLow, xHigh, ticks: 6, start: left, end: right)
        let ys = LinearScale.nice(yLow, yHigh, ticks: 6, start: bottom, end: top)
        canvas.drawGrid(xs: xs, ys: ys, plot: ChartRect(x: left, y: top, width: right - left, height: bottom - top))
        canvas.stroke(ChartRect(x: left, y: top, width: right - left, height: bottom - top), Palette.axis)
        if identityLine {
            let low = max(xs.lower, ys.lower), high = min(xs.upper, ys.upper)
            if low < high {
                canvas.line(from: ChartPoint(x: xs(low), y: ys(low)), to: ChartPoint(x: xs(high), y: ys(high)), Palette.axis, width: 1, dash: [4, 3])
            }
        }
        canvas.text(xLabel, at: ChartPoint(x: (left + right) / 2, y: bottom + 36), font: .label, anchor: .middle)
        canvas.text(
            yLabel, at: ChartPoint(x: 16, y: (top + bottom) / 2), font: .label, anchor: .middle, baseline: .top,
            degrees: -90)
        for entry in series {
            for point in entry.points {
                canvas.marker(
                    entry.style.marker, at: ChartPoint(x: xs(point.x), y: ys(point.y)), size: 8, fill: entry.style.color.opacity(0.8),
                    outline: Palette.whisker.opacity(0.7))
            }
        }
        let legend = series.map { entry in
            (label: entry.points.isEmpty && !identityLine ? "\(entry.label): no score (0/\(entry.total))" : "\(entry.label) (\(entry.points.count)/\(entry.total))",
                style: entry.style)
        }
        canvas.drawLegend(legend, x: right + 16, y: top, width: legendWidth, columns: 1)
    }
}
