import DSP
import Foundation
import Media
import NPY
import Tensor
import TestSupport
import Testing
@testable import Models

/// SyncNet with the stand-in weights against the PyTorch reference (goldens of
/// `tools/reference/make_network_goldens.py`).
///
/// Tolerance: every embedding within 1e-4 × its norm (max abs difference), the bound the neural-
/// core issue sets. Both sides accumulate float32 sums of up to 6 400 products per output
/// (im2col/Winograd + OpenBLAS here, oneDNN there) in different orders; the observed error is
/// about 1e-6 of the norm, so 1e-4 still catches any wrong layer, layout or folding (those move
/// embeddings by whole percents).
@Suite("SyncNet parity with PyTorch (stand-in weights)")
struct SyncNetParityTests {
    static let network: SyncNet = try! SyncNet(stateDict: SyncNet.standInStateDict())

    /// Largest |ours − golden| over each row divided by that row's golden norm.
    static func worstRelativeError(_ ours: Tensor, _ golden: NPYArray) throws -> Double {
        let expected = try golden.float32Values()
        try #require(ours.shape == golden.shape)
        let width = golden.shape[1]
        var worst = 0.0
        for row in 0..<golden.shape[0] {
            let slice = (row * width)..<((row + 1) * width)
            let norm = slice.reduce(0.0) { $0 + Double(expected[$1]) * Double(expected[$1]) }.squareRoot()
            let maxDiff = slice.reduce(0.0) { max($0, Double(abs(ours.scalars[$1] - expected[$1]))) }
            worst = max(worst, maxDiff.isNaN ? .infinity : maxDiff / norm)
        }
        return worst
    }

    @Test("lip embeddings of random windows")
    func randomLip() throws {
        let count = 2 * 3 * 5 * 224 * 224
        let bytes = SplitMix64.bytes(seed: 0x11D, count: count)
        let input = Tensor(shape: [2, 3, 5, 224, 224], scalars: bytes.map(Float.init))
        let error = try Self.worstRelativeError(Self.network.lipEmbeddings(input), NetworkFixtures.npy("syncnet_random_lip.npy"))
        #expect(error <= 1e-4)
    }

    @Test("audio embeddings of random MFCC windows")
    func randomAudio() throws {
        let values = NetworkFixtures.uniform(seed: 0xA0D10, count: 4 * 13 * 20).map { Float(20 * (2 * $0 - 1)) }
        let input = Tensor(shape: [4, 1, 13, 20], scalars: values)
        let error = try Self.worstRelativeError(Self.network.audioEmbeddings(input), NetworkFixtures.npy("syncnet_random_audio.npy"))
        #expect(error <= 1e-4)
    }

    @Test("embeddings of real face crops and speech", .enabled(
        if: SharedData.has("example.avi"), "needs ../shared/data (shared test clips, not part of the repository)"))
    func realCrops() throws {
        let index = try NetworkFixtures.index()
        let real = try #require(index["syncnet_real"] as? [String: Any])
        let crops = try #require(real["crops"] as? [[String: Any]])
        let frames = try NetworkFixtures.frames("example.avi", count: 85)
        // N, C, T, H, W with C = B, G, R: the crops exactly as the reference script built them.
        let plane = 224 * 224
        var scalars = [Float](repeating: 0, count: 2 * 3 * 5 * plane)
        for (i, crop) in crops.enumerated() {
            let frame = try #require(crop["frame"] as? Int)
            let x = try #require(crop["x"] as? Int), y = try #require(crop["y"] as? Int)
            let side = try #require(crop["side"] as? Int)
            #expect(sha256Hex(frames[frame].pixels) == crop["frame_sha256"] as? String, "frame \(frame) differs from ffmpeg's")
            let image = frames[frame].cropped(x: x, y: y, width: side, height: side).resized(width: 224, height: 224)
            #expect(sha256Hex(image.pixels) == crop["crop_sha256"] as? String, "crop of frame \(frame) differs from OpenCV's")
            let window = i / 5, t = i % 5
            for p in 0..<plane {
                for c in 0..<3 { scalars[((window * 3 + c) * 5 + t) * plane + p] = Float(image.pixels[3 * p + c]) }
            }
        }
        let lip = Self.network.lipEmbeddings(Tensor(shape: [2, 3, 5, 224, 224], scalars: scalars))
        #expect(try Self.worstRelativeError(lip, NetworkFixtures.npy("syncnet_real_lip.npy")) <= 1e-4)

        let speech = try AudioDecoder.decodeMono16k(path: NetworkFixtures.sharedData.appendingPathComponent("example_speech.wav").path)
        let mfcc = try MFCC(fft: FFmpegRealFFT(length: 512)).coefficients(of: speech)
        var audio = [Float](repeating: 0, count: 2 * 13 * 20)
        for (n, v) in [40, 80].enumerated() {
            for k in 0..<13 {
                for m in 0..<20 { audio[(n * 13 + k) * 20 + m] = Float(mfcc[k, 4 * v + m]) }
            }
        }
        let audioBytes = audio.withUnsafeBytes { Data($0) }
        #expect(sha256Hex(audioBytes) == real["audio_sha256"] as? String, "MFCC windows differ from python_speech_features'")
        let embeddings = Self.network.audioEmbeddings(Tensor(shape: [2, 1, 13, 20], scalars: audio))
        #expect(try Self.worstRelativeError(embeddings, NetworkFixtures.npy("syncnet_real_audio.npy")) <= 1e-4)
    }

