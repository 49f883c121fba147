import Foundation
import Testing
@testable import Tensor

// Whole-network layer stacks with the exact S3FD and SyncNet shapes (docs/reference/networks.md §2–3) and random
// He-scaled weights, for timing in release builds and for checking the accumulated error of the
// fast algorithms at full width. Timing runs only with TENSOR_BENCH=1 (tests never assert on
// time):  TENSOR_BENCH=1 swift test -c release --filter NetworkBenchmarks

enum StackLayer {
    case conv(Conv2D)
    case conv3(Conv3D)
    case pool(MaxPool2D)
    case pool3(MaxPool3D)
    case linear(Linear)
    case l2norm([Float])
    case head(Conv2D)  // applied to the latest source, result kept as an output
    case source  // remember the current activation as a detection source
}

func heConv(_ o: Int, _ c: Int, _ k: (Int, Int), seed: UInt64, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
            dilation: (Int, Int) = (1, 1), relu: Bool = true) -> Conv2D {
    let fan = Double(c * k.0 * k.1)
    return Conv2D(
        weight: randomScalars(o * c * k.0 * k.1, seed: seed, scale: Float((6 / fan).squareRoot())), outChannels: o,
        inChannels: c, kernel: k, bias: randomScalars(o, seed: seed &+ 1, scale: 0.05), stride: stride,
        padding: padding, dilation: dilation, activation: relu ? .relu : .identity)
}

/// S3FD: VGG backbone, L2Norms, extras, 12 heads.
func s3fdStack() -> [(String, StackLayer)] {
    var layers: [(String, StackLayer)] = []
    var seed: UInt64 = 1
    func conv(_ name: String, _ o: Int, _ c: Int, k: Int = 3, s: Int = 1, p: Int = 1, d: Int = 1) {
        layers.append((name, .conv(heConv(o, c, (k, k), seed: seed, stride: (s, s), padding: (p, p), dilation: (d, d)))))
        seed += 2
    }
    func pool(_ ceil: Bool = false) { layers.append(("pool", .pool(MaxPool2D(kernel: (2, 2), stride: (2, 2), ceilMode: ceil)))) }
    conv("conv1_1", 64, 3); conv("conv1_2", 64, 64); pool()
    conv("conv2_1", 128, 64); conv("conv2_2", 128, 128); pool()
    conv("conv3_1", 256, 128); conv("conv3_2", 256, 256); conv("conv3_3", 256, 256)
    layers.append(("l2norm3_3", .l2norm([Float](repeating: 10, count: 256)))); pool(true)
    conv("conv4_1", 512, 256); conv("conv4_2", 512, 512); conv("conv4_3", 512, 512)
    layers.append(("l2norm4_3", .l2norm([Float](repeating: 8, count: 512)))); pool()
    conv("conv5_1", 512, 512); conv("conv5_2", 512, 512); conv("conv5_3", 512, 512)
    layers.append(("l2norm5_3", .l2norm([Float](repeating: 5, count: 512)))); pool()
    conv("fc6", 1024, 512, p: 6, d: 6); conv("fc7", 1024, 1024, k: 1, p: 0); layers.append(("src3", .source))
    conv("extras0", 256, 1024, k: 1, p: 0); conv("extras1", 512, 256, s: 2); layers.append(("src4", .source))
    conv("extras2", 128, 512, k: 1, p: 0); conv("extras3", 256, 128, s: 2); layers.append(("src5", .source))
    return layers
}

/// Heads for the six sources (channels 256, 512, 512, 1024, 512, 256): loc (4) and conf (4 or 2).
func s3fdHeads() -> [(Conv2D, Conv2D)] {
    [256, 512, 512, 1024, 512, 256].enumerated().map { k, c in
        (heConv(4, c, (3, 3), seed: 500 + UInt64(k), padding: (1, 1), relu: false),
         heConv(k == 0 ? 4 : 2, c, (3, 3), seed: 600 + UInt64(k), padding: (1, 1), relu: false))
    }
}

