import CCairo
import Foundation

/// A drawing context over a Cairo surface, with the few primitives the charts need.
///
/// One owner per C handle: the canvas creates its `cairo_t` in `init` and destroys it in `deinit`;
/// the surface belongs to ``ChartRenderer``. Cairo errors are sticky (after the first failure every
/// call is a no-op), so drawing calls do not throw; ``ChartRenderer`` checks `cairo_status` once
/// drawing is done and turns a failure into a ``ChartError``. Text uses Cairo's toy text API with
/// "DejaVu Sans" (Debian's `fonts-dejavu-core`).
///
/// Along with ``ChartRenderer`` the only code that imports `CCairo`.
final class Canvas {
    /// The drawing area in chart coordinates (CSS pixels).
    let width: Double
    let height: Double
    private let context: OpaquePointer
    /// Every string drawn so far, in drawing order (what a chart shows in words, for
    /// ``ChartRenderer/drawnText(of:)``).
    private(set) var drawnText: [String] = []

    /// Creates a canvas on `surface`, drawing in chart coordinates scaled by `scale` device pixels.
    /// The corresponding C function is `cairo_create`.
    init(surface: OpaquePointer, width: Double, height: Double, scale: Double, chart: String) throws(ChartError) {
        guard let context = cairo_create(surface) else {
            throw ChartError(chart: chart, operation: "cairo_create", reason: "returned no context")
        }
        self.context = context
        self.width = width
        self.height = height
        try check(chart: chart, operation: "cairo_create")
        cairo_scale(context, scale, scale)
        cairo_set_line_join(context, CAIRO_LINE_JOIN_ROUND)
    }

    deinit { cairo_destroy(context) }

    /// Throws when the context is in an error state. The corresponding C function is `cairo_status`.
    func check(chart: String, operation: String) throws(ChartError) {
        let status = cairo_status(context)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw ChartError(chart: chart, operation: operation, reason: String(cString: cairo_status_to_string(status)))
        }
    }

    // MARK: Shapes

    func fill(_ rect: ChartRect, _ color: ChartColor) {
        setColor(color)
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_fill(context)
    }

    func stroke(_ rect: ChartRect, _ color: ChartColor, width: Double = 1) {
        setColor(color)
        cairo_set_line_width(context, width)
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_stroke(context)
    }

    /// A straight line; `dash` lists on/off lengths (empty: solid).
    func line(from start: ChartPoint, to end: ChartPoint, _ color: ChartColor, width: Double = 1, dash: [Double] = []) {
        polyline([start, end], color, width: width, dash: dash)
    }

    /// Connected line segments through `points` (nothing for fewer than two points).
    func polyline(_ points: [ChartPoint], _ color: ChartColor, width: Double = 1, dash: [Double] = []) {
        guard let first = points.first, points.count > 1 else { return }
        setColor(color)
        cairo_set_line_width(context, width)
        dash.withUnsafeBufferPointer { cairo_set_dash(context, $0.baseAddress, Int32($0.count), 0) }
        cairo_move_to(context, first.x, first.y)
        for point in points.dropFirst() { cairo_line_to(context, point.x, point.y) }
        cairo_stroke(context)
        cairo_set_dash(context, nil, 0, 0)
    }

    /// A scatter marker of about `size` pixels across, filled and outlined.
    func marker(_ shape: MarkerShape, at center: ChartPoint, size: Double, fill: ChartColor, outline: ChartColor) {
        let r = size / 2
        switch shape {
        case .circle:
            cairo_new_sub_path(context)
            cairo_arc(context, center.x, center.y, r, 0, 2 * Double.pi)
        case .square:
            cairo_rectangle(context, center.x - r * 0.9, center.y - r * 0.9, r * 1.8, r * 1.8)
        case .triangle:
            cairo_move_to(context, center.x, center.y - r * 1.1)
            cairo_line_to(context, center.x + r * 1.05, center.y + r * 0.8)
            cairo_line_to(context, center.x - r * 1.05, center.y + r * 0.8)
            cairo_close_path(context)
        case .diamond:
            cairo_move_to(context, center.x, center.y - r * 1.2)
            cairo_line_to(context, center.x + r * 1.2, center.y)
            cairo_line_to(context, center.x, center.y + r * 1.2)
            cairo_line_to(context, center.x - r * 1.2, center.y)
            cairo_close_path(context)
        }
        setColor(fill)
        cairo_fill_preserve(context)
        setColor(outline)
        cairo_set_line_width(context, 0.8)
        cairo_stroke(context)
    }

    // MARK: Text

    /// Draws `string` with its anchor at `point`, optionally rotated by `degrees` (counter-clockwise
    /// is negative, as on screen). The corresponding C function is `cairo_show_text`.
    func text(
        _ string: String, at point: ChartPoint, font: ChartFont = .label, color: ChartColor = Palette.text,
        anchor: TextAnchor = .start, baseline: TextBaseline = .alphabetic, degrees: Double = 0
    ) {
        guard !string.isEmpty else { return }
        drawnText.append(string)
        select(font)
        let advance = textWidth(string, font: font)
        var extents = cairo_font_extents_t()
        cairo_font_extents(context, &extents)
        let dx: Double = switch anchor {
        case .start: 0
        case .middle: -advance / 2
        case .end: -advance
        }
        let dy: Double = switch baseline {
        case .alphabetic: 0
        case .middle: font.size * 0.36
        case .top: extents.ascent
        }
        cairo_save(context)
        cairo_translate(context, point.x, point.y)
        if degrees != 0 { cairo_rotate(context, degrees * Double.pi / 180) }
        setColor(color)
        cairo_move_to(context, dx, dy)
        cairo_show_text(context, string)
        cairo_restore(context)
    }

    /// The advance width of `string` in `font`. The corresponding C function is `cairo_text_extents`.
    func textWidth(_ string: String, font: ChartFont) -> Double {
        select(font)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, string, &extents)
        return extents.x_advance
    }

    /// `string`, shortened with a trailing ellipsis until it fits in `maxWidth`.
    func fitted(_ string: String, font: ChartFont, maxWidth: Double) -> String {
        guard textWidth(string, font: font) > maxWidth else { return string }
        var characters = Array(string)
        while !characters.isEmpty {
            characters.removeLast()
            let candidate = String(characters) + "…"
            if textWidth(candidate, font: font) <= maxWidth { return candidate }
        }
        return "…"
    }

    // MARK: Coordinates

    /// Runs `body` with the origin moved by (`x`, `y`).
    func translated(x: Double, y: Double, _ body: () -> Void) {
        cairo_save(context)
        cairo_translate(context, x, y)
        body()
        cairo_restore(context)
    }

    private func setColor(_ color: ChartColor) {
        cairo_set_source_rgba(context, color.red, color.green, color.blue, color.alpha)
    }

    private func select(_ font: ChartFont) {
        cairo_select_font_face(context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, font.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, font.size)
    }
}
