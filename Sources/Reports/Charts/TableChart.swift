/// A table drawn as a picture (the coverage table of the leaderboard PNG): a bold header row,
/// striped body rows, the first column left-aligned and the others right-aligned. Columns shrink
/// proportionally when the text is wider than the chart; overlong cells are shortened with "…".
struct TableChart: Chart {
    var title: String
    var subtitle: String
    var columns: [String]
    var rows: [[String]]
    var width: Double = 760

    private static let rowHeight = 21.0
    private static let top = 56.0
    var height: Double { Self.top + Double(rows.count + 1) * Self.rowHeight + 14 }

    func draw(on canvas: Canvas) {
        canvas.drawTitles(title, subtitle, width: width)
        let header = ChartFont(size: 11, bold: true)
        let body = ChartFont.small
        let padding = 12.0
        var widths = columns.indices.map { column in
            max(canvas.textWidth(columns[column], font: header), rows.map { canvas.textWidth($0[column], font: body) }.max() ?? 0) + padding
        }
        let available = width - 28
        let total = widths.reduce(0, +)
        if total > available { widths = widths.map { $0 * available / total } }
        var y = Self.top
        canvas.line(from: ChartPoint(x: 14, y: y), to: ChartPoint(x: width - 14, y: y), Palette.rule)
        drawRow(columns, at: y, widths: widths, font: header, canvas: canvas)
        y += Self.rowHeight
        canvas.line(from: ChartPoint(x: 14, y: y), to: ChartPoint(x: width - 14, y: y), Palette.rule)
        for (index, row) in rows.enumerated() {
            if index % 2 == 1 { canvas.fill(ChartRect(x: 14, y: y, width: width - 28, height: Self.rowHeight), Palette.stripe) }
            drawRow(row, at: y, widths: widths, font: body, canvas: canvas)
            y += Self.rowHeight
        }
        canvas.line(from: ChartPoint(x: 14, y: y), to: ChartPoint(x: width - 14, y: y), Palette.rule)
    }

    private func drawRow(_ cells: [String], at top: Double, widths: [Double], font: ChartFont, canvas: Canvas) {
        var x = 14.0
        for (column, cell) in cells.enumerated() {
            let text = canvas.fitted(cell, font: font, maxWidth: widths[column] - 8)
            let middle = top + Self.rowHeight / 2
            if column == 0 {
                canvas.text(text, at: ChartPoint(x: x + 4, y: middle), font: font, baseline: .middle)
            } else {
                canvas.text(text, at: ChartPoint(x: x + widths[column] - 4, y: middle), font: font, anchor: .end, baseline: .middle)
            }
            x += widths[column]
        }
    }
}