/// Runs a stack; returns the head outputs (S3FD) or the final activation, and per-layer seconds.
func runStack(
    _ layers: [(String, StackLayer)], heads: [(Conv2D, Conv2D)], input: Tensor, algorithm: Conv2D.Algorithm? = nil,
    timings: inout [(String, Double, Double, String)]
) -> [Tensor] {
    var x = input
    var sources: [Tensor] = []
    let clock = ContinuousClock()
    for (name, layer) in layers {
        var flops = 0.0
        var algo = ""
        let start = clock.now
        switch layer {
        case .conv(let conv):
            let h = x.shape[2], w = x.shape[3]
            algo = "\(algorithm ?? conv.algorithm(height: h, width: w))"
            x = conv(x, algorithm: algorithm)
            flops = 2 * Double(x.count * conv.inChannels * conv.kernel.0 * conv.kernel.1)
        case .conv3(let conv):
            x = conv(x)
            flops = 2 * Double(x.count * conv.inChannels * conv.kernel.0 * conv.kernel.1 * conv.kernel.2)
            algo = "\(conv.planar.algorithm(height: 0, width: 0))"
        case .pool(let p): x = p(x)
        case .pool3(let p): x = p(x)
        case .linear(let l):
            x = l(x)
            flops = 2 * Double(x.count * l.inFeatures)
        case .l2norm(let g): sources.append(l2Normalized(x, scale: g))
        case .source: sources.append(x)
        case .head: break
        }
        timings.append((name, (clock.now - start).seconds, flops, algo))
    }
    if heads.isEmpty { return [x] }
    var outputs: [Tensor] = []
    let start = clock.now
    for (source, (loc, conf)) in zip(sources, heads) {
        outputs.append(loc(source, algorithm: algorithm))
        outputs.append(conf(source, algorithm: algorithm))
    }
    timings.append(("heads", (clock.now - start).seconds, 0, ""))
    return outputs
}

func lipStack() -> [(String, StackLayer)] {
    func c3(_ o: Int, _ c: Int, _ k: (Int, Int, Int), s: (Int, Int, Int) = (1, 1, 1), p: (Int, Int, Int) = (0, 0, 0), seed: UInt64) -> Conv3D {
        let fan = Double(c * k.0 * k.1 * k.2)
        return Conv3D(
            weight: randomScalars(o * c * k.0 * k.1 * k.2, seed: seed, scale: Float((6 / fan).squareRoot())),
            outChannels: o, inChannels: c, kernel: k, bias: randomScalars(o, seed: seed + 1, scale: 0.05), stride: s,
            padding: p, activation: .relu)
    }
    return [
        ("lip.conv1", .conv3(c3(96, 3, (5, 7, 7), s: (1, 2, 2), seed: 1))),
        ("lip.pool1", .pool3(MaxPool3D(kernel: (1, 3, 3), stride: (1, 2, 2)))),
        ("lip.conv2", .conv3(c3(256, 96, (1, 5, 5), s: (1, 2, 2), p: (0, 1, 1), seed: 3))),
        ("lip.pool2", .pool3(MaxPool3D(kernel: (1, 3, 3), stride: (1, 2, 2), padding: (0, 1, 1)))),
        ("lip.conv3", .conv3(c3(256, 256, (1, 3, 3), p: (0, 1, 1), seed: 5))),
        ("lip.conv4", .conv3(c3(256, 256, (1, 3, 3), p: (0, 1, 1), seed: 7))),
        ("lip.conv5", .conv3(c3(256, 256, (1, 3, 3), p: (0, 1, 1), seed: 9))),
        ("lip.pool5", .pool3(MaxPool3D(kernel: (1, 3, 3), stride: (1, 2, 2)))),
        ("lip.conv6", .conv3(c3(512, 256, (1, 6, 6), seed: 11))),
        ("lip.fc1", .linear(Linear(weight: randomScalars(512 * 512, seed: 13, scale: 0.1), outFeatures: 512, inFeatures: 512, bias: nil, activation: .relu))),
        ("lip.fc2", .linear(Linear(weight: randomScalars(1024 * 512, seed: 14, scale: 0.1), outFeatures: 1024, inFeatures: 512, bias: nil))),
    ]
}

