import Media
import Models
import TestSupport
import Testing
@testable import Pipeline

@Suite("FaceDetector")
struct FaceDetectorTests {
    static let detector = FaceDetector(network: try! S3FD(stateDict: S3FD.standInStateDict()), threshold: 0.05)

    static func randomFrame(seed: UInt64) -> Image {
        Image(width: 192, height: 144, layout: .bgr, pixels: SplitMix64.bytes(seed: seed, count: 192 * 144 * 3))
    }

    @Test("the network input is the 0.25-scaled RGB frame minus (123, 117, 104)")
    func networkInput() {
        let frame = Image(width: 8, height: 4, layout: .bgr, pixels: (0..<(8 * 4)).flatMap { _ in [UInt8(10), 20, 30] })
        let input = Self.detector.networkInput(frame)
        #expect(input.shape == [1, 3, 1, 2])
        // A flat image stays flat under the bilinear resize: R = 30, G = 20, B = 10.
        let expected: [Float] = [-93, -93, -97, -97, -94, -94]  // 30 − 123, 20 − 117, 10 − 104
        #expect(input.scalars == expected)
    }

    @Test("a batch of frames gives the same faces as one frame at a time")
    func batchMatchesSingles() {
        let frames = (1...3).map { Self.randomFrame(seed: $0) }
        let batch = Self.detector.detect(batch: frames)
        #expect(batch.count == 3)
        for (frame, faces) in zip(frames, batch) {
            let single = Self.detector.detect(frame)
            #expect(single.count == faces.count)
            for (a, b) in zip(single, faces) {
                // Another batch size may change the GEMM blocking: float32 rounding only.
                #expect(abs(a.x1 - b.x1) < 1e-3 && abs(a.y2 - b.y2) < 1e-3 && abs(a.confidence - b.confidence) < 1e-5)
            }
        }
        #expect(Self.detector.detect(batch: []).isEmpty)
    }

    @Test("boxes are in frame coordinates, best first, above the threshold")
    func boxes() {
        let faces = Self.detector.detect(Self.randomFrame(seed: 9))
        #expect(faces.allSatisfy { $0.confidence > 0.05 && $0.confidence <= 1 })
        #expect(zip(faces, faces.dropFirst()).allSatisfy { $0.confidence >= $1.confidence })
    }
}
