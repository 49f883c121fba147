import ArgumentParser
import Foundation
import Models
import Reports
import Tensor

/// `syncbench bench-kernels`: S3FD and SyncNet speed, side by side with PyTorch.
struct BenchKernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-kernels",
        abstract: "Time S3FD per frame and SyncNet per window, and compare with PyTorch when it is installed.",
        discussion: """
            S3FD runs on random network inputs of each --sizes entry (244x132 is the example clip \
            at 0.25 scale, 320x180 a 720p frame), including priors and Detect, one frame at a time \
            as the reference does; then its network forward and its Detect + NMS separately; then \
            the whole detector again with the stand-in weights' face logits lowered by 5, which \
            leaves tens of candidates per frame as real faces do instead of every prior (the plain \
            stand-ins make Detect sort and suppress thousands). SyncNet on batches of --batch \
            windows, as the reference batches them. Times are medians of --repeat runs after a warm-up, with their spread ((max − min) / \
            median: single runs on a shared machine swing by ±25 %); GFLOP/s counts the \
            convolutions' 2 x multiply-accumulates (docs/reference/networks.md §4). When the pinned reference \
            environment exists (tools/reference/.venv, or --reference-python), PyTorch is timed on \
            the same shapes in the same run and the speed-ups are printed. With --precision bf16 \
            every measurement is also made in fp32, the two precisions' runs alternating, and the \
            "vs fp32" column gives bf16's speed-up over fp32 in the same run. Weights: --weights \
            DIR, else the stand-in weights (speed does not depend on the values).
            """
    )

    @Option(help: "Network input sizes for S3FD, WIDTHxHEIGHT, comma-separated.")
    var sizes = "244x132,320x180"

    @Option(help: "SyncNet windows per batch (the reference uses 20).")
    var batch = 20

    @Option(name: .customLong("repeat"), help: "Timed runs per measurement (the median is reported).")
    var repetitions = 5

    @Option(name: .customLong("weights"), help: "Weights folder to benchmark (default: the stand-in weights).", completion: .directory)
    var weightsDirectory: String?

    @Option(name: .customLong("reference-python"), help: "Python of the reference environment (default: tools/reference/.venv/bin/python if present).", completion: .file())
    var referencePython: String?

    @Option(help: ArgumentHelp(Precision.optionHelp))
    var precision: Precision = .fp32

    @Flag(name: .customLong("no-reference"), help: "Do not time PyTorch.")
    var noReference = false

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        // A batch of 20 windows is 60 MB of lip input; 256 stays within a few GB.
        guard (1...256).contains(batch), (1...1000).contains(repetitions) else {
            throw ValidationError("--batch must be in 1…256 and --repeat in 1…1000")
        }
        try precision.checkSupported()
        _ = try parsedSizes()
    }

    private func parsedSizes() throws -> [(width: Int, height: Int)] {
        try sizes.split(separator: ",").map { item in
            let parts = item.split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts.allSatisfy({ $0 >= 16 && $0 <= 4096 }) else {
                throw ValidationError("--sizes: '\(item)' is not WIDTHxHEIGHT with sides in 16…4096")
            }
            guard S3FD.accepts(width: parts[0], height: parts[1]) else {
                throw ValidationError("--sizes: \(item) is too small for S3FD (its five 2×2 max pools need a side of at least 2 at each)")
            }
            return (parts[0], parts[1])
        }
    }

    func run() throws {
        var report = KernelReport(threads: ProcessInfo.processInfo.activeProcessorCount, batch: batch, precision: precision.rawValue)
        try reportingFailures {
            var s3fd: S3FD, syncNet: SyncNet
            /// The stand-in S3FD with tens of candidates per frame (nil with --weights).
            var fewCandidates: S3FD?
            if let weightsDirectory {
                let folder = WeightsDirectory(url: URL(fileURLWithPath: weightsDirectory))
                (s3fd, syncNet, fewCandidates) = (try folder.s3fd(), try folder.syncNet(), nil)
                report.weights = folder.url.path
            } else {
                s3fd = try S3FD(stateDict: S3FD.standInStateDict())
                syncNet = try SyncNet(stateDict: SyncNet.standInStateDict())
                fewCandidates = try S3FD(stateDict: Self.fewCandidatesStandIn())
                report.weights = "stand-in"
            }
            // With bf16, fp32 too: each timed run of one precision is followed by the other's.
            let precisions: [Precision] = precision == .bf16 ? [.bf16, .fp32] : [.fp32]
            let s3fds = precisions.map { s3fd.with(precision: $0) }
            let fewCandidatesByPrecision = fewCandidates.map { few in precisions.map { few.with(precision: $0) } }
            let syncNets = precisions.map { syncNet.with(precision: $0) }
            var timings: [KernelReport.Timings] = precisions.map { _ in .init() }
            // Seeded: the same inputs in every run (speed does not depend on the values, but a
            // system generator's call per value took seconds for SyncNet's 15 M lip inputs).
            var generator = Xoshiro256StarStar(seed: 0x5EED_BE4C)
            for (width, height) in try parsedSizes() {
                let input = Tensor(shape: [1, 3, height, width], scalars: (0..<(3 * width * height)).map { _ in Float.random(in: -120...130, using: &generator) })
                let flop = 2 * Double(S3FD.multiplyAccumulates(width: width, height: height))
                /// The timings of the same detector in each precision.
                func timing(_ detectors: [S3FD]) -> [KernelReport.S3FDTiming] {
                    let whole = timed(repetitions, detectors.map { detector in { _ = detector.detectFaces(input, frameWidth: width * 4, frameHeight: height * 4) } })
                    let outputs = detectors.map { $0.heads(input) }
                    let forward = timed(repetitions, detectors.map { detector in { _ = detector.heads(input) } })
                    let detect = timed(repetitions, zip(detectors, outputs).map { detector, outputs in { _ = detector.detect(outputs, frame: 0, width: width, height: height) } })
                    return detectors.indices.map { i in
                        .init(
                            size: "\(width)x\(height)", msPerFrame: 1000 * whole[i].median, gflops: flop / whole[i].median / 1e9, spread: whole[i].spread,
                            forwardMs: 1000 * forward[i].median, forwardSpread: forward[i].spread, detectMs: 1000 * detect[i].median,
                            detectSpread: detect[i].spread,
                            candidates: detectors[i].detect(outputs[i], frame: 0, width: width, height: height).count)
                    }
                }
                for (i, t) in timing(s3fds).enumerated() { timings[i].s3fd.append(t) }
                if let fewCandidatesByPrecision {
                    for (i, t) in timing(fewCandidatesByPrecision).enumerated() { timings[i].s3fdFewCandidates.append(t) }
                }
            }
            let lip = Tensor(shape: [batch, 3, 5, 224, 224], scalars: (0..<(batch * 3 * 5 * 224 * 224)).map { _ in Float(UInt8.random(in: 0...255, using: &generator)) })
            let audio = Tensor(shape: [batch, 1, 13, 20], scalars: (0..<(batch * 260)).map { _ in Float.random(in: -20...20, using: &generator) })
            let lipTimed = timed(repetitions, syncNets.map { net in { _ = net.lipEmbeddings(lip) } })
            let audioTimed = timed(repetitions, syncNets.map { net in { _ = net.audioEmbeddings(audio) } })
            for i in precisions.indices {
                let lipSeconds = lipTimed[i].median / Double(batch), audioSeconds = audioTimed[i].median / Double(batch)
                timings[i].syncNet = .init(
                    lipMsPerWindow: 1000 * lipSeconds, lipGflops: 2 * Double(SyncNet.lipMultiplyAccumulates) / lipSeconds / 1e9,
                    audioMsPerWindow: 1000 * audioSeconds, audioGflops: 2 * Double(SyncNet.audioMultiplyAccumulates) / audioSeconds / 1e9,
                    lipSpread: lipTimed[i].spread, audioSpread: audioTimed[i].spread)
            }
            (report.s3fd, report.s3fdFewCandidates, report.syncNet) = (timings[0].s3fd, timings[0].s3fdFewCandidates, timings[0].syncNet)
            report.fp32 = timings.count > 1 ? timings[1] : nil
        }
        if !noReference, let python = referencePython ?? defaultReferencePython() {
            report.reference = runReference(python: python)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.table())
        }
    }

    /// How much the benchmark lowers the stand-in S3FD's face logits (``fewCandidatesStandIn()``).
    static let faceLogitOffset: Float = 5

    /// The stand-in S3FD weights with the face logit of every confidence head (the last output
    /// channel's bias) lowered by ``faceLogitOffset``. On the benchmark's random frames about 20
    /// (244×132) and 37 (320×180) candidates then pass Detect's 0.05 and 3–11 rows survive its
    /// NMS, as with real faces; with the plain stand-ins every prior passes (2 700 and 4 800) and
    /// about 390 and 680 rows survive (measured with PyTorch, three random frames per size).
    /// `tools/reference/bench_kernels.py` makes the same change (float32 subtraction, the same values).
    static func fewCandidatesStandIn() throws -> StateDict {
        var dict = S3FD.standInStateDict()
        for head in 0..<6 {
            let name = "conf.\(head).bias"
            guard let tensor = dict[name] else { throw ValidationError("the stand-in S3FD has no \(name)") }
            var values = try tensor.float32Values(name: name)
            values[values.count - 1] -= faceLogitOffset
            dict.append(name, CheckpointTensor(shape: tensor.shape, float32: values))
        }
        return dict
    }

    /// For each body, the median of `runs` timed runs after a warm-up, and their spread
    /// ((max − min) / median). The bodies take turns, run by run, so that a slow spell of a shared
    /// machine falls on all of them alike.
    private func timed(_ runs: Int, _ bodies: [() -> Void]) -> [(median: Double, spread: Double)] {
        for body in bodies { body() }  // warm-up: priors, buffers, thread pools
        var times = [[Double]](repeating: [], count: bodies.count)
        for _ in 0..<runs {
            for (i, body) in bodies.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                body()
                times[i].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
        }
        return times.map(KernelReport.medianAndSpread)
    }

    private func defaultReferencePython() -> String? {
        let candidate = "tools/reference/.venv/bin/python"
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }

    /// Runs `tools/reference/bench_kernels.py` next to the reference Python and parses its JSON.
    private func runReference(python: String) -> KernelReport.Reference {
        let script = URL(fileURLWithPath: python).deletingLastPathComponent()  // .venv/bin
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("bench_kernels.py")
        guard FileManager.default.fileExists(atPath: script.path) else {
            return .init(error: "\(script.path) not found next to the reference environment")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            script.path, "--sizes", sizes, "--batch", String(batch), "--repeat", String(repetitions),
            "--threads", String(ProcessInfo.processInfo.activeProcessorCount), "--face-logit-offset", String(Self.faceLogitOffset),
        ]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            return .init(error: "cannot run \(python): \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, var reference = try? JSONDecoder().decode(KernelReport.Reference.self, from: data) else {
            return .init(error: "the reference benchmark failed (exit \(process.terminationStatus)): \(errorText.suffix(400))")
        }
        reference.error = nil
        return reference
    }
}

