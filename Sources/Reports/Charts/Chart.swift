/// A picture drawn through a ``Canvas``: the one drawing path that ``ChartRenderer`` turns into SVG
/// (inlined in the HTML pages) and into pixels (the PNG files).
///
/// Sizes are in CSS pixels; a chart lays itself out inside `width` × `height` and measures its text
/// with the canvas, so SVG and PNG show exactly the same picture.
protocol Chart {
    /// What the chart shows; the SVG's accessible name and the PNG's `Title`.
    var title: String { get }
    var width: Double { get }
    var height: Double { get }
    /// Draws the chart on a white canvas of `width` × `height`.
    func draw(on canvas: Canvas)
}

/// Charts drawn one below the other, under an optional heading and optional banner lines, and
/// above optional footer lines (the leaderboard PNG: the stand-in weights notice, two interval
/// charts, the coverage table, the provenance).
struct StackedChart: Chart {
    var title: String
    var heading: String?
    /// Warnings drawn in white on red under the heading (``Provenance/standInNotice``).
    var banner: [String] = []
    var footer: [String]
    var parts: [any Chart]

    private var headingHeight: Double { heading == nil ? 0 : 34 }
    private var bannerHeight: Double { banner.isEmpty ? 0 : 12 + Double(banner.count) * 17 }
    private var footerHeight: Double { footer.isEmpty ? 0 : 12 + Double(footer.count) * 15 }
    var width: Double { parts.map(\.width).max() ?? 320 }
    var height: Double { headingHeight + bannerHeight + parts.map(\.height).reduce(0, +) + footerHeight }

    func draw(on canvas: Canvas) {
        if let heading {
            canvas.text(canvas.fitted(heading, font: ChartFont(size: 17, bold: true), maxWidth: width - 24), at: ChartPoint(x: 12, y: 24),
                font: ChartFont(size: 17, bold: true))
        }
        var y = headingHeight
        if !banner.isEmpty {
            canvas.fill(ChartRect(x: 12, y: y + 2, width: width - 24, height: bannerHeight - 4), Palette.warning)
            for (index, line) in banner.enumerated() {
                canvas.text(canvas.fitted(line, font: .bannerText, maxWidth: width - 40), at: ChartPoint(x: 20, y: y + 20 + Double(index) * 17),
                    font: .bannerText, color: Palette.background)
            }
            y += bannerHeight
        }
        for part in parts {
            canvas.translated(x: 0, y: y) { part.draw(on: canvas) }
            y += part.height
        }
        guard !footer.isEmpty else { return }
        canvas.line(from: ChartPoint(x: 12, y: y + 4), to: ChartPoint(x: width - 12, y: y + 4), Palette.rule, width: 0.8)
        for (index, line) in footer.enumerated() {
            canvas.text(canvas.fitted(line, font: .small, maxWidth: width - 24), at: ChartPoint(x: 12, y: y + 19 + Double(index) * 15),
                font: .small, color: Palette.mutedText)
        }
    }
}

extension Canvas {
    /// A chart's title (bold) and subtitle (muted) at the top left, shortened to fit `width`.
    /// Grid lines at the ticks of both scales across `plot`, with the tick labels below and left of it.
    func drawGrid(xs: LinearScale, ys: LinearScale, plot: ChartRect) {
        let (left, right, top, bottom) = (plot.x, plot.x + plot.width, plot.y, plot.y + plot.height)
        for tick in xs.ticks {
            line(from: ChartPoint(x: xs(tick), y: top), to: ChartPoint(x: xs(tick), y: bottom), Palette.grid)
            text(xs.label(tick), at: ChartPoint(x: xs(tick), y: bottom + 15), font: .tick, color: Palette.mutedText, anchor: .middle)
        }
        for tick in ys.ticks {
            line(from: ChartPoint(x: left, y: ys(tick)), to: ChartPoint(x: right, y: ys(tick)), Palette.grid)
            text(ys.label(tick), at: ChartPoint(x: left - 6, y: ys(tick)), font: .tick, color: Palette.mutedText, anchor: .end, baseline: .middle)
        }
    }

    func drawTitles(_ title: String, _ subtitle: String, width: Double) {
        text(fitted(title, font: .title, maxWidth: width - 28), at: ChartPoint(x: 14, y: 24), font: .title)
        text(fitted(subtitle, font: .subtitle, maxWidth: width - 28), at: ChartPoint(x: 14, y: 42), font: .subtitle, color: Palette.mutedText)
    }

    /// A legend of models in `columns` columns starting at `y`: a swatch (the scatter marker) and
    /// the label. Returns the y below the legend.
    @discardableResult
    func drawLegend(_ entries: [(label: String, style: ModelStyle)], x: Double, y: Double, width: Double, columns: Int) -> Double {
        let columnWidth = width / Double(max(columns, 1))
        for (index, entry) in entries.enumerated() {
            let column = index % columns
            let line = index / columns
            let left = x + Double(column) * columnWidth
            let middle = y + Double(line) * LegendLayout.lineHeight + LegendLayout.lineHeight / 2
            marker(entry.style.marker, at: ChartPoint(x: left + 6, y: middle), size: 9, fill: entry.style.color, outline: Palette.whisker)
            text(fitted(entry.label, font: .small, maxWidth: columnWidth - 22), at: ChartPoint(x: left + 16, y: middle), font: .small,
                baseline: .middle)
        }
        return y + Double(LegendLayout.lines(entries.count, columns: columns)) * LegendLayout.lineHeight
    }
}

/// The legend's size, known before drawing (a chart's height must be).
enum LegendLayout {
    static let lineHeight = 18.0
    static func lines(_ count: Int, columns: Int) -> Int { (count + columns - 1) / max(columns, 1) }
}
