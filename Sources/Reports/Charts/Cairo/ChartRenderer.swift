import CCairo
import Foundation
import Media

/// Renders a ``Chart`` to SVG text or to an RGB ``Image`` through Cairo: the same drawing code for
/// both.
///
/// Every surface is created, checked (`cairo_surface_status`), drawn on, finished and destroyed
/// inside one call; no Cairo pointer leaves it. Along with ``Canvas`` the only code that imports
/// `CCairo`.
enum ChartRenderer {
    /// The chart as a standalone SVG document, exactly as Cairo's SVG surface writes it (XML
    /// declaration included; see ``InlineSVG`` for embedding it in a page).
    /// The corresponding C function is `cairo_svg_surface_create_for_stream`.
    /// - Throws: ``ChartError`` when Cairo reports an error while creating, drawing or writing.
    static func svgDocument(of chart: some Chart) throws(ChartError) -> String {
        let sink = SVGSink()
        // The stream callback's context: one retained reference, released after the surface (and
        // with it every pending write) is gone, on every path out of this function.
        let box = Unmanaged.passRetained(sink)
        defer { box.release() }
        let write: cairo_write_func_t = { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            let sink = Unmanaged<SVGSink>.fromOpaque(closure).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return CAIRO_STATUS_SUCCESS
        }
        guard let surface = cairo_svg_surface_create_for_stream(write, box.toOpaque(), chart.width, chart.height) else {
            throw ChartError(chart: chart.title, operation: "cairo_svg_surface_create_for_stream", reason: "returned no surface")
        }
        defer { cairo_surface_destroy(surface) }
        try check(surface, chart: chart, operation: "cairo_svg_surface_create_for_stream")
        cairo_svg_surface_restrict_to_version(surface, CAIRO_SVG_VERSION_1_1)
        try draw(chart, on: surface, scale: 1)
        cairo_surface_finish(surface)
        try check(surface, chart: chart, operation: "cairo_surface_finish (writing the SVG)")
        return String(decoding: sink.bytes, as: UTF8.self)
    }

    /// The chart as RGB pixels, `scale` device pixels per chart pixel (2 gives sharp PNGs on
    /// high-density screens). Cairo's premultiplied ARGB32 is composited over white.
    /// The corresponding C function is `cairo_image_surface_create`.
    /// - Throws: ``ChartError`` when Cairo reports an error.
    static func image(of chart: some Chart, scale: Double) throws(ChartError) -> Image {
        let pixelWidth = Int((chart.width * scale).rounded(.up))
        let pixelHeight = Int((chart.height * scale).rounded(.up))
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(pixelWidth), Int32(pixelHeight)) else {
            throw ChartError(chart: chart.title, operation: "cairo_image_surface_create", reason: "returned no surface")
        }
        defer { cairo_surface_destroy(surface) }
        try check(surface, chart: chart, operation: "cairo_image_surface_create (\(pixelWidth)x\(pixelHeight))")
        try draw(chart, on: surface, scale: scale)
        cairo_surface_flush(surface)
        try check(surface, chart: chart, operation: "cairo_surface_flush")
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard let data = cairo_image_surface_get_data(surface), stride >= pixelWidth * 4 else {
            throw ChartError(chart: chart.title, operation: "cairo_image_surface_get_data", reason: "no pixel data")
        }
        var rgb = [UInt8](repeating: 0, count: pixelWidth * pixelHeight * 3)
        for y in 0..<pixelHeight {
            let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<pixelWidth {
                // Native-endian 0xAARRGGBB, premultiplied: over white, c + (255 − a).
                let pixel = row[x]
                let inverseAlpha = 255 - Int(pixel >> 24)
                let out = (y * pixelWidth + x) * 3
                rgb[out] = UInt8(min(255, Int(pixel >> 16 & 0xFF) + inverseAlpha))
                rgb[out + 1] = UInt8(min(255, Int(pixel >> 8 & 0xFF) + inverseAlpha))
                rgb[out + 2] = UInt8(min(255, Int(pixel & 0xFF) + inverseAlpha))
            }
        }
        return Image(width: pixelWidth, height: pixelHeight, layout: .rgb, pixels: rgb)
    }

    /// The strings the chart draws, in drawing order, as shortened to fit (drawn once on an image
    /// surface: the same drawing as the SVG and the PNG).
    /// - Throws: ``ChartError`` when Cairo reports an error.
    static func drawnText(of chart: some Chart) throws(ChartError) -> [String] {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(chart.width.rounded(.up)), Int32(chart.height.rounded(.up))) else {
            throw ChartError(chart: chart.title, operation: "cairo_image_surface_create", reason: "returned no surface")
        }
        defer { cairo_surface_destroy(surface) }
        try check(surface, chart: chart, operation: "cairo_image_surface_create")
        return try draw(chart, on: surface, scale: 1)
    }

    /// Paints the white background and the chart, then checks the context's status.
    /// - Returns: the strings drawn.
    @discardableResult
    private static func draw(_ chart: some Chart, on surface: OpaquePointer, scale: Double) throws(ChartError) -> [String] {
        let canvas = try Canvas(surface: surface, width: chart.width, height: chart.height, scale: scale, chart: chart.title)
        canvas.fill(ChartRect(x: 0, y: 0, width: chart.width, height: chart.height), Palette.background)
        chart.draw(on: canvas)
        try canvas.check(chart: chart.title, operation: "drawing")
        return canvas.drawnText
    }

    /// Throws when the surface is in an error state. The corresponding C function is
    /// `cairo_surface_status`.
    private static func check(_ surface: OpaquePointer, chart: some Chart, operation: String) throws(ChartError) {
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw ChartError(chart: chart.title, operation: operation, reason: String(cString: cairo_status_to_string(status)))
        }
    }
}

/// Collects the bytes Cairo's SVG surface writes.
private final class SVGSink {
    var bytes: [UInt8] = []
}