/// What `bench-kernels` measured.
struct KernelReport: Codable {
    struct S3FDTiming: Codable {
        var size: String
        var msPerFrame: Double
        var gflops: Double
        /// (max − min) / median of the timed runs.
        var spread: Double
        /// The network alone (``S3FD/heads(_:)``), and Detect + NMS alone on its outputs.
        var forwardMs: Double
        var forwardSpread: Double
        var detectMs: Double
        var detectSpread: Double
        /// Rows Detect keeps (after its NMS) for the benchmark's frame.
        var candidates: Int
    }

    struct SyncNetTiming: Codable {
        var lipMsPerWindow: Double
        var lipGflops: Double
        var audioMsPerWindow: Double
        var audioGflops: Double
        var lipSpread: Double
        var audioSpread: Double
    }

    /// Every measurement in one precision.
    struct Timings: Codable {
        var s3fd: [S3FDTiming] = []
        var s3fdFewCandidates: [S3FDTiming] = []
        var syncNet = SyncNetTiming(lipMsPerWindow: 0, lipGflops: 0, audioMsPerWindow: 0, audioGflops: 0, lipSpread: 0, audioSpread: 0)
    }

    /// The median (the middle run, or the mean of the two middle ones) and (max − min) / median.
    static func medianAndSpread(_ times: [Double]) -> (median: Double, spread: Double) {
        guard !times.isEmpty else { return (0, 0) }
        let sorted = times.sorted()
        let middle = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        return (median, median > 0 ? (sorted[sorted.count - 1] - sorted[0]) / median : 0)
    }

