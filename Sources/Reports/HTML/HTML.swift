import Foundation

/// Escaping and fixed formatting for the report pages.
///
/// Every string that comes from data (model names, sample identifiers, file paths, messages) goes
/// through ``escape(_:)``; numbers are formatted with a fixed number of decimals in the POSIX
/// locale so pages are identical from run to run and machine to machine.
enum HTML {
    /// `text` with `& < > " '` replaced by character references: safe in element content and in
    /// double- or single-quoted attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// `value` with exactly `decimals` decimals (`-0.000` is written `0.000`; non-finite values as
    /// `nan`/`inf`, which the statistics never produce).
    static func number(_ value: Double, decimals: Int = 3) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        let text = String(format: "%.\(decimals)f", locale: Locale(identifier: "en_US_POSIX"), value)
        if text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(text.dropFirst()) }
        return text
    }

    /// `mean [lower, upper]` with 3 decimals, or `nil` when there is no estimate.
    static func estimate(_ estimate: MeanEstimate?) -> String? {
        guard let estimate else { return nil }
        return "\(number(estimate.mean)) [\(number(estimate.lower)), \(number(estimate.upper))]"
    }

    /// A share as a percentage with one decimal: `87.5 %`.
    static func percent(_ share: Double) -> String { "\(number(share * 100, decimals: 1)) %" }
}
