/// An sRGB colour with opacity, components in 0...1.
struct ChartColor: Equatable, Sendable {
    var red: Double
    var green: Double
    var blue: Double
    var alpha: Double = 1

    /// A colour from a 24-bit `0xRRGGBB` value.
    init(hex: UInt32, alpha: Double = 1) {
        red = Double(hex >> 16 & 0xFF) / 255
        green = Double(hex >> 8 & 0xFF) / 255
        blue = Double(hex & 0xFF) / 255
        self.alpha = alpha
    }

    /// The same colour with another opacity.
    func opacity(_ alpha: Double) -> ChartColor {
        var copy = self
        copy.alpha = alpha
        return copy
    }

    /// `#rrggbb`, for the HTML legend swatches.
    var cssHex: String {
        func byte(_ component: Double) -> String {
            let value = Int((component * 255).rounded())
            return (value < 16 ? "0" : "") + String(value, radix: 16)
        }
        return "#" + byte(red) + byte(green) + byte(blue)
    }
}

/// How a model is drawn: its colour and its scatter marker.
struct ModelStyle: Equatable, Sendable {
    var color: ChartColor
    var marker: MarkerShape
}

/// Scatter markers, so that models differ in shape as well as colour.
enum MarkerShape: CaseIterable, Sendable {
    case circle, square, triangle, diamond
}

/// The colours of the charts.
///
/// Models get the Okabe–Ito palette (Okabe & Ito, *Color Universal Design*, 2008), which stays
/// distinguishable under the common forms of colour blindness. Yellow, the weakest on white, comes
/// last; beyond seven models the colours repeat with the next marker shape.
enum Palette {
    /// Blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow.
    static let models: [ChartColor] = [0x0072B2, 0xE69F00, 0x009E73, 0xD55E00, 0xCC79A7, 0x56B4E9, 0xF0E442].map {
        ChartColor(hex: $0)
    }

    /// The style of the model at `index` in the report's model list.
    static func style(ofModelAt index: Int) -> ModelStyle {
        let shapes = MarkerShape.allCases
        return ModelStyle(color: models[index % models.count], marker: shapes[(index / models.count + index) % shapes.count])
    }

    static let text = ChartColor(hex: 0x1A1A1A)
    static let mutedText = ChartColor(hex: 0x5C5C5C)
    static let axis = ChartColor(hex: 0x444444)
    static let grid = ChartColor(hex: 0xDDDDDD)
    static let whisker = ChartColor(hex: 0x1A1A1A)
    static let background = ChartColor(hex: 0xFFFFFF)
    /// The band of |offset| ≤ 1 in the offset histogram.
    static let goodBand = ChartColor(hex: 0x009E73, alpha: 0.12)
    /// Table rules and zebra stripes in the drawn coverage table.
    static let rule = ChartColor(hex: 0xBBBBBB)
    static let stripe = ChartColor(hex: 0xF3F3F3)
    /// The banner behind warnings (stand-in weights): white text on it has a contrast of 6.5 : 1.
    static let warning = ChartColor(hex: 0xB3261E)
}
