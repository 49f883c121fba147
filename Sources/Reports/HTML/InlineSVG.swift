/// Makes a standalone SVG document (as Cairo writes it) safe to inline in an HTML page next to
/// other charts.
///
/// Cairo names its definitions `glyph0-1`, `surface5`, `clip1`, `image7`, … in every document, so
/// two inlined charts would reference each other's glyphs. Every `id="…"`, every `href="#…"`
/// (including `xlink:href`) and every `url(#…)` is renamed with `prefix-` in front (see
/// ``prefixed(_:prefix:)``). The XML declaration is
/// dropped and the root element is replaced by one that sizes the chart in CSS pixels (Cairo writes
/// `pt`), scales down with the page (`max-width: 100%` in the stylesheet) and names the chart for
/// assistive technology.
enum InlineSVG {
    /// The SVG element to put in the page.
    /// - Parameters:
    ///   - document: Cairo's SVG output.
    ///   - prefix: a page-unique prefix of letters, digits and `-`.
    ///   - width, height: the chart's size in CSS pixels.
    ///   - title: the accessible name (escaped here).
    static func element(from document: String, prefix: String, width: Double, height: Double, title: String) -> String {
        var body = Substring(document)
        if body.hasPrefix("<?xml"), let end = body.range(of: "?>") { body = body[end.upperBound...] }
        // Drop Cairo's root start tag; keep everything after it.
        if let start = body.range(of: "<svg"), let close = body[start.upperBound...].firstIndex(of: ">") {
            body = body[body.index(after: close)...]
        }
        let content = prefixed(String(body), prefix: prefix).trimmingCharacters(in: .whitespacesAndNewlines)
        let w = HTML.number(width, decimals: 0)
        let h = HTML.number(height, decimals: 0)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" class="chart" \
            width="\(w)" height="\(h)" viewBox="0 0 \(w) \(h)" role="img" aria-label="\(HTML.escape(title))">
            \(content)
            """
    }

    /// `svg` with every fragment identifier it defines or references renamed `prefix-<kind><n>`:
    /// `<kind>` is the letters the identifier starts with (`glyph`, `surface`, `clip`, …) and `<n>`
    /// numbers the definitions in document order. Cairo numbers surfaces with a process-wide
    /// counter, so its own ids differ between two renderings of the same chart; renumbering makes
    /// the page depend on the chart only. A reference to an identifier the document does not define
    /// keeps its name behind the prefix.
    static func prefixed(_ svg: String, prefix: String) -> String {
        var renamed: [String: String] = [:]
        for match in svg.matches(of: #/\sid="([^"]*)"/#) {
            let id = String(match.output.1)
            guard renamed[id] == nil else { continue }
            renamed[id] = "\(prefix)-\(id.prefix(while: \.isLetter))\(renamed.count + 1)"
        }
        func name(_ id: Substring) -> String { renamed[String(id)] ?? "\(prefix)-\(id)" }
        var result = svg
        result = result.replacing(#/(\s)id="([^"]*)"/#) { "\($0.output.1)id=\"\(name($0.output.2))\"" }
        result = result.replacing(#/href="#([^"]*)"/#) { "href=\"#\(name($0.output.1))\"" }
        result = result.replacing(#/url\(#([^)]*)\)/#) { "url(#\(name($0.output.1)))" }
        return result
    }
}