    /// PyTorch's figures, as `tools/reference/bench_kernels.py` prints them.
    struct Reference: Codable {
        struct SyncNet: Codable {
            var lip_ms_per_window: Double
            var audio_ms_per_window: Double
        }

        var torch: String?
        var threads: Int?
        var s3fd: [String: Double]?
        /// By size: the forward without Detect, Detect alone, the whole detector with few candidates.
        var s3fd_forward: [String: Double]?
        var s3fd_detect: [String: Double]?
        var s3fd_few_candidates: [String: Double]?
        var syncnet: SyncNet?
        /// (max − min) / median per measurement: `s3fd WxH`, `lip`, `audio`.
        var spread: [String: Double]?
        var error: String?

        init(error: String) { self.error = error }
    }

    var threads: Int
    var batch: Int
    /// `--precision` of our side (PyTorch always computes in float32).
    var precision: String
    var weights = ""
    var s3fd: [S3FDTiming] = []
    /// The same with the stand-in weights' face logits lowered (empty with --weights).
    var s3fdFewCandidates: [S3FDTiming] = []
    var syncNet = SyncNetTiming(lipMsPerWindow: 0, lipGflops: 0, audioMsPerWindow: 0, audioGflops: 0, lipSpread: 0, audioSpread: 0)
    /// With `--precision bf16`: the same measurements in fp32, timed alternately with bf16's.
    var fp32: Timings?
    var reference: Reference?