    @Test("a batch gives the same embeddings as single windows")
    func batchIndependence() throws {
        let values = NetworkFixtures.uniform(seed: 7, count: 3 * 13 * 20).map { Float(10 * (2 * $0 - 1)) }
        let batch = Self.network.audioEmbeddings(Tensor(shape: [3, 1, 13, 20], scalars: values))
        for n in 0..<3 {
            let single = Self.network.audioEmbeddings(
                Tensor(shape: [1, 1, 13, 20], scalars: Array(values[(n * 260)..<((n + 1) * 260)])))
            let row = Array(batch.scalars[(n * 1024)..<((n + 1) * 1024)])
            let worst = zip(row, single.scalars).map { abs($0 - $1) }.max()!
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            // Different batch sizes may pick other GEMM blockings: float32 rounding only.
            #expect(worst <= 1e-5 * norm)
        }
    }

    @Test("lip windows through the first layer in chunks give the embeddings of one pass")
    func lipChunks() throws {
        let count = 6 * 3 * 5 * 224 * 224
        let input = Tensor(shape: [6, 3, 5, 224, 224], scalars: SplitMix64.bytes(seed: 0xC4, count: count).map(Float.init))
        let whole = Self.network.lipEmbeddings(input, inputChunk: 6)
        #expect(whole.shape == [6, 1024])
        for chunk in [1, 4] {
            let chunked = Self.network.lipEmbeddings(input, inputChunk: chunk)
            #expect(chunked.shape == whole.shape)
            for n in 0..<6 {
                let row = whole.scalars[(n * 1024)..<((n + 1) * 1024)]
                let other = chunked.scalars[(n * 1024)..<((n + 1) * 1024)]
                let worst = zip(row, other).map { abs($0 - $1) }.max()!
                let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
                // Only the GEMM blocking of the first layer differs: float32 rounding.
                #expect(norm > 0 && worst <= 1e-5 * norm, "chunk \(chunk), window \(n): \(worst) vs norm \(norm)")
            }
        }
    }

    @Test("windows of consecutive frames give the embeddings of the same windows stacked, bit for bit")
    func consecutiveFrames() throws {
        let (frames, plane) = (10, 224 * 224)
        let pixels = SplitMix64.bytes(seed: 0xC5, count: frames * 3 * plane).map(Float.init)
        // The six windows of 5 consecutive frames, stacked as [6, 3, 5, 224, 224].
        var stacked = [Float](repeating: 0, count: 6 * 3 * 5 * plane)
        for window in 0..<6 {
            for c in 0..<3 {
                for t in 0..<5 {
                    let from = ((window + t) * 3 + c) * plane
                    stacked.replaceSubrange(
                        (((window * 3 + c) * 5 + t) * plane)..<(((window * 3 + c) * 5 + t + 1) * plane), with: pixels[from..<(from + plane)])
                }
            }
        }
        let expected = Self.network.lipEmbeddings(Tensor(shape: [6, 3, 5, 224, 224], scalars: stacked))
        let fromFrames = Self.network.lipEmbeddings(consecutiveFrames: Tensor(shape: [frames, 3, 224, 224], scalars: pixels))
        #expect(fromFrames.shape == [6, 1024])
        #expect(fromFrames.scalars.map(\.bitPattern) == expected.scalars.map(\.bitPattern))
    }
}
