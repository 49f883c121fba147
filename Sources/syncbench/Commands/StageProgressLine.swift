import Foundation
import Pipeline
import Tensor

/// `eval`'s progress on a terminal: one line on standard error, redrawn in place at most ten times
/// a second (`detecting faces  1234/1500 frames  ETA 38s`), cleared when the evaluation ends.
/// Nothing is drawn when standard error is not a terminal or with `--json`.
final class StageProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var stage = ""
    private var stageStarted = ContinuousClock.now
    private var lastDraw = ContinuousClock.now - .seconds(1)
    private var drawn = false

    /// Whether a line should be drawn at all.
    static func wanted(json: Bool) -> Bool { !json && isatty(STDERR_FILENO) == 1 }

    func show(_ progress: EvaluationProgress) {
        lock.withLock {
            let now = ContinuousClock.now
            if progress.stage != stage {
                stage = progress.stage
                stageStarted = now
            } else if now - lastDraw < .milliseconds(100) {
                return
            }
            lastDraw = now
            var line = "\(progress.stage)  \(progress.done)"
            if let total = progress.total { line += "/\(total)" }
            line += " \(progress.unit)"
            if let total = progress.total, progress.done > 0, total > progress.done {
                let seconds = (now - stageStarted).seconds / Double(progress.done) * Double(total - progress.done)
                line += "  ETA \(Int(seconds.rounded()))s"
            }
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            drawn = true
        }
    }

    func clear() {
        lock.withLock { if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } }
    }
}