func audioStack() -> [(String, StackLayer)] {
    [
        ("aud.conv1", .conv(heConv(64, 1, (3, 3), seed: 1, padding: (1, 1)))),
        ("aud.pool1", .pool(MaxPool2D(kernel: (1, 1), stride: (1, 1)))),
        ("aud.conv2", .conv(heConv(192, 64, (3, 3), seed: 3, padding: (1, 1)))),
        ("aud.pool2", .pool(MaxPool2D(kernel: (3, 3), stride: (1, 2)))),
        ("aud.conv3", .conv(heConv(384, 192, (3, 3), seed: 5, padding: (1, 1)))),
        ("aud.conv4", .conv(heConv(256, 384, (3, 3), seed: 7, padding: (1, 1)))),
        ("aud.conv5", .conv(heConv(256, 256, (3, 3), seed: 9, padding: (1, 1)))),
        ("aud.pool5", .pool(MaxPool2D(kernel: (3, 3), stride: (2, 2)))),
        ("aud.conv6", .conv(heConv(512, 256, (5, 4), seed: 11))),
        ("aud.fc1", .linear(Linear(weight: randomScalars(512 * 512, seed: 13, scale: 0.1), outFeatures: 512, inFeatures: 512, bias: nil, activation: .relu))),
        ("aud.fc2", .linear(Linear(weight: randomScalars(1024 * 512, seed: 14, scale: 0.1), outFeatures: 1024, inFeatures: 512, bias: nil))),
    ]
}

let benchEnabled = ProcessInfo.processInfo.environment["TENSOR_BENCH"] != nil

@Suite("NetworkBenchmarks", .serialized)
struct NetworkBenchmarks {
    func report(_ label: String, _ layers: [(String, StackLayer)], heads: [(Conv2D, Conv2D)], input: Tensor, repetitions: Int = 5) {
        var timings: [(String, Double, Double, String)] = []
        var perRun: [[(String, Double, Double, String)]] = []
        _ = runStack(layers, heads: heads, input: input, timings: &timings)  // warm-up
        for _ in 0..<repetitions {
            timings = []
            _ = runStack(layers, heads: heads, input: input, timings: &timings)
            perRun.append(timings)
        }
        let totals = perRun.map { $0.reduce(0) { $0 + $1.1 } }
        print("== \(label): median \(String(format: "%.4f", KernelBenchmark.median(totals))) s, min \(String(format: "%.4f", totals.min()!)) s")
        for (i, entry) in perRun[0].enumerated() {
            let t = KernelBenchmark.median(perRun.map { $0[i].1 })
            let gf = entry.2 > 0 ? String(format: "%6.1f GFLOP/s", entry.2 / t / 1e9) : ""
            print(String(format: "  %-10@ %8.3f ms %@ %@", entry.0 as NSString, t * 1e3, gf, entry.3))
        }
    }

    @Test("S3FD stack timing", .enabled(if: benchEnabled))
    func s3fd() {
        let layers = s3fdStack(), heads = s3fdHeads()
        for (h, w) in [(132, 244), (180, 320)] {
            report("S3FD \(h)x\(w)", layers, heads: heads, input: randomTensor([1, 3, h, w], seed: 1, scale: 120))
        }
    }

    @Test("SyncNet stack timing (20 windows)", .enabled(if: benchEnabled))
    func syncnet() {
        report("SyncNet lip 20x3x5x224x224", lipStack(), heads: [], input: randomTensor([20, 3, 5, 224, 224], seed: 2, scale: 128))
        report("SyncNet audio 20x1x13x20", audioStack(), heads: [], input: randomTensor([20, 1, 13, 20], seed: 3, scale: 10))
    }

