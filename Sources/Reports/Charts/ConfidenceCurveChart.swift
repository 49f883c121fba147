/// SyncNet's framewise confidence of one face track along the video (25 fps frames).
struct ConfidenceCurveChart: Chart {
    var title: String
    var subtitle: String
    /// The frame of `values[0]`.
    var startFrame: Int
    var values: [Double]
    var color: ChartColor
    var width: Double = 720
    var height: Double = 250

    func draw(on canvas: Canvas) {
        canvas.drawTitles(title, subtitle, width: width)
        let left = 58.0
        let right = width - 18
        let top = 58.0
        let bottom = height - 44
        let lastFrame = startFrame + max(values.count - 1, 1)
        let xs = LinearScale.nice(Double(startFrame), Double(lastFrame), ticks: 8, start: left, end: right)
        let ys = LinearScale.nice(min(0, values.min() ?? 0), values.max() ?? 1, ticks: 4, start: bottom, end: top)
        canvas.drawGrid(xs: xs, ys: ys, plot: ChartRect(x: left, y: top, width: right - left, height: bottom - top))
        canvas.line(from: ChartPoint(x: left, y: ys(0)), to: ChartPoint(x: right, y: ys(0)), Palette.axis)
        canvas.stroke(ChartRect(x: left, y: top, width: right - left, height: bottom - top), Palette.axis)
        let points = values.enumerated().map { ChartPoint(x: xs(Double(startFrame + $0.offset)), y: ys($0.element)) }
        if points.count == 1, let only = points.first {
            canvas.marker(.circle, at: only, size: 6, fill: color, outline: color)
        } else {
            canvas.polyline(points, color, width: 1.6)
        }
        canvas.text("frame", at: ChartPoint(x: (left + right) / 2, y: bottom + 32), font: .small, color: Palette.mutedText, anchor: .middle)
    }
}
