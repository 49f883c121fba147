import Foundation
import Testing
@testable import Reports

/// Writes the hand-made report to `$SYNCBENCH_REPORT_SAMPLE_DIR` when that variable is set, for
/// `tools/report/check-in-browser.sh` and for looking at the pages and PNGs by eye:
///
///     SYNCBENCH_REPORT_SAMPLE_DIR=/tmp/report swift test --filter SampleReportOutput
///     tools/report/check-in-browser.sh /tmp/report /tmp/report-shots
@Suite("Sample report output")
struct SampleReportOutput {
    @Test(
        "writes the fixture report to $SYNCBENCH_REPORT_SAMPLE_DIR",
        .enabled(if: ProcessInfo.processInfo.environment["SYNCBENCH_REPORT_SAMPLE_DIR"] != nil))
    func write() throws {
        let directory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["SYNCBENCH_REPORT_SAMPLE_DIR"]!)
        let files = try ReportWriter().write(try ReportFixture.report(), statistics: ReportFixture.statistics, to: directory)
        #expect(files.count == 23)
    }
}
