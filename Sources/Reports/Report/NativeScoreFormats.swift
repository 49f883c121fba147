import Foundation

/// Score files in the formats the upstream protocols write, so that SyncBench drops into existing
/// scripts (docs/protocols.md).
public enum NativeScoreFormats {
    /// Wav2Lip's `all_scores.txt` lines for one video: one `dist conf` line per scored track, in
    /// track order, each number as Python prints a 0-d float32 NumPy array (``numpyFloat32(_:)``),
    /// as `calculate_scores_real_videos.py` writes `str(dist) + " " + str(conf)`.
    public static func allScoresLines(tracks: [(distance: Float, confidence: Float)]) -> String {
        tracks.map { numpyFloat32($0.distance) + " " + numpyFloat32($0.confidence) + "\n" }.joined()
    }

    /// MOVA's `<video>_lip_score.json` (`eval_lip_sync.py`, `save_per_video_json`): per track
    /// `person{i}_LSE-D` and `person{i}_LSE-C`, their means (float32, as NumPy's `mean` of the
    /// float32 results), then the chosen track's `max_C_inperson` and `min_D_inperson`; each value
    /// written as Python writes `float()` of a float32 (the shortest text of the double), with
    /// `json.dump(…, indent=4)`'s layout.
    public static func movaLipScoreJSON(tracks: [(confidence: Float, distance: Float)], maxC: Float, minD: Float) -> String {
        var fields: [(String, Double)] = []
        for (i, t) in tracks.enumerated() {
            fields.append(("person\(i)_LSE-D", Double(t.distance)))
            fields.append(("person\(i)_LSE-C", Double(t.confidence)))
        }
        let n = Float(max(1, tracks.count))
        fields.append(("mean_LSE-D", Double(tracks.map(\.distance).reduce(0, +) / n)))
        fields.append(("mean_LSE-C", Double(tracks.map(\.confidence).reduce(0, +) / n)))
        fields.append(("max_C_inperson", Double(maxC)))
        fields.append(("min_D_inperson", Double(minD)))
        return "{\n" + fields.map { "    \"\($0.0)\": \(pythonFloat($0.1))" }.joined(separator: ",\n") + "\n}"
    }

    /// LatentSync's lines for one video (`eval/eval_sync_conf.py`, `syncnet_eval`): `Input video:`,
    /// `SyncNet confidence:` with two decimals (Python's `:.2f`, correctly rounded like C's `%.2f`),
    /// `AV offset:`. `confidence` is the mean over the tracks (``Pipeline/ClipScore/meanConfidence``),
    /// `offset` `int()` of the mean offset.
    public static func latentSyncLines(video: String, confidence: Double, offset: Int) -> String {
        "Input video: \(video)\nSyncNet confidence: \(String(format: "%.2f", confidence))\nAV offset: \(offset)\n"
    }

    /// What LatentSync prints for a video without a crop: the exception's message, red (its
    /// `red_text`), as folder mode's `print(e)` shows it.
    public static func latentSyncNoFace(video: String) -> String {
        "\u{1B}[91mFace not detected in \(video)\u{1B}[0m\n"
    }

    /// LatentSync's folder-mode last line: `statistics.fmean` of the videos' confidences, `:.02f`.
    /// Nil when no video has a face: LatentSync raises `StatisticsError` there.
    public static func latentSyncAverageLine(confidences: [Double]) -> String? {
        guard !confidences.isEmpty else { return nil }
        return "The average sync confidence is \(String(format: "%.2f", confidences.reduce(0, +) / Double(confidences.count)))\n"
    }

    /// Wav2Lip's `calculate_scores_LRS.py` result lines: running sums of the videos' float32 results
    /// (in float32 under NumPy ≥ 2), divided by the number of videos, printed as Python prints a
    /// float32 scalar through `'{}'.format` (the float64 repr of the float32 value). Nil for no
    /// video (the script divides by zero). The sum runs in the order given (the script's is
    /// `glob`'s, i.e. directory order).
    public static func lrsAverageLines(tracks: [(confidence: Float, distance: Float)]) -> String? {
        guard !tracks.isEmpty else { return nil }
        var confidence: Float = 0, distance: Float = 0
        for t in tracks {
            confidence += t.confidence
            distance += t.distance
        }
        let n = Float(tracks.count)
        return "Average Confidence: \(pythonFloat(Double(confidence / n)))\nAverage Minimum Distance: \(pythonFloat(Double(distance / n)))\n"
    }

    /// `repr(float)`: the shortest round-trip digits, `e-05` / `e+16` outside `[1e-4, 1e16)`, `NaN`
    /// and `Infinity` as `json.dump` writes them.
    static func pythonFloat(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x < 0 ? "-Infinity" : "Infinity" }
        return x.description
    }

    /// `str(numpy.float32(x))`: the shortest digits that read back as the same float32 (as Swift's
    /// own description finds them), positional for `1e-4 ≤ |x| < 1e6` with at least one decimal
    /// (`7.0`), scientific otherwise with a two-digit exponent (`1e-05`, `1.2345679e+08`);
    /// `nan`, `inf`, `-inf`.
    ///
    /// ref: NumPy `scalarmath` float32 `__str__` → `format_float_positional` /
    /// `format_float_scientific` (Dragon4, `unique=True`), switching at 1e-4 and 1e6 for float32
    /// (checked against NumPy 2.4 in `NativeScoreFormatsTests`).
    public static func numpyFloat32(_ x: Float) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        let sign = x.sign == .minus ? "-" : ""
        if x == 0 { return sign + "0.0" }
        // Shortest round-trip digits and the decimal exponent of the first one, from Swift's
        // description ("7.0912576", "1e-05", "1.2345679e+08", "16777216.0").
        let text = Array(x.magnitude.description)
        var mantissa = text, exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = Array(text[..<e])
            exponent = Int(String(text[(e + 1)...])) ?? 0
        }
        let point = mantissa.firstIndex(of: ".") ?? mantissa.count
        var digits = mantissa.filter { $0 != "." }
        // The first significant digit sits at 10^(point - 1 + exponent) before stripping zeros.
        var leadingZeros = 0
        while leadingZeros < digits.count - 1 && digits[leadingZeros] == "0" { leadingZeros += 1 }
        let firstExponent = point - 1 + exponent - leadingZeros
        digits = Array(digits[leadingZeros...])
        while digits.count > 1 && digits.last == "0" { digits.removeLast() }
        let magnitude = Double(x.magnitude)
        if magnitude >= 1e-4 && magnitude < 1e6 {
            var integer: [Character], fraction: [Character]
            if firstExponent >= 0 {
                let count = firstExponent + 1
                integer = Array((digits + Array(repeating: "0", count: max(0, count - digits.count))).prefix(count))
                fraction = digits.count > count ? Array(digits[count...]) : []
            } else {
                integer = ["0"]
                fraction = Array(repeating: "0", count: -firstExponent - 1) + digits
            }
            if fraction.isEmpty { fraction = ["0"] }
            return sign + String(integer) + "." + String(fraction)
        }
        let head = String(digits[0]), tail = digits.count > 1 ? "." + String(digits[1...]) : ""
        let e = abs(firstExponent)
        return sign + head + tail + "e" + (firstExponent < 0 ? "-" : "+") + (e < 10 ? "0" : "") + String(e)
    }
}
