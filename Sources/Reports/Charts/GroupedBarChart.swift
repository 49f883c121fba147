/// Horizontal bars grouped by category, one bar per model, each with its 95 % interval whisker and
/// its scored/total count.
///
/// Every model has a slot in every group; a model with no scored sample in a category shows
/// "no score" there. Small-sample bars are marked † and drawn lighter.
struct GroupedBarChart: Chart {
    struct Bar {
        var style: ModelStyle
        var estimate: MeanEstimate?
        var scored: Int
        var total: Int
        var isSmallSample: Bool
    }

    struct Group {
        var label: String
        /// One bar per legend entry, in legend order.
        var bars: [Bar]
    }

    var title: String
    var subtitle: String
    var legend: [(label: String, style: ModelStyle)]
    var groups: [Group]
    var smallSampleNote: String
    var width: Double = 760

    private static let barHeight = 11.0
    private static let barGap = 3.0
    private static let groupGap = 14.0
    private static let legendColumns = 3
    private var legendHeight: Double { Double(LegendLayout.lines(legend.count, columns: Self.legendColumns)) * LegendLayout.lineHeight + 8 }
    private var groupHeight: Double { Double(max(legend.count, 1)) * (Self.barHeight + Self.barGap) + Self.groupGap }
    private var plotTop: Double { 52 + legendHeight }
    var height: Double { plotTop + Double(max(groups.count, 1)) * groupHeight + 50 }

    func draw(on canvas: Canvas) {
        canvas.drawTitles(title, subtitle, width: width)
        canvas.drawLegend(legend, x: 14, y: 50, width: width - 28, columns: Self.legendColumns)
        let labelWidth = min(220, groups.map { canvas.textWidth($0.label, font: .label) }.max() ?? 60)
        let valueWidth = canvas.textWidth("000.000  000/000 †", font: .small) + 14
        let left = 14 + labelWidth + 12
        let right = width - 14 - valueWidth
        let bottom = plotTop + Double(max(groups.count, 1)) * groupHeight
        let estimates = groups.flatMap { $0.bars.compactMap(\.estimate) }
        let scale = LinearScale.nice(
            min(0, estimates.map(\.lower).min() ?? 0), estimates.map(\.upper).max() ?? 1, ticks: 6, start: left, end: right)
        for tick in scale.ticks {
            canvas.line(from: ChartPoint(x: scale(tick), y: plotTop - 4), to: ChartPoint(x: scale(tick), y: bottom), Palette.grid)
            canvas.text(
                scale.label(tick), at: ChartPoint(x: scale(tick), y: bottom + 15), font: .tick, color: Palette.mutedText, anchor: .middle)
        }
        canvas.line(from: ChartPoint(x: scale(0), y: plotTop - 4), to: ChartPoint(x: scale(0), y: bottom), Palette.axis)
        for (groupIndex, group) in groups.enumerated() {
            let groupTop = plotTop + Double(groupIndex) * groupHeight
            let barsHeight = groupHeight - Self.groupGap
            canvas.text(
                canvas.fitted(group.label, font: .label, maxWidth: labelWidth), at: ChartPoint(x: left - 12, y: groupTop + barsHeight / 2),
                anchor: .end, baseline: .middle)
            for (barIndex, bar) in group.bars.enumerated() {
                let middle = groupTop + Double(barIndex) * (Self.barHeight + Self.barGap) + Self.barHeight / 2
                let count = "\(bar.scored)/\(bar.total)\(bar.isSmallSample ? " †" : "")"
                guard let estimate = bar.estimate else {
                    canvas.text("no score  \(count)", at: ChartPoint(x: left + 4, y: middle), font: .small, color: Palette.mutedText,
                        baseline: .middle)
                    continue
                }
                canvas.intervalBar(
                    estimate, scale: scale, middle: middle, barHeight: Self.barHeight, capHeight: 7, lineWidth: 1.2,
                    color: bar.style.color.opacity(bar.isSmallSample ? 0.45 : 0.9))
                canvas.text(
                    "\(HTML.number(estimate.mean))  \(count)", at: ChartPoint(x: right + 10, y: middle), font: .small, baseline: .middle)
            }
        }
        let footnote = "bars: mean with 95 % bootstrap interval; scored/total per bar" + (hasSmallSample ? "; † \(smallSampleNote)" : "")
        canvas.text(canvas.fitted(footnote, font: .small, maxWidth: width - 28), at: ChartPoint(x: 14, y: bottom + 36), font: .small,
            color: Palette.mutedText)
    }

    private var hasSmallSample: Bool { groups.contains { $0.bars.contains(where: \.isSmallSample) } }
}
