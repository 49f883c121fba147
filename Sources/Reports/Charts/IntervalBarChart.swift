/// One bar per model: the mean of a metric with its 95 % interval as a whisker, best first.
///
/// Models without a scored sample keep their row, labelled "no score"; small-sample rows are
/// marked † and drawn lighter.
struct IntervalBarChart: Chart {
    struct Row {
        var label: String
        var style: ModelStyle
        var estimate: MeanEstimate?
        /// Scored samples / samples, shown after the label.
        var scored: Int
        var total: Int
        var isSmallSample: Bool
    }

    var title: String
    var subtitle: String
    var rows: [Row]
    /// The footnote explaining †, shown when a row is flagged.
    var smallSampleNote: String
    var width: Double = 760

    private static let rowHeight = 28.0
    private static let top = 58.0
    var height: Double { Self.top + Double(max(rows.count, 1)) * Self.rowHeight + 50 }

    func draw(on canvas: Canvas) {
        canvas.drawTitles(title, subtitle, width: width)
        let labels = rows.map { "\($0.label)  \($0.scored)/\($0.total)\($0.isSmallSample ? " †" : "")" }
        let labelWidth = min(260, (labels.map { canvas.textWidth($0, font: .label) }.max() ?? 60))
        // Wide enough for the longest value text (stand-in weights give LSE-D in the hundreds).
        let valueTexts = rows.map { $0.estimate.flatMap(HTML.estimate) ?? "" }
        let valueWidth = (valueTexts + ["00.000 [00.000, 00.000]"]).map { canvas.textWidth($0, font: .small) }.max()! + 16
        let left = 14 + labelWidth + 10
        let right = width - 14 - valueWidth
        let bottom = Self.top + Double(max(rows.count, 1)) * Self.rowHeight
        let estimates = rows.compactMap(\.estimate)
        let scale = LinearScale.nice(
            min(0, estimates.map(\.lower).min() ?? 0), estimates.map(\.upper).max() ?? 1, ticks: 6, start: left, end: right)
        for tick in scale.ticks {
            let x = scale(tick)
            canvas.line(from: ChartPoint(x: x, y: Self.top - 4), to: ChartPoint(x: x, y: bottom), Palette.grid)
            canvas.text(scale.label(tick), at: ChartPoint(x: x, y: bottom + 15), font: .tick, color: Palette.mutedText, anchor: .middle)
        }
        canvas.line(from: ChartPoint(x: scale(0), y: Self.top - 4), to: ChartPoint(x: scale(0), y: bottom), Palette.axis)
        for (index, row) in rows.enumerated() {
            let middle = Self.top + (Double(index) + 0.5) * Self.rowHeight
            canvas.text(
                canvas.fitted(labels[index], font: .label, maxWidth: labelWidth), at: ChartPoint(x: left - 10, y: middle), anchor: .end,
                baseline: .middle)
            guard let estimate = row.estimate else {
                canvas.text("no score", at: ChartPoint(x: left + 6, y: middle), font: .small, color: Palette.mutedText, baseline: .middle)
                continue
            }
            canvas.intervalBar(
                estimate, scale: scale, middle: middle, barHeight: 16, capHeight: 10, lineWidth: 1.5,
                color: row.style.color.opacity(row.isSmallSample ? 0.45 : 0.9))
            canvas.text(
                valueTexts[index], at: ChartPoint(x: right + 12, y: middle), font: .small, color: Palette.text, baseline: .middle)
        }
        if rows.isEmpty {
            canvas.text("no models", at: ChartPoint(x: left + 6, y: Self.top + Self.rowHeight / 2), font: .small, color: Palette.mutedText,
                baseline: .middle)
        }
        let footnote = "samples scored/total after each name" + (rows.contains(where: \.isSmallSample) ? "; † \(smallSampleNote)" : "")
        canvas.text(canvas.fitted(footnote, font: .small, maxWidth: width - 28), at: ChartPoint(x: 14, y: bottom + 36), font: .small,
            color: Palette.mutedText)
    }

}

extension Canvas {
    /// A horizontal bar from 0 to the mean, centred on `middle`, with the interval as a whisker.
    func intervalBar(
        _ estimate: MeanEstimate, scale: LinearScale, middle: Double, barHeight: Double, capHeight: Double, lineWidth: Double, color: ChartColor
    ) {
        let x0 = scale(min(0, estimate.mean))
        let x1 = scale(max(0, estimate.mean))
        fill(ChartRect(x: x0, y: middle - barHeight / 2, width: max(x1 - x0, 1), height: barHeight), color)
        let low = ChartPoint(x: scale(estimate.lower), y: middle)
        let high = ChartPoint(x: scale(estimate.upper), y: middle)
        line(from: low, to: high, Palette.whisker, width: lineWidth)
        for end in [low, high] {
            line(from: ChartPoint(x: end.x, y: middle - capHeight / 2), to: ChartPoint(x: end.x, y: middle + capHeight / 2), Palette.whisker, width: lineWidth)
        }
    }
}