    @Test("S3FD stack at full width: heads with automatic algorithms within 1e-4 of im2col (realistic scale)",
          .enabled(if: benchEnabled))
    func s3fdAccuracy() {
        expectAutomaticMatchesIm2col(height: 132, width: 244)
    }

    /// The same check on a small frame (every layer at full width, the same algorithms), fast
    /// enough for every test run.
    @Test("S3FD stack at full width on a 64x96 frame: heads with automatic algorithms within 1e-4 of im2col")
    func s3fdAccuracySmall() {
        expectAutomaticMatchesIm2col(height: 64, width: 96)
    }

    func expectAutomaticMatchesIm2col(height: Int, width: Int) {
        let layers = s3fdStack(), heads = s3fdHeads()
        let x = randomTensor([1, 3, height, width], seed: 1, scale: 120)
        var t: [(String, Double, Double, String)] = []
        let fast = runStack(layers, heads: heads, input: x, timings: &t)
        let reference = runStack(layers, heads: heads, input: x, algorithm: .im2col, timings: &t)
        for (k, (a, b)) in zip(fast, reference).enumerated() {
            let scale = b.scalars.map { abs($0) }.max()!
            let diff = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max()!
            print("  head \(k): max |fast - im2col| = \(diff), output scale \(scale), relative \(diff / scale)")
            #expect(diff <= 1e-4 * max(scale, 1))
        }
    }
}

extension NetworkBenchmarks {
    /// (label, N, C, O, H, W) of the 3×3 stride-1 layers of both networks.
    static let layers: [(String, Int, Int, Int, Int, Int)] = [
        ("s3fd conv1_1 320", 1, 3, 64, 180, 320), ("s3fd conv1_2 320", 1, 64, 64, 180, 320),
        ("s3fd conv2_1 320", 1, 64, 128, 90, 160), ("s3fd conv2_2 320", 1, 128, 128, 90, 160),
        ("s3fd conv3_2 320", 1, 256, 256, 45, 80), ("s3fd conv4_2 320", 1, 512, 512, 23, 40),
        ("s3fd conv5_2 320", 1, 512, 512, 11, 20), ("s3fd conv5_2 244", 1, 512, 512, 8, 15),
        ("s3fd head0 loc 320", 1, 256, 4, 45, 80), ("s3fd head1 conf 320", 1, 512, 2, 23, 40),
        ("s3fd head3 loc 320", 1, 1024, 4, 5, 10), ("s3fd head5 conf 320", 1, 256, 2, 2, 3),
        ("lip conv3 x20", 20, 256, 256, 13, 13), ("aud conv1 x20", 20, 1, 64, 13, 20),
        ("aud conv2 x20", 20, 64, 192, 13, 20), ("aud conv4 x20", 20, 384, 256, 11, 9),
    ]

    @Test("3×3 layers: im2col vs Winograd", .enabled(if: benchEnabled))
    func compare() {
        for (label, n, c, o, h, w) in Self.layers {
            let conv = heConv(o, c, (3, 3), seed: 5, padding: (1, 1))
            let x = randomTensor([n, c, h, w], seed: 6)
            let flops = 2.0 * Double(n * o * h * w * c * 9)
            var line = String(format: "  %-22@", label as NSString)
            for algorithm in [Conv2D.Algorithm.im2col, .winograd] {
                let t = KernelBenchmark.median(KernelBenchmark.seconds(repetitions: 5) { _ = conv(x, algorithm: algorithm) })
                line += String(format: "  %@ %8.3f ms (%6.1f GFLOP/s)", "\(algorithm)" as NSString, t * 1e3, flops / t / 1e9)
            }
            print(line + "  auto: \(conv.algorithm(height: h, width: w))")
        }
    }
}
