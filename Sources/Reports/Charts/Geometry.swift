/// A point in chart coordinates (CSS pixels, origin top left, y down).
struct ChartPoint: Equatable, Sendable {
    var x: Double
    var y: Double
}

/// A rectangle in chart coordinates.
struct ChartRect: Equatable, Sendable {
    var x: Double
    var y: Double
    var width: Double
    var height: Double

    var maxX: Double { x + width }
    var maxY: Double { y + height }
}

/// The font of a text run: DejaVu Sans at `size` pixels, regular or bold.
struct ChartFont: Equatable, Sendable {
    var size: Double
    var bold = false

    static let title = ChartFont(size: 15, bold: true)
    static let subtitle = ChartFont(size: 11.5)
    static let label = ChartFont(size: 12)
    static let small = ChartFont(size: 10.5)
    /// The banner's warnings (stand-in weights).
    static let bannerText = ChartFont(size: 12, bold: true)
    static let tick = ChartFont(size: 10.5)
}

/// Where a text run's anchor point lies horizontally.
enum TextAnchor: Sendable {
    case start, middle, end
}

/// Where a text run's anchor point lies vertically.
enum TextBaseline: Sendable {
    /// On the alphabetic baseline.
    case alphabetic
    /// Halfway up the font's ascent (visually centred for mixed-case text).
    case middle
    /// At the top of the font's ascent.
    case top
}