    func table() -> String {
        var lines = [
            "weights: \(weights), \(threads) cores, precision \(precision); medians, ± the spread (max − min) / median", "",
            "network           syncbench              GFLOP/s   PyTorch                speed-up" + (fp32 == nil ? "" : "  fp32                  vs fp32"),
        ]
        func spreadText(_ spread: Double?) -> String { spread.map { String(format: " ±%3.0f%%", 100 * $0) } ?? "      " }
        /// `gflops` 0: a row without convolutions (Detect + NMS), printed as "–". `fp32`: the same
        /// measurement in fp32 (with bf16), and its spread.
        func row(
            _ name: String, _ ours: Double, _ unit: String, _ gflops: Double, _ theirs: Double?, spread: Double?, theirSpread: Double?,
            fp32 baseline: (ms: Double, spread: Double?)?
        ) {
            let reference = theirs.map { String(format: "%8.2f %@", $0, unit) + spreadText(theirSpread) } ?? "       –              "
            let speedup = theirs.map { String(format: "%6.2fx", $0 / ours) } ?? "     –"
            let versusFP32 = baseline.map { "  " + String(format: "%8.2f %@", $0.ms, unit) + spreadText($0.spread) + String(format: "  %5.2fx", $0.ms / ours) } ?? ""
            lines.append(
                name.padding(toLength: 18, withPad: " ", startingAt: 0)
                    + String(format: "%8.2f %@", ours, unit) + spreadText(spread) + (gflops > 0 ? String(format: "  %7.1f   ", gflops) : "        –   ") + reference + "  " + speedup
                    + versusFP32)
        }
        for (index, timing) in s3fd.enumerated() {
            let size = timing.size
            let base = fp32?.s3fd[index]
            row(
                "S3FD \(size)", timing.msPerFrame, "ms/frame", timing.gflops, reference?.s3fd?[size],
                spread: timing.spread, theirSpread: reference?.spread?["s3fd \(size)"], fp32: base.map { ($0.msPerFrame, $0.spread) })
            row(
                "  forward", timing.forwardMs, "ms/frame", timing.gflops * timing.msPerFrame / timing.forwardMs, reference?.s3fd_forward?[size],
                spread: timing.forwardSpread, theirSpread: reference?.spread?["s3fd forward \(size)"], fp32: base.map { ($0.forwardMs, $0.forwardSpread) })
            row(
                "  Detect+NMS", timing.detectMs, "ms/frame", 0, reference?.s3fd_detect?[size],
                spread: timing.detectSpread, theirSpread: reference?.spread?["s3fd detect \(size)"], fp32: base.map { ($0.detectMs, $0.detectSpread) })
            lines[lines.count - 1] += "  (\(timing.candidates) rows)"
            if let few = s3fdFewCandidates.first(where: { $0.size == size }) {
                let fewBase = fp32?.s3fdFewCandidates.first(where: { $0.size == size })
                row(
                    "  few candidates", few.msPerFrame, "ms/frame", few.gflops, reference?.s3fd_few_candidates?[size],
                    spread: few.spread, theirSpread: reference?.spread?["s3fd few candidates \(size)"], fp32: fewBase.map { ($0.msPerFrame, $0.spread) })
                lines[lines.count - 1] += "  (\(few.candidates) rows)"
            }
        }
        let baseNet = fp32?.syncNet
        row(
            "SyncNet lip", syncNet.lipMsPerWindow, "ms/win  ", syncNet.lipGflops, reference?.syncnet?.lip_ms_per_window,
            spread: syncNet.lipSpread, theirSpread: reference?.spread?["lip"], fp32: baseNet.map { ($0.lipMsPerWindow, $0.lipSpread) })
        row(
            "SyncNet audio", syncNet.audioMsPerWindow, "ms/win  ", syncNet.audioGflops, reference?.syncnet?.audio_ms_per_window,
            spread: syncNet.audioSpread, theirSpread: reference?.spread?["audio"], fp32: baseNet.map { ($0.audioMsPerWindow, $0.audioSpread) })
        // A window needs both towers: the figure that sets SyncNet's throughput.
        let windowFlop = 2 * Double(SyncNet.lipMultiplyAccumulates + SyncNet.audioMultiplyAccumulates)
        let windowMs = syncNet.lipMsPerWindow + syncNet.audioMsPerWindow
        let referenceWindowMs = reference?.syncnet.map { $0.lip_ms_per_window + $0.audio_ms_per_window }
        row(
            "SyncNet window", windowMs, "ms/win  ", windowFlop / windowMs / 1e6, referenceWindowMs, spread: nil, theirSpread: nil,
            fp32: baseNet.map { ($0.lipMsPerWindow + $0.audioMsPerWindow, nil) })
        if let reference {
            lines.append("")
            lines.append(reference.error.map { "PyTorch not timed: \($0)" } ?? "PyTorch \(reference.torch ?? "?") on \(reference.threads ?? 0) threads, same shapes, same run")
        } else {
            lines.append("\nPyTorch not timed (no tools/reference/.venv; see tools/reference/README.md)")
        }
        return lines.joined(separator: "\n")
    }
}
