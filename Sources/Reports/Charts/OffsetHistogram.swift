/// One small histogram per model of the AV offsets (frames) of its scored samples, over
/// ``offsetRange``; the band |offset| ≤ 1 is shaded.
///
/// Each panel has its own count scale (its tallest bar is labelled). Offsets outside the range are
/// counted in the end bins and said so; samples whose offset is undetermined are counted in the
/// label. A model with no scored sample keeps its panel, labelled "no score".
struct OffsetHistogram: Chart {
    struct Series {
        var label: String
        var style: ModelStyle
        /// The determined offsets (``SampleScore/offsetInFrames``) of the scored samples.
        var offsets: [Int]
        var undetermined: Int
        var scored: Int
        var total: Int
    }

    /// SyncNet's search range at the default `vshift` of 15.
    static let offsetRange = -15...15

    var title: String
    var subtitle: String
    var series: [Series]
    var width: Double = 760

    private static let panelHeight = 62.0
    private static let top = 58.0
    var height: Double { Self.top + Double(max(series.count, 1)) * Self.panelHeight + 50 }

    func draw(on canvas: Canvas) {
        canvas.drawTitles(title, subtitle, width: width)
        let labelWidth = 210.0
        let left = 14 + labelWidth + 10
        let right = width - 24
        let range = Self.offsetRange
        let xs = LinearScale(
            lower: Double(range.lowerBound) - 0.5, upper: Double(range.upperBound) + 0.5, start: left, end: right, step: 5)
        let binWidth = xs(1) - xs(0)
        let bottom = Self.top + Double(max(series.count, 1)) * Self.panelHeight
        var clamped = 0
        for (index, entry) in series.enumerated() {
            let panelTop = Self.top + Double(index) * Self.panelHeight
            let baseline = panelTop + Self.panelHeight - 8
            let barTop = panelTop + 14
            canvas.fill(ChartRect(x: xs(-1.5), y: barTop - 4, width: xs(1.5) - xs(-1.5), height: baseline - barTop + 4), Palette.goodBand)
            canvas.line(from: ChartPoint(x: left, y: baseline), to: ChartPoint(x: right, y: baseline), Palette.axis)
            canvas.text(
                canvas.fitted(entry.label, font: .label, maxWidth: labelWidth), at: ChartPoint(x: left - 10, y: panelTop + 26), anchor: .end)
            let detail =
                entry.scored == 0
                ? "no score (0/\(entry.total))"
                : "\(entry.offsets.count) offsets" + (entry.undetermined > 0 ? ", \(entry.undetermined) undetermined" : "")
            canvas.text(detail, at: ChartPoint(x: left - 10, y: panelTop + 42), font: .small, color: Palette.mutedText, anchor: .end)
            var counts = [Int](repeating: 0, count: range.count)
            for offset in entry.offsets {
                let bin = min(max(offset, range.lowerBound), range.upperBound)
                if bin != offset { clamped += 1 }
                counts[bin - range.lowerBound] += 1
            }
            guard let tallest = counts.max(), tallest > 0 else { continue }
            for (bin, count) in counts.enumerated() where count > 0 {
                let x = xs(Double(bin + range.lowerBound)) - binWidth / 2
                let barHeight = Double(count) / Double(tallest) * (baseline - barTop)
                canvas.fill(ChartRect(x: x + 1, y: baseline - barHeight, width: binWidth - 2, height: barHeight), entry.style.color.opacity(0.9))
            }
            canvas.text("max \(tallest)", at: ChartPoint(x: left + 2, y: barTop + 2), font: .tick, color: Palette.mutedText)
        }
        for tick in stride(from: range.lowerBound, through: range.upperBound, by: 5) {
            let x = xs(Double(tick))
            canvas.line(from: ChartPoint(x: x, y: bottom - 8), to: ChartPoint(x: x, y: bottom - 3), Palette.axis)
            canvas.text("\(tick)", at: ChartPoint(x: x, y: bottom + 9), font: .tick, color: Palette.mutedText, anchor: .middle)
        }
        var footnote = "AV offset in frames (25 fps); shaded: |offset| ≤ 1"
        if clamped > 0 { footnote += "; \(clamped) offsets beyond ±\(range.upperBound) counted in the end bins" }
        canvas.text(footnote, at: ChartPoint(x: left, y: bottom + 30), font: .small, color: Palette.mutedText)
    }
}
