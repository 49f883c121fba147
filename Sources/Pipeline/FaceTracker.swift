import DSP
import Models

// ref: syncnet_python/syncnet_pipeline.py, `SyncNetPipeline._track` and `_iou` (docs/reference/pipeline.md §8.1)

/// One face followed through consecutive frames of a scene: a box for every frame.
public struct FaceTrack: Sendable, Equatable, Codable {
    /// The first frame (on the clip's 25 fps timeline).
    public var firstFrame: Int
    /// One `[x1, y1, x2, y2]` box per frame from ``firstFrame`` on, interpolated between the
    /// detections the track was built from.
    public var boxes: [[Double]]

    /// The frames the track covers.
    public var frames: Range<Int> { firstFrame..<(firstFrame + boxes.count) }
}

/// The reference's IoU tracker (nawta's variant, docs/reference/pipeline.md §8.1, or joonson's, §8.2), including
/// its quirks.
///
/// Passes repeat until one starts no track. A pass visits the frames in order and, within a
/// frame, the remaining faces in list order: the first face starts the track; a later face joins
/// it when it is at most ``maxGap`` frames after the track's last face and overlaps it by IoU >
/// ``minOverlap``; the first face that fails either test ends the visit of that frame. Taking a
/// face skips the one after it in the same frame (Python's list iteration after `remove`). A
/// track is kept when it has more than ``minTrack`` detections and, after interpolating every
/// frame between its first and last detection, its mean width or mean height exceeds
/// ``minFaceSize`` pixels.
public struct FaceTracker: Sendable {
    /// Which upstream tracker: they differ in what ends the visit of a frame.
    public enum Variant: String, Sendable, Codable {
        /// nawta's `_track` (syncnet-python 0.2.3): the first face that fails the gap *or* the IoU
        /// test ends the frame; IoU with `+ 1e-8` in the denominator.
        case nawta
        /// joonson's `track_shot` (`run_pipeline.py`, also Wav2Lip's, MOVA's and LatentSync's
        /// copies): only a gap too large ends the frame; a face that fails the IoU test is passed
        /// over and the next face of the frame is tried; IoU without the `1e-8`.
        case joonson
    }

    public var variant: Variant
    /// Detections a track needs, exclusive (`min_track`: 50 for MoChaBench, 100 for joonson).
    public var minTrack: Int
    /// Largest frame gap between consecutive detections of a track (`num_failed_det`).
    public var maxGap: Int
    /// Mean box side a kept track must exceed, in pixels (`min_face_size`).
    public var minFaceSize: Double
    /// IoU a face must exceed to join a track.
    public var minOverlap: Double

    public init(minTrack: Int = 50, maxGap: Int = 25, minFaceSize: Double = 100, minOverlap: Double = 0.5, variant: Variant = .nawta) {
        self.variant = variant
        self.minTrack = minTrack
        self.maxGap = maxGap
        self.minFaceSize = minFaceSize
        self.minOverlap = minOverlap
    }

    /// The reference's `_iou`: `inter / (areaA + areaB − inter + 1e-8)` on corner coordinates.
    public static func overlap(_ a: FaceDetection, _ b: FaceDetection) -> Double {
        let inter = max(0, min(a.x2, b.x2) - max(a.x1, b.x1)) * max(0, min(a.y2, b.y2) - max(a.y1, b.y1))
        let areaA = (a.x2 - a.x1) * (a.y2 - a.y1), areaB = (b.x2 - b.x1) * (b.y2 - b.y1)
        return inter / (areaA + areaB - inter + 1e-8)
    }

    /// joonson's `bb_intersection_over_union`: `inter / (areaA + areaB − inter)`. Two boxes of no
    /// area make Python raise `ZeroDivisionError`; here they do not overlap (0).
    public static func joonsonOverlap(_ a: FaceDetection, _ b: FaceDetection) -> Double {
        let inter = max(0, min(a.x2, b.x2) - max(a.x1, b.x1)) * max(0, min(a.y2, b.y2) - max(a.y1, b.y1))
        let areaA = (a.x2 - a.x1) * (a.y2 - a.y1), areaB = (b.x2 - b.x1) * (b.y2 - b.y1)
        let union = areaA + areaB - inter
        return union == 0 ? 0 : inter / union
    }

    /// Tracks of one scene: `detections[i]` are the faces of frame `firstFrame + i`, best first.
    public func tracks(detections: [[FaceDetection]], firstFrame: Int = 0) -> [FaceTrack] {
        var remaining = detections
        var tracks: [FaceTrack] = []
        while true {
            var track: [(frame: Int, face: FaceDetection)] = []
            for position in remaining.indices {
                let frame = firstFrame + position
                var index = 0
                faces: while index < remaining[position].count {
                    let face = remaining[position][index]
                    if let last = track.last {
                        guard frame - last.frame <= maxGap else { break faces }
                        switch variant {
                        case .nawta:
                            guard Self.overlap(face, last.face) > minOverlap else { break faces }
                        case .joonson:
                            guard Self.joonsonOverlap(face, last.face) > minOverlap else {
                                index += 1  // passed over: try the next face of this frame
                                continue
                            }
                        }
                    }
                    track.append((frame, face))
                    // list.remove(f) drops the first equal entry; the iterator then moves on by one.
                    remaining[position].remove(at: remaining[position].firstIndex(of: face)!)
                    index += 1
                }
            }
            guard let first = track.first, let last = track.last else { break }
            guard track.count > minTrack else { continue }
            let known = track.map { Double($0.frame) }
            let all = (first.frame...last.frame).map(Double.init)
            let columns = [\FaceDetection.x1, \.y1, \.x2, \.y2].map { coordinate in
                // Frames never decrease along a track. They repeat only when a frame holds three
                // faces and the third overlaps the first by IoU > 0.5 (possible with boxes from
                // another detector; S3FD's NMS at 0.1 rules it out): numpy.interp's rule then.
                try! LinearInterpolation(
                    samplePoints: known, values: track.map { $0.face[keyPath: coordinate] }, allowingRepeats: true)(all)
            }
            let widths = zip(columns[2], columns[0]).map { $0 - $1 }
            let heights = zip(columns[3], columns[1]).map { $0 - $1 }
            guard max(numpyMean(widths), numpyMean(heights)) > minFaceSize else { continue }
            tracks.append(FaceTrack(
                firstFrame: first.frame, boxes: all.indices.map { [columns[0][$0], columns[1][$0], columns[2][$0], columns[3][$0]] }))
        }
        return tracks
    }
}
