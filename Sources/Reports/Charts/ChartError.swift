/// Why a chart could not be drawn or rendered: the chart, the operation, and Cairo's reason.
public struct ChartError: Error, Equatable, CustomStringConvertible {
    /// The chart's title.
    public var chart: String
    /// What was being done, e.g. `cairo_svg_surface_create_for_stream`.
    public var operation: String
    /// Cairo's message (`cairo_status_to_string`) or what else went wrong.
    public var reason: String

    public var description: String { "chart '\(chart)': \(operation) failed: \(reason)" }
}
